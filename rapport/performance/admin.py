"""Admin pages of performance. KPIs and QA forms are configuration edited here. The success
definition, goals, evaluations and disputes are records with rules of their own (versions never
change, both parties agree, disputes are decided), so they are read here and changed through the
pages. Measurement settings are one row, saved through the service so every change is audited
and recomputes the figures it affects."""

from django.contrib import admin

from rapport.core.admin import ReadOnlyAdmin
from rapport.performance.models import (
    Dispute,
    Evaluation,
    Goal,
    Kpi,
    Kudos,
    MeasurementSettings,
    QaCriterion,
    QaForm,
    SuccessDefinition,
)
from rapport.performance.services import measures


@admin.register(Kpi)
class KpiAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "goal", "target", "owner", "is_active"]
    list_filter = ["goal", "kind", "is_active"]
    search_fields = ["key", "name"]
    list_select_related = ["owner"]
    autocomplete_fields = ["owner"]

    def get_readonly_fields(self, request, obj=None):
        # A KPI's key and formula are what goals and history refer to: fixed once it exists.
        return ["key", "formula"] if obj is not None else []


@admin.register(MeasurementSettings)
class MeasurementSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "service_level_seconds", "repeat_window_days", "min_sample"]

    def has_add_permission(self, request) -> bool:
        return not MeasurementSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        saved = measures.measurement_settings_update(by=request.user, **changes)
        obj.pk = saved.pk


@admin.register(SuccessDefinition)
class SuccessDefinitionAdmin(ReadOnlyAdmin):
    list_display = ["version", "name", "effective_from", "published_by", "published_at"]
    list_select_related = ["published_by"]


class QaCriterionInline(admin.TabularInline):
    model = QaCriterion
    extra = 1
    fields = ["order", "text", "category", "weight", "auto_fail", "guidance"]


@admin.register(QaForm)
class QaFormAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    inlines = [QaCriterionInline]


@admin.register(Kudos)
class KudosAdmin(admin.ModelAdmin):
    list_display = ["agent", "kind", "given_by", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["agent", "given_by"]
    raw_id_fields = ["agent", "given_by", "interaction"]


@admin.register(Goal)
class GoalAdmin(ReadOnlyAdmin):
    list_display = ["agent", "kpi", "target", "starts_on", "ends_on", "status"]
    list_filter = ["status", "kpi"]
    list_select_related = ["agent", "kpi"]


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ["interaction", "agent", "evaluator", "form", "status", "score", "submitted_at"]
    list_filter = ["status", "form"]
    list_select_related = ["agent", "evaluator", "form"]


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ["evaluation", "raised_by", "status", "decided_by", "created_at"]
    list_filter = ["status"]
    list_select_related = ["raised_by", "decided_by"]
