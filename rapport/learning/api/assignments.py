"""API of assignments.

- GET learning/assignments: yours, plus those you follow (supervisors: your teams' agents;
  trainers and admins: everyone's). Filter by status (or `open`), source, agent, module.
- POST learning/assignments: assign a module by hand (trainers, admins).
- GET learning/assignments/<id>; POST …/confirm and …/dismiss (trackers, on proposals and open
  ones they follow); POST …/start and …/attempts (the agent, on their own).
Anything not yours to see is 404."""

from typing import Any, cast

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.accounts.http import AuthedRequest
from rapport.accounts.models import User
from rapport.core.errors import NotFound, ValidationFailed
from rapport.core.permissions import require_roles
from rapport.core.roles import LEARNING_AUTHORS, LEARNING_TRACKERS
from rapport.learning.choices import AssignmentSource, AssignmentStatus
from rapport.learning.models import Assignment
from rapport.learning.selectors import assignments as selectors
from rapport.learning.selectors import modules as module_selectors
from rapport.learning.services import assignments as services

MAX_ID = 2**63 - 1


class AssignmentSerializer(serializers.ModelSerializer):
    agent_name = serializers.CharField(source="agent")
    module_title = serializers.CharField(source="module.title")

    class Meta:
        model = Assignment
        fields = [
            "id", "agent", "agent_name", "module", "module_title", "source", "status", "reason",
            "evidence", "gap_rule", "path", "assigned_by", "due_on", "started_at",
            "completed_at", "attempts", "score", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields
        validators: list = []  # only ever read: writes go through AssignmentCreateSerializer


class AssignmentQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["open", *AssignmentStatus.values], required=False, allow_blank=True
    )
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=AssignmentSource.values, required=False, allow_blank=True
    )
    agent = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    module = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class AssignmentCreateSerializer(serializers.Serializer):
    agent = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    module = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    due_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=services.NOTE_MAX, allow_blank=True, default="")


class ConfirmSerializer(serializers.Serializer):
    due_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=services.NOTE_MAX, allow_blank=True, default="")


class DismissSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=services.NOTE_MAX, help_text="Why not.")


class AttemptSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=MAX_ID), max_length=50
        ),
        help_text='{"<question id>": [<chosen choice ids>]}',
    )


class MissedSerializer(serializers.Serializer):
    """A question answered wrong: what it asked and why, never its right answers."""

    question_id = serializers.IntegerField()
    text = serializers.CharField()
    explanation = serializers.CharField()


class ResultSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    passed = serializers.BooleanField()
    right = serializers.IntegerField()
    total = serializers.IntegerField()
    missed = MissedSerializer(many=True)
    assignment = AssignmentSerializer()


class AssignmentListApi(generics.ListAPIView):
    """Your assignments and those you follow, newest first."""

    serializer_class = AssignmentSerializer
    filter_backends: list = []

    def get_queryset(self):
        query = AssignmentQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        rows = selectors.assignments_visible_to(viewer=cast(User, self.request.user))
        if data.get("status") == "open":
            rows = rows.filter(status__in=(*selectors.WAITING, AssignmentStatus.PROPOSED))
        elif data.get("status"):
            rows = rows.filter(status=data["status"])
        if data.get("source"):
            rows = rows.filter(source=data["source"])
        if data.get("agent"):
            rows = rows.filter(agent_id=data["agent"])
        if data.get("module"):
            rows = rows.filter(module_id=data["module"])
        return rows

    @extend_schema(request=AssignmentCreateSerializer, responses={201: AssignmentSerializer})
    def post(self, request: AuthedRequest) -> Response:
        """Assign a module to an agent by hand (trainers and admins)."""
        require_roles(request.user, LEARNING_AUTHORS, action="assign modules")
        payload = AssignmentCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        agent = selectors.agents_trackable_by(viewer=request.user).filter(pk=data["agent"]).first()
        if agent is None:
            raise ValidationFailed(
                "Not an agent you can assign to.", fields={"agent": ["No such agent."]}
            )
        module = module_selectors.modules_assignable().filter(pk=data["module"]).first()
        if module is None:
            raise ValidationFailed(
                "No such active module with questions.", fields={"module": ["No such module."]}
            )
        assignment = services.assignment_assign(
            by=request.user, agent=agent, module=module, due_on=data["due_on"], note=data["note"]
        )
        return Response(AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)


def _visible(request: AuthedRequest, assignment_id: int) -> Assignment:
    """An assignment the asker follows, or their own (a proposal about them stays with the
    trainers until confirmed)."""
    try:
        return selectors.assignment_tracked_get(viewer=request.user, assignment_id=assignment_id)
    except NotFound:
        return selectors.assignment_for(user=request.user, assignment_id=assignment_id)


class AssignmentDetailApi(APIView):
    @extend_schema(responses={200: AssignmentSerializer})
    def get(self, request: AuthedRequest, assignment_id: int) -> Response:
        """One assignment with its reason and evidence."""
        return Response(AssignmentSerializer(_visible(request, assignment_id)).data)


class AssignmentConfirmApi(APIView):
    @extend_schema(request=ConfirmSerializer, responses={200: AssignmentSerializer})
    def post(self, request: AuthedRequest, assignment_id: int) -> Response:
        """Confirm a proposal from a measured gap: it becomes the agent's assignment."""
        assignment = selectors.assignment_tracked_get(
            viewer=request.user, assignment_id=assignment_id
        )
        require_roles(request.user, LEARNING_TRACKERS, action="confirm assignments")
        payload = ConfirmSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.assignment_confirm(
            by=request.user, assignment=assignment, **payload.validated_data
        )
        return Response(AssignmentSerializer(assignment).data)


class AssignmentDismissApi(APIView):
    @extend_schema(request=DismissSerializer, responses={200: AssignmentSerializer})
    def post(self, request: AuthedRequest, assignment_id: int) -> Response:
        """Dismiss a proposal or an open assignment, saying why."""
        assignment = selectors.assignment_tracked_get(
            viewer=request.user, assignment_id=assignment_id
        )
        require_roles(request.user, LEARNING_TRACKERS, action="dismiss assignments")
        payload = DismissSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.assignment_dismiss(
            by=request.user, assignment=assignment, note=payload.validated_data["note"]
        )
        return Response(AssignmentSerializer(assignment).data)


class AssignmentStartApi(APIView):
    @extend_schema(request=None, responses={200: AssignmentSerializer})
    def post(self, request: AuthedRequest, assignment_id: int) -> Response:
        """Open your assignment: assigned becomes in progress."""
        assignment = selectors.assignment_for(user=request.user, assignment_id=assignment_id)
        services.assignment_start(assignment=assignment)
        return Response(AssignmentSerializer(assignment).data)


class AssignmentAttemptApi(APIView):
    @extend_schema(request=AttemptSerializer, responses={201: ResultSerializer})
    def post(self, request: AuthedRequest, assignment_id: int) -> Response:
        """Answer your module's check. Passing completes it; the result lists what was missed,
        with explanations, either way."""
        assignment = selectors.assignment_for(user=request.user, assignment_id=assignment_id)
        payload = AttemptSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        result = services.module_attempt_submit(
            assignment=assignment, answers=payload.validated_data["answers"]
        )
        body: dict[str, Any] = {
            "score": result.score,
            "passed": result.passed,
            "right": result.right,
            "total": result.total,
            "missed": MissedSerializer(result.missed, many=True).data,
            "assignment": AssignmentSerializer(assignment).data,
        }
        return Response(body, status=status.HTTP_201_CREATED)


urls = [
    path("learning/assignments", AssignmentListApi.as_view(), name="api-learning-assignments"),
    path(
        "learning/assignments/<int:assignment_id>",
        AssignmentDetailApi.as_view(),
        name="api-learning-assignment",
    ),
    path(
        "learning/assignments/<int:assignment_id>/confirm",
        AssignmentConfirmApi.as_view(),
        name="api-learning-assignment-confirm",
    ),
    path(
        "learning/assignments/<int:assignment_id>/dismiss",
        AssignmentDismissApi.as_view(),
        name="api-learning-assignment-dismiss",
    ),
    path(
        "learning/assignments/<int:assignment_id>/start",
        AssignmentStartApi.as_view(),
        name="api-learning-assignment-start",
    ),
    path(
        "learning/assignments/<int:assignment_id>/attempts",
        AssignmentAttemptApi.as_view(),
        name="api-learning-assignment-attempts",
    ),
]
