"""API of alerts: the inbox, one alert with its timeline, and the recovery steps (take, assign,
close). Thin: parse, look up through the asker's selectors, call one service, serialise.

An alert the asker may not see is 404; one they see but may not act on is 403. Customers' words
are not part of this API (the alert's reasons say why it fired; the interaction API holds the
conversation for those who may read it).
"""

from typing import cast

import django_filters
from django import forms
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.accounts.http import AuthedRequest
from rapport.accounts.models import User
from rapport.core.errors import ValidationFailed
from rapport.core.permissions import require_roles
from rapport.core.roles import ALERT_WORKERS
from rapport.insights.choices import AlertState, RecoveryOutcome, Severity
from rapport.insights.models import Alert, AlertEvent
from rapport.insights.selectors import alerts as selectors
from rapport.insights.services import alerts as services

MAX_ID = 2**63 - 1


class AlertFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=AlertState.choices)
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    q = django_filters.CharFilter(
        method="search", max_length=selectors.Q_MAX, help_text="Customer, agent, reason or id."
    )
    overdue = django_filters.BooleanFilter(
        method="only_overdue", help_text="Only open alerts whose call-back time has passed."
    )

    class Meta:
        model = Alert
        form = forms.Form
        fields = ["state", "severity", "q", "overdue"]

    def search(self, queryset, name, value):
        return selectors.alerts_search(queryset, value)

    def only_overdue(self, queryset, name, value):
        return selectors.alerts_overdue(queryset) if value else queryset


# --- Serializers -----------------------------------------------------------------------------------


class AlertReasonSerializer(serializers.Serializer):
    rule = serializers.IntegerField(help_text="The alert rule that matched.")
    kind = serializers.CharField()
    severity = serializers.CharField()
    text = serializers.CharField(help_text="Why the rule matched, in words.")


class AlertSerializer(serializers.ModelSerializer):
    reasons = AlertReasonSerializer(many=True)
    customer_name = serializers.CharField(source="customer", default=None, allow_null=True)
    agent_name = serializers.CharField(source="agent", default=None, allow_null=True)
    team_name = serializers.CharField(source="team", default=None, allow_null=True)
    owner_name = serializers.CharField(source="owner", default=None, allow_null=True)
    root_cause_name = serializers.CharField(source="root_cause", default=None, allow_null=True)
    overdue = serializers.SerializerMethodField(help_text="Open and past its call-back time.")

    class Meta:
        model = Alert
        fields = [
            "id",
            "source_key",
            "interaction",
            "customer",
            "customer_name",
            "agent",
            "agent_name",
            "team",
            "team_name",
            "severity",
            "reasons",
            "state",
            "fired_at",
            "callback_by",
            "overdue",
            "owner",
            "owner_name",
            "outcome",
            "root_cause",
            "root_cause_name",
            "closed_at",
        ]

    def get_overdue(self, alert: Alert) -> bool:
        return selectors.is_overdue(alert)


class AlertEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor", default=None, allow_null=True)

    class Meta:
        model = AlertEvent
        fields = ["id", "kind", "actor", "actor_name", "note", "created_at"]


class AlertDetailSerializer(AlertSerializer):
    events = AlertEventSerializer(many=True, source="event_list")

    class Meta(AlertSerializer.Meta):
        fields = [*AlertSerializer.Meta.fields, "events"]


class AlertAssignSerializer(serializers.Serializer):
    owner = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="A person of the alert's team, or yourself."
    )


class AlertCloseSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=RecoveryOutcome.choices)
    root_cause = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    note = serializers.CharField(max_length=services.NOTE_MAX, allow_blank=True, default="")


# --- Views -----------------------------------------------------------------------------------------


def _body(request: AuthedRequest, alert_id: int) -> dict:
    alert = selectors.alert_get_for(request.user, alert_id)
    alert.event_list = list(selectors.alert_events(alert=alert))  # type: ignore[attr-defined]
    return AlertDetailSerializer(alert).data


class _AlertApi:
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        require_roles(request.user, ALERT_WORKERS, action="work alerts")


class AlertListApi(_AlertApi, generics.ListAPIView):
    """Alerts the asker works, newest first: a supervisor the teams they lead, an agent the
    recoveries they own, an admin all. Filter by `state`, `severity`, `overdue`, search `q`."""

    serializer_class = AlertSerializer
    filterset_class = AlertFilter

    def get_queryset(self):
        return selectors.alerts_for(cast(User, self.request.user))


class AlertDetailApi(_AlertApi, APIView):
    @extend_schema(responses={200: AlertDetailSerializer})
    def get(self, request: AuthedRequest, alert_id: int) -> Response:
        """An alert with its reasons and its recovery timeline."""
        return Response(_body(request, alert_id))


class AlertTakeApi(_AlertApi, APIView):
    @extend_schema(request=None, responses={200: AlertDetailSerializer})
    def post(self, request: AuthedRequest, alert_id: int) -> Response:
        """Take the recovery yourself (the team's supervisor or an admin)."""
        alert = selectors.alert_get_for(request.user, alert_id)
        services.alert_take(alert=alert, by=request.user)
        return Response(_body(request, alert_id))


class AlertAssignApi(_AlertApi, APIView):
    @extend_schema(request=AlertAssignSerializer, responses={200: AlertDetailSerializer})
    def post(self, request: AuthedRequest, alert_id: int) -> Response:
        """Give the recovery to a person of the alert's team, or to yourself."""
        alert = selectors.alert_get_for(request.user, alert_id)
        payload = AlertAssignSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        owner = selectors.owners_for(alert=alert, viewer=request.user)
        person = owner.filter(pk=payload.validated_data["owner"]).first()
        if person is None:
            message = "Not a person of the alert's team."
            raise ValidationFailed(message, fields={"owner": [message]})
        services.alert_assign(alert=alert, by=request.user, owner=person)
        return Response(_body(request, alert_id))


class AlertCloseApi(_AlertApi, APIView):
    @extend_schema(request=AlertCloseSerializer, responses={200: AlertDetailSerializer})
    def post(self, request: AuthedRequest, alert_id: int) -> Response:
        """Close the recovery with its outcome and root cause (both required)."""
        alert = selectors.alert_get_for(request.user, alert_id)
        payload = AlertCloseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        cause = selectors.root_causes_active().filter(pk=data["root_cause"]).first()
        if cause is None:
            message = "No such root cause in use."
            raise ValidationFailed(message, fields={"root_cause": [message]})
        services.alert_close(
            alert=alert,
            by=request.user,
            outcome=data["outcome"],
            root_cause=cause,
            note=data["note"],
        )
        return Response(_body(request, alert_id))


urls = [
    path("alerts", AlertListApi.as_view(), name="api-alerts"),
    path("alerts/<int:alert_id>", AlertDetailApi.as_view(), name="api-alert"),
    path("alerts/<int:alert_id>/take", AlertTakeApi.as_view(), name="api-alert-take"),
    path("alerts/<int:alert_id>/assign", AlertAssignApi.as_view(), name="api-alert-assign"),
    path("alerts/<int:alert_id>/close", AlertCloseApi.as_view(), name="api-alert-close"),
]
