"""Feature-feedback polls over the API: the open polls for me, one poll, answering it, and its
results for readers. A poll the asker's audience does not reach is 404; results are for
supervisors (their teams' answers), trainers, executives and admins (403 for everyone else), and
never carry a name."""

from typing import Any

from django.urls import path, reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.accounts.http import AuthedRequest
from rapport.briefings.models import Poll, PollQuestion, PollResponse
from rapport.briefings.selectors import polls as selectors
from rapport.briefings.services import polls as services
from rapport.ui.markdown import render_markdown

MAX_ANSWERS = 100


class IsPollResultReader(BasePermission):
    message = "Only supervisors, trainers, executives and admins read poll results."

    def has_permission(self, request, view) -> bool:
        return selectors.is_result_reader(request.user)


# --- Serializers -----------------------------------------------------------------------------------


class PollQuestionSerializer(serializers.ModelSerializer):
    options = serializers.ListField(
        child=serializers.CharField(), help_text="The options of a choice question."
    )

    class Meta:
        model = PollQuestion
        fields = ["id", "kind", "text", "options", "required", "order"]


class PollSerializer(serializers.ModelSerializer):
    description_html = serializers.SerializerMethodField(help_text="The description as safe HTML.")
    mockup_url = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="The poll's answer page.")
    answered = serializers.SerializerMethodField(help_text="Whether you answered it.")
    questions = PollQuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Poll
        fields = [
            "id",
            "title",
            "description",
            "description_html",
            "mockup_url",
            "enhancement_request",
            "status",
            "opened_at",
            "closes_at",
            "url",
            "answered",
            "questions",
        ]

    def get_description_html(self, poll: Poll) -> str:
        return str(render_markdown(poll.description))

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_mockup_url(self, poll: Poll) -> Any:
        return reverse("briefings:poll_mockup", args=[poll.pk]) if poll.mockup else None

    def get_url(self, poll: Poll) -> str:
        return reverse("briefings:poll_answer", args=[poll.pk])

    def get_answered(self, poll: Poll) -> bool:
        answered = self.context.get("answered")
        if answered is not None:
            return poll.pk in answered
        return selectors.poll_answered(user=self.context["request"].user, poll=poll)


class PollAnswerSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=services.TEXT_ANSWER_MAX * 2),
        help_text="Keyed q<question id>: a rating 1–5, one of the options, or free text.",
    )
    seconds_taken = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=10**9
    )

    def validate_answers(self, value: dict) -> dict:
        if len(value) > MAX_ANSWERS:
            raise serializers.ValidationError("Too many answers.")
        return value


class PollResponseSerializer(serializers.ModelSerializer):
    class Meta:
        model = PollResponse
        fields = ["id", "poll", "submitted_at", "seconds_taken"]


class PollEstimateSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True)
    n = serializers.IntegerField()
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)


class PollChoiceCountSerializer(serializers.Serializer):
    option = serializers.CharField()
    count = serializers.IntegerField()
    share = PollEstimateSerializer(
        help_text="Share of this group's answers (0–1), Wilson interval."
    )


class PollGroupSerializer(serializers.Serializer):
    label = serializers.CharField(  # type: ignore[assignment]
        help_text='A team, a role, "Other" (small groups) or "All".'
    )
    n = serializers.IntegerField(help_text="People in this group who answered this question.")
    hidden = serializers.BooleanField(
        help_text="True when fewer than min_group answered this question: no figures are given."
    )
    mean = PollEstimateSerializer(allow_null=True, help_text="Rating questions: mean, t interval.")
    distribution = serializers.ListField(
        child=serializers.IntegerField(), help_text="Rating questions: answers at 1, 2 … 5."
    )
    choices = PollChoiceCountSerializer(many=True)


class PollQuestionResultsSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    text = serializers.CharField()
    overall = PollGroupSerializer()
    by_team = PollGroupSerializer(many=True)
    by_role = PollGroupSerializer(many=True)
    comments = serializers.ListField(child=serializers.CharField())


class PollResultsSerializer(serializers.Serializer):
    poll = serializers.IntegerField()
    title = serializers.CharField()
    respondents = serializers.IntegerField()
    audience = serializers.IntegerField()
    response_rate = PollEstimateSerializer()
    enough_data = serializers.BooleanField(
        help_text="False below min_group respondents: no figures are given."
    )
    min_group = serializers.IntegerField()
    team_scope_limited = serializers.BooleanField(
        help_text="True when only your teams' answers are counted."
    )
    questions = PollQuestionResultsSerializer(many=True)


def _estimate(estimate) -> dict | None:
    if estimate is None:
        return None
    return {
        "value": estimate.value,
        "n": estimate.n,
        "ci_low": estimate.ci_low,
        "ci_high": estimate.ci_high,
    }


def _group(group: selectors.GroupFigures) -> dict:
    return {
        "label": group.label,
        "n": group.n,
        "hidden": group.hidden,
        "mean": _estimate(group.mean),
        "distribution": group.distribution,
        "choices": [
            {"option": option, "count": count, "share": _estimate(share)}
            for option, count, share in group.choices
        ],
    }


def results_body(results: selectors.PollResults) -> dict:
    return {
        "poll": results.poll.pk,
        "title": results.poll.title,
        "respondents": results.respondents,
        "audience": results.audience,
        "response_rate": _estimate(results.response_rate),
        "enough_data": results.enough,
        "min_group": results.minimum,
        "team_scope_limited": results.team_scope_limited,
        "questions": [
            {
                "id": item.question.pk,
                "kind": item.question.kind,
                "text": item.question.text,
                "overall": _group(item.overall),
                "by_team": [_group(g) for g in item.by_team],
                "by_role": [_group(g) for g in item.by_role],
                "comments": item.comments,
            }
            for item in results.questions
        ],
    }


# --- Views -----------------------------------------------------------------------------------------


class PollListApi(APIView):
    @extend_schema(responses={200: PollSerializer(many=True)})
    def get(self, request: AuthedRequest) -> Response:
        """Open polls whose audience reaches you, oldest first; `answered` says which you did."""
        polls = selectors.open_polls_for(user=request.user, now=timezone.now())
        answered = set(
            PollResponse.objects.filter(
                respondent_id=request.user.pk, poll_id__in=[p.pk for p in polls]
            ).values_list("poll_id", flat=True)
        )
        context = {"request": request, "answered": answered}
        return Response(PollSerializer(polls, many=True, context=context).data)


class PollDetailApi(APIView):
    @extend_schema(responses={200: PollSerializer})
    def get(self, request: AuthedRequest, poll_id: int) -> Response:
        """A poll you may answer or have answered, with its questions."""
        poll = selectors.poll_for(user=request.user, poll_id=poll_id)
        return Response(PollSerializer(poll, context={"request": request}).data)


class PollResponseApi(APIView):
    @extend_schema(request=PollAnswerSerializer, responses={201: PollResponseSerializer})
    def post(self, request: AuthedRequest, poll_id: int) -> Response:
        """Answer a poll once. 409 (code already_answered) for a second answer; 409 once closed."""
        poll = selectors.poll_for(user=request.user, poll_id=poll_id)
        payload = PollAnswerSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        response = services.poll_answer(
            poll=poll,
            respondent=request.user,
            data=dict(data["answers"]),
            seconds_taken=data.get("seconds_taken"),
        )
        return Response(PollResponseSerializer(response).data, status=status.HTTP_201_CREATED)


class PollResultsApi(APIView):
    permission_classes = [IsPollResultReader]

    @extend_schema(responses={200: PollResultsSerializer})
    def get(self, request: AuthedRequest, poll_id: int) -> Response:
        """Results by team and by role, without names; groups under min_group are "Other".
        Supervisors get their teams' answers only."""
        results = selectors.poll_results_for(user=request.user, poll_id=poll_id)
        return Response(PollResultsSerializer(results_body(results)).data)


urls = [
    path("polls/", PollListApi.as_view(), name="api-polls"),
    path("polls/<int:poll_id>", PollDetailApi.as_view(), name="api-poll"),
    path("polls/<int:poll_id>/responses", PollResponseApi.as_view(), name="api-poll-responses"),
    path("polls/<int:poll_id>/results", PollResultsApi.as_view(), name="api-poll-results"),
]
