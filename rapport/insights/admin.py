"""Admin pages of insights. Alert rules and root causes are configuration admins edit here (every
change audited); alerts are records worked through the recovery pages, so they are only read here.
Rules and causes are retired (unticked "active"), never deleted: alerts refer to them."""

from django.contrib import admin

from rapport.core.admin import ReadOnlyAdmin
from rapport.core.audit import audit_record
from rapport.insights.models import Alert, AlertRule, RootCause


class _AuditedAdmin(admin.ModelAdmin):
    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        changes = {name: str(form.cleaned_data.get(name)) for name in form.changed_data}
        action = f"{obj._meta.model_name}.{'changed' if change else 'created'}"
        audit_record(actor=request.user, action=action, target=obj, detail=changes)


@admin.register(AlertRule)
class AlertRuleAdmin(_AuditedAdmin):
    list_display = [
        "name",
        "kind",
        "severity",
        "threshold",
        "window_days",
        "callback_hours",
        "is_active",
    ]
    list_filter = ["kind", "severity", "is_active"]
    search_fields = ["name"]


@admin.register(RootCause)
class RootCauseAdmin(_AuditedAdmin):
    list_display = ["name", "skill", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "description"]
    list_select_related = ["skill"]


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "severity",
        "state",
        "team",
        "owner",
        "fired_at",
        "callback_by",
        "outcome",
    ]
    list_filter = ["state", "severity", "outcome"]
    list_select_related = ["team", "owner"]
    search_fields = ["source_key"]
    date_hierarchy = "fired_at"
