"""Django admin registrations for inspecting identity resolution. Decisions (merge, undo,
dismiss) are made on the identity pages, which audit them; the settings change through the
service so the change is validated and audited."""

from django import forms
from django.contrib import admin

from rapport.core.admin import ReadOnlyAdmin
from rapport.identity.models import CustomerMerge, IdentitySettings, MatchPair, MatchRun
from rapport.identity.services.settings import identity_settings_update


class IdentitySettingsForm(forms.ModelForm):
    class Meta:
        model = IdentitySettings
        fields = ["review_at", "auto_merge_at"]

    def clean(self):
        data = super().clean() or {}
        review_at, auto_merge_at = data.get("review_at"), data.get("auto_merge_at")
        if review_at is not None and auto_merge_at is not None and auto_merge_at < review_at:
            self.add_error("auto_merge_at", "Must be at least the review confidence.")
        return data


@admin.register(IdentitySettings)
class IdentitySettingsAdmin(admin.ModelAdmin):
    form = IdentitySettingsForm
    list_display = ["__str__", "review_at", "auto_merge_at", "updated_by", "updated_at"]
    fields = ["review_at", "auto_merge_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        identity_settings_update(
            by=request.user, review_at=obj.review_at, auto_merge_at=obj.auto_merge_at
        )


@admin.register(MatchRun)
class MatchRunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "engine", "state", "percent", "pairs_found", "merged", "created_at"]
    list_filter = ["state", "engine"]


@admin.register(MatchPair)
class MatchPairAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "status", "found_by", "score", "run", "reviewed_at"]
    list_filter = ["status", "found_by"]
    raw_id_fields = ["left", "right", "run"]


@admin.register(CustomerMerge)
class CustomerMergeAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "automatic", "score", "merged_by", "created_at", "undone_at"]
    list_filter = ["automatic"]
    raw_id_fields = ["survivor", "merged", "pair"]
