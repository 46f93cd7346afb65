"""Filters shared by the case list page and the API."""

import re

import django_filters
from django import forms
from django.db.models import Q

from rapport.access.choices import Priority
from rapport.cases.choices import OPEN_STATUSES, CaseStatus
from rapport.cases.forms import CaseFilterForm
from rapport.cases.models import Case, Escalation
from rapport.customers.filters import IdFilter

# "C-123", "c123", "#123" or a bare number: the reference people read out on the phone.
REFERENCE = re.compile(r"^\s*(?:c-?|#)?\s*(\d{1,12})\s*$", re.IGNORECASE)
ANY_OPEN = "active"
STATUS_CHOICES = [(ANY_OPEN, "Any open (new, open, waiting)"), *CaseStatus.choices]


class CaseFilter(django_filters.FilterSet):
    """`q` is a reference (C-123) or words of the subject; `mine` is the asker's own cases."""

    q = django_filters.CharFilter(method="search", label="Reference or subject")
    status = django_filters.ChoiceFilter(
        method="by_status", choices=STATUS_CHOICES, empty_label="Any status"
    )
    queue = IdFilter(field_name="queue_id")
    priority = django_filters.ChoiceFilter(choices=Priority.choices, empty_label="Any priority")
    assignee = IdFilter(field_name="assignee_id")
    unassigned = django_filters.BooleanFilter(
        field_name="assignee", lookup_expr="isnull", label="Unassigned"
    )
    mine = django_filters.BooleanFilter(method="by_me", label="Assigned to me")
    customer = IdFilter(field_name="customer_id")

    class Meta:
        model = Case
        form = CaseFilterForm
        fields = ["q", "status", "queue", "priority", "assignee", "unassigned", "mine", "customer"]

    def search(self, queryset, name, value):
        reference = REFERENCE.match(value)
        if reference:
            return queryset.filter(Q(pk=int(reference.group(1))) | Q(subject__icontains=value))
        return queryset.filter(subject__icontains=value.strip())

    def by_status(self, queryset, name, value):
        if value == ANY_OPEN:
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.filter(status=value)

    def by_me(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if not value or user is None:
            return queryset
        return queryset.filter(assignee_id=user.pk)


class EscalationFilter(django_filters.FilterSet):
    case = IdFilter(field_name="case_id")
    reason = IdFilter(field_name="reason_id")
    from_team = IdFilter(field_name="from_team_id")
    to_queue = IdFilter(field_name="to_queue_id")
    preventable = django_filters.BooleanFilter()
    escalated_after = django_filters.IsoDateTimeFilter(field_name="escalated_at", lookup_expr="gte")
    escalated_before = django_filters.IsoDateTimeFilter(field_name="escalated_at", lookup_expr="lt")

    class Meta:
        model = Escalation
        form = forms.Form
        fields = [
            "case",
            "reason",
            "from_team",
            "to_queue",
            "preventable",
            "escalated_after",
            "escalated_before",
        ]
