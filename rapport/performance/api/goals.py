"""API of goals: list and propose, read one with its history and progress, and the steps of
agreement. Thin: parse, look up through the asker's selectors, call one service, serialise.

A goal the asker may not see is 404. Admins read every goal; acting on one is 403 for them
(they are never a party). `counts` is true only for a goal both sides agreed as it stands.
"""

from typing import Any, cast

import django_filters
from django import forms
from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.accounts.http import AuthedRequest
from rapport.accounts.models import User
from rapport.core.errors import PermissionDenied, ValidationFailed
from rapport.core.roles import Role, roles_of
from rapport.performance.choices import GoalStatus
from rapport.performance.models import Goal, GoalEvent, Kpi
from rapport.performance.selectors import goals as selectors
from rapport.performance.services import goals as services

MAX_ID = 2**63 - 1


def _note() -> serializers.CharField:
    return serializers.CharField(max_length=services.NOTE_MAX, allow_blank=True, default="")


class IdFilter(django_filters.NumberFilter):
    """A row id in the database's range; anything else is a 400, not a 500."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class GoalFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=GoalStatus.choices)
    agent = IdFilter(field_name="agent_id")

    class Meta:
        model = Goal
        form = forms.Form
        fields = ["status", "agent"]


# --- Serializers -----------------------------------------------------------------------------------


class GoalEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor", default=None, allow_null=True)
    value = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        allow_null=True,
        help_text="The KPI at a check-in or close.",
    )

    class Meta:
        model = GoalEvent
        fields = ["id", "kind", "actor", "actor_name", "note", "value", "detail", "created_at"]


class GoalSerializer(serializers.ModelSerializer):
    agent_name = serializers.CharField(source="agent")
    team = serializers.IntegerField(source="agent.team_id", allow_null=True)
    kpi = serializers.CharField(source="kpi.key", help_text="The KPI's key in the registry.")
    kpi_name = serializers.CharField(source="kpi.name")
    unit = serializers.CharField(source="kpi.unit")
    better = serializers.CharField(source="kpi.better")
    counts = serializers.SerializerMethodField(
        help_text="True only when the agent and the supervisor both agreed the goal as it stands."
    )
    waiting_for = serializers.SerializerMethodField(
        help_text="The side a proposed goal waits for: agent or supervisor."
    )

    class Meta:
        model = Goal
        fields = [
            "id",
            "agent",
            "agent_name",
            "team",
            "kpi",
            "kpi_name",
            "unit",
            "better",
            "target",
            "baseline",
            "starts_on",
            "ends_on",
            "checkin_every_days",
            "next_checkin_on",
            "note",
            "status",
            "counts",
            "waiting_for",
            "proposed_by",
            "agent_agreed_at",
            "supervisor_agreed_at",
            "supervisor",
            "created_at",
            "updated_at",
        ]

    def get_counts(self, goal: Goal) -> bool:
        return selectors.counts(goal)

    @extend_schema_field(serializers.ChoiceField(choices=["agent", "supervisor"], allow_null=True))
    def get_waiting_for(self, goal: Goal) -> Any:
        return selectors.waiting_for(goal)


class GoalProgressSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    state = serializers.CharField(
        help_text="ok (value holds a figure), not_enough_data, no_data_yet or not_started.",
    )
    value = serializers.FloatField(allow_null=True)
    n = serializers.IntegerField()
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    met = serializers.BooleanField(allow_null=True, help_text="Target met (respecting 'better').")


class GoalDetailSerializer(GoalSerializer):
    events = serializers.SerializerMethodField(help_text="The goal's history, oldest first.")
    progress = serializers.SerializerMethodField(
        help_text="From the ledger, for a goal that counts; null otherwise."
    )

    class Meta(GoalSerializer.Meta):
        fields = [*GoalSerializer.Meta.fields, "events", "progress"]

    @extend_schema_field(GoalEventSerializer(many=True))
    def get_events(self, goal: Goal) -> Any:
        return GoalEventSerializer(goal.event_list, many=True).data  # type: ignore[attr-defined]

    @extend_schema_field(GoalProgressSerializer(allow_null=True))
    def get_progress(self, goal: Goal) -> Any:
        progress = goal.progress  # type: ignore[attr-defined]
        if progress is None:
            return None
        estimate = progress.estimate
        return {
            "start": progress.start,
            "end": progress.end,
            "state": progress.state,
            "value": estimate.value if progress.enough_data else None,
            "n": estimate.n,
            "ci_low": estimate.ci_low,
            "ci_high": estimate.ci_high,
            "met": progress.met,
        }


class GoalCreateSerializer(serializers.Serializer):
    agent = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="The agent; leave out to propose a goal for yourself.",
    )
    kpi = serializers.SlugField(max_length=40, help_text="A KPI key from the registry.")
    target = serializers.DecimalField(max_digits=12, decimal_places=2)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    checkin_every_days = serializers.IntegerField(min_value=1, max_value=90, default=14)
    note = _note()


class GoalNoteSerializer(serializers.Serializer):
    note = _note()


class GoalDeclineSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=services.NOTE_MAX, help_text="Why not.")


class GoalReviseSerializer(serializers.Serializer):
    target = serializers.DecimalField(max_digits=12, decimal_places=2)
    ends_on = serializers.DateField()
    note = _note()


# --- Views -----------------------------------------------------------------------------------------


def _goal_body(request: AuthedRequest, goal_id: int) -> dict:
    """The goal as its detail endpoint shows it, read again through the asker's selectors."""
    goal = selectors.goal_get_for(viewer=request.user, goal_id=goal_id)
    events = list(selectors.goal_events(goal=goal))
    goal.event_list = events  # type: ignore[attr-defined]
    goal.progress = selectors.goal_progress(goal=goal, events=events)  # type: ignore[attr-defined]
    return GoalDetailSerializer(goal).data


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


class GoalListApi(generics.ListAPIView):
    """Goals the asker may see, newest first: their own; as a supervisor, their teams' agents';
    as an admin, everyone's. Filter by `status` and `agent`."""

    serializer_class = GoalSerializer
    filterset_class = GoalFilter

    def get_queryset(self):
        return selectors.goals_for(viewer=cast(User, self.request.user)).order_by(
            "-created_at", "-id"
        )

    @extend_schema(request=GoalCreateSerializer, responses={201: GoalDetailSerializer})
    def post(self, request: AuthedRequest) -> Response:
        """Propose a goal: for yourself as an agent, or for an agent of a team you lead. Your side
        agrees at once; the goal counts once the other side agrees too."""
        viewer = request.user
        if not roles_of(viewer) & {Role.AGENT, Role.SUPERVISOR}:
            raise PermissionDenied(
                "Goals are proposed by an agent or the supervisor of the agent's team."
            )
        payload = GoalCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        candidates = selectors.agents_for_proposals(viewer=viewer)
        agent = candidates.filter(pk=data.get("agent", viewer.pk)).first()
        if agent is None:
            raise _invalid("agent", "Not an agent you can propose goals for.")
        kpi = Kpi.objects.filter(key=data["kpi"], is_active=True).first()
        if kpi is None:
            raise _invalid("kpi", "No such KPI in use.")
        goal = services.goal_propose(
            by=viewer,
            agent=agent,
            kpi=kpi,
            target=data["target"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            checkin_every_days=data["checkin_every_days"],
            note=data["note"],
        )
        return Response(_goal_body(request, goal.pk), status=status.HTTP_201_CREATED)


class GoalDetailApi(APIView):
    @extend_schema(responses={200: GoalDetailSerializer})
    def get(self, request: AuthedRequest, goal_id: int) -> Response:
        """A goal with its history and, once it counts, its progress from the ledger."""
        return Response(_goal_body(request, goal_id))


class _GoalActionApi(APIView):
    payload_class: type[serializers.Serializer] | None = None
    created = False

    def act(self, request: AuthedRequest, goal: Goal, data: dict) -> None:
        raise NotImplementedError

    def post(self, request: AuthedRequest, goal_id: int) -> Response:
        goal = selectors.goal_get_for(viewer=request.user, goal_id=goal_id)
        # 404 when the goal is not the asker's to see, 403 when they see it but are no party to
        # it: checked before the payload, so the answer does not depend on it.
        services.goal_party_check(by=request.user, goal=goal)
        data: dict = {}
        if self.payload_class is not None:
            payload = self.payload_class(data=request.data)
            payload.is_valid(raise_exception=True)
            data = dict(payload.validated_data)
        self.act(request, goal, data)
        code = status.HTTP_201_CREATED if self.created else status.HTTP_200_OK
        return Response(_goal_body(request, goal_id), status=code)


class GoalAgreeApi(_GoalActionApi):
    @extend_schema(request=None, responses={200: GoalDetailSerializer})
    def post(self, request: AuthedRequest, goal_id: int) -> Response:
        """Agree a proposed goal (the side that has not agreed yet). 409 if you already did."""
        return super().post(request, goal_id)

    def act(self, request, goal, data):
        services.goal_agree(by=request.user, goal=goal)


class GoalDeclineApi(_GoalActionApi):
    payload_class = GoalDeclineSerializer

    @extend_schema(request=GoalDeclineSerializer, responses={200: GoalDetailSerializer})
    def post(self, request: AuthedRequest, goal_id: int) -> Response:
        """Decline the other side's proposal, saying why."""
        return super().post(request, goal_id)

    def act(self, request, goal, data):
        services.goal_decline(by=request.user, goal=goal, note=data["note"])


class GoalWithdrawApi(_GoalActionApi):
    payload_class = GoalNoteSerializer

    @extend_schema(request=GoalNoteSerializer, responses={200: GoalDetailSerializer})
    def post(self, request: AuthedRequest, goal_id: int) -> Response:
        """Withdraw your own proposal before the other side agrees."""
        return super().post(request, goal_id)

    def act(self, request, goal, data):
        services.goal_withdraw(by=request.user, goal=goal, note=data["note"])


class GoalReviseApi(_GoalActionApi):
    payload_class = GoalReviseSerializer

    @extend_schema(request=GoalReviseSerializer, responses={200: GoalDetailSerializer})
    def post(self, request: AuthedRequest, goal_id: int) -> Response:
        """Propose a change (target, end date). The other side's agreement is taken back: the
        goal waits for it again, even if it was agreed."""
        return super().post(request, goal_id)

    def act(self, request, goal, data):
        services.goal_revise(
            by=request.user,
            goal=goal,
            target=data["target"],
            ends_on=data["ends_on"],
            note=data["note"],
        )


class GoalCheckinApi(_GoalActionApi):
    payload_class = GoalNoteSerializer
    created = True

    @extend_schema(request=GoalNoteSerializer, responses={201: GoalDetailSerializer})
    def post(self, request: AuthedRequest, goal_id: int) -> Response:
        """Check in on an agreed goal: records the KPI from the ledger now, with a note, and moves
        the next check-in on by the goal's cadence."""
        return super().post(request, goal_id)

    def act(self, request, goal, data):
        services.goal_checkin(by=request.user, goal=goal, note=data["note"])


class GoalCloseApi(_GoalActionApi):
    payload_class = GoalNoteSerializer

    @extend_schema(request=GoalNoteSerializer, responses={200: GoalDetailSerializer})
    def post(self, request: AuthedRequest, goal_id: int) -> Response:
        """Close an agreed goal with its final value: the supervisor at any time, the agent once
        it has ended."""
        return super().post(request, goal_id)

    def act(self, request, goal, data):
        services.goal_close(by=request.user, goal=goal, note=data["note"])


urls = [
    path("goals/", GoalListApi.as_view(), name="api-goals"),
    path("goals/<int:goal_id>", GoalDetailApi.as_view(), name="api-goal"),
    path("goals/<int:goal_id>/agree", GoalAgreeApi.as_view(), name="api-goal-agree"),
    path("goals/<int:goal_id>/decline", GoalDeclineApi.as_view(), name="api-goal-decline"),
    path("goals/<int:goal_id>/withdraw", GoalWithdrawApi.as_view(), name="api-goal-withdraw"),
    path("goals/<int:goal_id>/revise", GoalReviseApi.as_view(), name="api-goal-revise"),
    path("goals/<int:goal_id>/checkins", GoalCheckinApi.as_view(), name="api-goal-checkins"),
    path("goals/<int:goal_id>/close", GoalCloseApi.as_view(), name="api-goal-close"),
]
