"""QA API: evaluations the asker may see, disputes on them, and calibration agreement.

Reading goes through the QA selectors (what the asker may not see is 404); raising and deciding
a dispute are checked before the payload (403 for who may see but not act) and again by the
services."""

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
from rapport.core.errors import PermissionDenied
from rapport.customers.filters import IdFilter
from rapport.performance.choices import Answer, EvaluationStatus
from rapport.performance.models import Dispute, Evaluation, EvaluationAnswer
from rapport.performance.selectors import qa as selectors
from rapport.performance.services import qa as services

# --- Serializers ---------------------------------------------------------------------------------


def _name(user) -> str | None:
    return None if user is None else (user.get_full_name() or user.username)


class EvaluationListSerializer(serializers.ModelSerializer):
    form_name = serializers.CharField(source="form.name")
    agent_name = serializers.SerializerMethodField()
    evaluator_name = serializers.SerializerMethodField()
    score = serializers.DecimalField(
        max_digits=5, decimal_places=2, coerce_to_string=False, allow_null=True, read_only=True
    )

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "form",
            "form_name",
            "interaction",
            "agent",
            "agent_name",
            "evaluator",
            "evaluator_name",
            "sample",
            "calibration",
            "status",
            "score",
            "auto_failed",
            "submitted_at",
            "created_at",
        ]

    def get_agent_name(self, evaluation: Evaluation) -> str | None:
        return _name(evaluation.agent)

    def get_evaluator_name(self, evaluation: Evaluation) -> str | None:
        return _name(evaluation.evaluator)


class AnswerSerializer(serializers.ModelSerializer):
    text = serializers.CharField(source="criterion.text")
    category = serializers.CharField(source="criterion.category")
    weight = serializers.IntegerField(source="criterion.weight")
    auto_fail = serializers.BooleanField(source="criterion.auto_fail")

    class Meta:
        model = EvaluationAnswer
        fields = ["criterion", "text", "category", "weight", "auto_fail", "answer", "comment"]


class DisputeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Dispute
        fields = [
            "id",
            "evaluation",
            "raised_by",
            "reason",
            "status",
            "decided_by",
            "decision_note",
            "decided_at",
            "created_at",
        ]


class EvaluationSerializer(EvaluationListSerializer):
    answers = serializers.SerializerMethodField()
    disputes = serializers.SerializerMethodField()

    class Meta(EvaluationListSerializer.Meta):
        fields = [*EvaluationListSerializer.Meta.fields, "comments", "answers", "disputes"]

    @extend_schema_field(AnswerSerializer(many=True))
    def get_answers(self, evaluation: Evaluation) -> Any:
        return AnswerSerializer(selectors.answers_of(evaluation=evaluation), many=True).data

    @extend_schema_field(DisputeSerializer(many=True))
    def get_disputes(self, evaluation: Evaluation) -> Any:
        return DisputeSerializer(evaluation.disputes.order_by("created_at", "id"), many=True).data


class DisputeRaiseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=services.TEXT_MAX)


class DisputeDecideSerializer(serializers.Serializer):
    upheld = serializers.BooleanField(help_text="True voids the evaluation; false lets it stand.")
    note = serializers.CharField(max_length=services.TEXT_MAX, help_text="Why; the agent reads it.")


class CountsSerializer(serializers.Serializer):
    met = serializers.IntegerField()
    not_met = serializers.IntegerField()
    na = serializers.IntegerField()


class CriterionAgreementSerializer(serializers.Serializer):
    criterion = serializers.IntegerField()
    text = serializers.CharField()
    n = serializers.IntegerField(help_text="Submitted evaluations that answered it.")
    counts = CountsSerializer()
    majority = serializers.ChoiceField(
        choices=Answer.choices, allow_null=True, help_text="Null on a tie."
    )
    share = serializers.FloatField(
        allow_null=True, help_text="Share of evaluators giving the most common answer (0–1)."
    )


class EvaluatorScoreSerializer(serializers.Serializer):
    evaluation = serializers.IntegerField()
    evaluator = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    score = serializers.FloatField(allow_null=True)


class AgreementSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    closed = serializers.BooleanField()
    n = serializers.IntegerField(help_text="Submitted evaluations.")
    enough_data = serializers.BooleanField(help_text="False below two submitted evaluations.")
    criteria = CriterionAgreementSerializer(many=True)
    scores = EvaluatorScoreSerializer(many=True)
    score_min = serializers.FloatField(allow_null=True)
    score_max = serializers.FloatField(allow_null=True)
    score_sd = serializers.FloatField(allow_null=True, help_text="Sample standard deviation.")
    alpha = serializers.FloatField(
        allow_null=True,
        help_text="Krippendorff's alpha, nominal; units criteria, coders evaluators.",
    )
    alpha_note = serializers.CharField(help_text="Why alpha is missing, when it is.")


def _agreement_body(view: selectors.CalibrationView) -> dict:
    agreement = view.agreement
    assert agreement is not None
    texts = {c.pk: c.text for c in view.criteria}
    submitted = [e for e in view.evaluations if e.status == EvaluationStatus.SUBMITTED]
    return {
        "session": view.session.pk,
        "closed": view.session.closed_at is not None,
        "n": agreement.n,
        "enough_data": agreement.enough_data,
        "criteria": [
            {
                "criterion": row.criterion_id,
                "text": texts[row.criterion_id],
                "n": row.n,
                "counts": {value: row.counts.get(value, 0) for value in Answer.values},
                "majority": row.majority,
                "share": row.share,
            }
            for row in agreement.criteria
        ],
        "scores": [
            {
                "evaluation": e.pk,
                "evaluator": e.evaluator_id,
                "name": _name(e.evaluator) or "Former evaluator",
                "score": None if e.score is None else float(e.score),
            }
            for e in submitted
        ],
        "score_min": agreement.score_min,
        "score_max": agreement.score_max,
        "score_sd": agreement.score_sd,
        "alpha": agreement.alpha,
        "alpha_note": agreement.alpha_note,
    }


# --- Views ---------------------------------------------------------------------------------------


class EvaluationFilter(django_filters.FilterSet):
    agent = IdFilter(field_name="agent_id")
    status = django_filters.ChoiceFilter(choices=EvaluationStatus.choices)

    class Meta:
        model = Evaluation
        form = forms.Form
        fields = ["agent", "status"]


class EvaluationListApi(generics.ListAPIView):
    """Evaluations the asker may see, newest first: an agent their own submitted ones; QA analysts
    and admins all; a supervisor their team's and their own; an evaluator what they scored."""

    serializer_class = EvaluationListSerializer
    filterset_class = EvaluationFilter

    def get_queryset(self):
        return selectors.evaluations_listed_for(viewer=cast(User, self.request.user))


class EvaluationDetailApi(APIView):
    @extend_schema(responses={200: EvaluationSerializer})
    def get(self, request: AuthedRequest, evaluation_id: int) -> Response:
        """An evaluation with its answers and disputes."""
        evaluation = selectors.evaluation_get_for(viewer=request.user, evaluation_id=evaluation_id)
        return Response(EvaluationSerializer(evaluation).data)


class DisputeRaiseApi(APIView):
    @extend_schema(request=DisputeRaiseSerializer, responses={201: DisputeSerializer})
    def post(self, request: AuthedRequest, evaluation_id: int) -> Response:
        """The evaluated agent disputes a submitted evaluation within 14 days of it; one open
        dispute at a time (409 for a second)."""
        evaluation = selectors.evaluation_get_for(viewer=request.user, evaluation_id=evaluation_id)
        if evaluation.agent_id != request.user.pk:
            raise PermissionDenied("Only the agent who was evaluated can dispute an evaluation.")
        payload = DisputeRaiseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        dispute = services.dispute_raise(
            by=request.user, evaluation=evaluation, reason=payload.validated_data["reason"]
        )
        return Response(DisputeSerializer(dispute).data, status=status.HTTP_201_CREATED)


class DisputeDecideApi(APIView):
    @extend_schema(request=DisputeDecideSerializer, responses={200: DisputeSerializer})
    def post(self, request: AuthedRequest, dispute_id: int) -> Response:
        """The supervisor of the agent's team or an admin decides; upheld voids the evaluation,
        which then leaves the QA score."""
        dispute = selectors.dispute_get_for(viewer=request.user, dispute_id=dispute_id)
        if not selectors.may_decide(request.user, dispute):
            raise PermissionDenied(
                "The supervisor of the agent's team or an admin decides, and never the evaluator."
            )
        payload = DisputeDecideSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        decided = services.dispute_decide(
            by=request.user, dispute=dispute, upheld=data["upheld"], note=data["note"]
        )
        return Response(DisputeSerializer(decided).data)


class CalibrationAgreementApi(APIView):
    @extend_schema(responses={200: AgreementSerializer})
    def get(self, request: AuthedRequest, session_id: int) -> Response:
        """How far the session's evaluators agree: per criterion, on the score, and as
        Krippendorff's alpha. An evaluator who has not submitted yet gets 403 (it is blind)."""
        view = selectors.calibration_agreement_for(viewer=request.user, session_id=session_id)
        return Response(AgreementSerializer(_agreement_body(view)).data)


urls = [
    path("qa/evaluations", EvaluationListApi.as_view(), name="api-qa-evaluations"),
    path(
        "qa/evaluations/<int:evaluation_id>",
        EvaluationDetailApi.as_view(),
        name="api-qa-evaluation",
    ),
    path(
        "qa/evaluations/<int:evaluation_id>/disputes",
        DisputeRaiseApi.as_view(),
        name="api-qa-dispute-raise",
    ),
    path(
        "qa/disputes/<int:dispute_id>/decide",
        DisputeDecideApi.as_view(),
        name="api-qa-dispute-decide",
    ),
    path(
        "qa/calibrations/<int:session_id>/agreement",
        CalibrationAgreementApi.as_view(),
        name="api-qa-calibration-agreement",
    ),
]
