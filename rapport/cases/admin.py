"""Admin pages of cases. Escalation reasons are configuration; cases, their timelines, breaches
and escalation chains are read here and changed only through the services (which keep clocks,
timeline and audit right), so their pages are read-only."""

import re

from django.contrib import admin

from rapport.cases.models import Case, CaseEvent, Escalation, EscalationReason, SlaBreach
from rapport.core.admin import ReadOnlyAdmin, ReadOnlyInline

REFERENCE = re.compile(r"\[?[Cc]-(\d{1,12})\]?")


@admin.register(EscalationReason)
class EscalationReasonAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "preventable", "is_active"]
    list_filter = ["preventable", "is_active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ["at", "kind", "actor", "detail"]


class EscalationInline(ReadOnlyInline):
    model = Escalation
    fk_name = "case"
    fields = ["escalated_at", "reason", "from_queue", "to_queue", "escalated_by", "received_at"]


class SlaBreachInline(ReadOnlyInline):
    model = SlaBreach
    fields = ["clock", "due_at", "recorded_at"]


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "subject",
        "status",
        "priority",
        "channel",
        "queue",
        "assignee",
        "opened_at",
        "resolution_due",
    ]
    list_filter = ["status", "priority", "channel", "queue", "tier", "contact_type"]
    search_fields = ["=id", "subject", "customer__name_key", "customer__surname_key"]
    list_select_related = ["queue", "assignee"]
    date_hierarchy = "opened_at"
    inlines = [EscalationInline, SlaBreachInline, CaseEventInline]

    @admin.display(description="Reference", ordering="id")
    def reference(self, obj: Case) -> str:
        return obj.reference

    def get_search_results(self, request, queryset, search_term):
        # People quote the reference as it appears in e-mail subjects: "C-123".
        match = REFERENCE.fullmatch(search_term.strip())
        if match:
            return queryset.filter(pk=int(match.group(1))), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = [
        "case",
        "escalated_at",
        "reason",
        "preventable",
        "from_queue",
        "to_queue",
        "escalated_by",
        "received_at",
    ]
    list_filter = ["reason", "preventable", "from_queue", "to_queue", "to_tier"]
    search_fields = ["=case__id", "customer_needs", "tried", "promised"]
    list_select_related = ["case", "reason", "from_queue", "to_queue", "escalated_by"]
    date_hierarchy = "escalated_at"


@admin.register(SlaBreach)
class SlaBreachAdmin(ReadOnlyAdmin):
    list_display = ["case", "clock", "due_at", "recorded_at"]
    list_filter = ["clock"]
    search_fields = ["=case__id"]
    list_select_related = ["case"]
    date_hierarchy = "recorded_at"
