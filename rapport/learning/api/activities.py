"""Idle-time delivery over the API, for desktop users (agents, supervisors, admins; 403 for
everyone else): what comes next between contacts, setting it aside, and answering a review
question. Someone else's activity or question is 404."""

from typing import Any

from django.urls import path, reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.accounts.http import AuthedRequest
from rapport.core.roles import CASE_WORKERS, has_any_role
from rapport.learning.choices import ActivityKind
from rapport.learning.models import Activity
from rapport.learning.selectors import activities as selectors
from rapport.learning.selectors import reviews as review_selectors
from rapport.learning.services import activities as services
from rapport.learning.services import reviews as review_services


class IsDesktopUser(BasePermission):
    message = "Only agents, supervisors and admins get activities between contacts."

    def has_permission(self, request, view) -> bool:
        return has_any_role(request.user, CASE_WORKERS)


class ReviewChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


class ReviewQuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The review item; answer it at reviews/<id>.")
    question = serializers.CharField()
    module = serializers.CharField()
    choices = ReviewChoiceSerializer(many=True)
    answered = serializers.BooleanField(help_text="Answered in this burst already.")


class ActivitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    status = serializers.CharField()
    title = serializers.CharField()
    started_at = serializers.DateTimeField()
    seconds_allowed = serializers.IntegerField()
    seconds_left = serializers.IntegerField(help_text="Of the time box; a contact stops the clock.")
    url = serializers.CharField(help_text="The desktop panel that shows it.")
    skip_url = serializers.CharField()
    briefing = serializers.DictField(allow_null=True, help_text="{id, title, due_at, overdue}")
    assignment = serializers.DictField(allow_null=True, help_text="{id, module, reason, due_on}")
    poll = serializers.DictField(allow_null=True, help_text="{id, title}")
    review_questions = ReviewQuestionSerializer(many=True)


def _review_questions(activity: Activity) -> list[dict[str, Any]]:
    if activity.kind != ActivityKind.REVIEW:
        return []
    answered = selectors.burst_answered_ids(activity)
    return [
        {
            "id": item.pk,
            "question": item.question.text,
            "module": item.question.module.title,
            "choices": [{"id": c.pk, "text": c.text} for c in item.question.choices.all()],
            "answered": item.pk in answered,
        }
        for item in selectors.burst_items(activity)
    ]


def activity_payload(activity: Activity, *, now) -> dict[str, Any]:
    briefing = assignment = poll = None
    if activity.briefing is not None:
        b = activity.briefing
        briefing = {"id": b.pk, "title": b.title, "due_at": b.due_at, "overdue": b.due_at < now}
    if activity.assignment is not None:
        a = activity.assignment
        assignment = {"id": a.pk, "module": a.module.title, "reason": a.reason, "due_on": a.due_on}
    if activity.poll is not None:
        poll = {"id": activity.poll.pk, "title": activity.poll.title}
    return {
        "id": activity.pk,
        "kind": activity.kind,
        "status": activity.status,
        "title": selectors.activity_title(activity),
        "started_at": activity.started_at,
        "seconds_allowed": activity.seconds_allowed,
        "seconds_left": selectors.seconds_left(activity, now=now),
        "url": reverse("learning:idle_panel"),
        "skip_url": reverse("api-activity-skip", args=[activity.pk]),
        "briefing": briefing,
        "assignment": assignment,
        "poll": poll,
        "review_questions": _review_questions(activity),
    }


@extend_schema(
    responses={
        200: ActivitySerializer,
        204: OpenApiResponse(
            description="Nothing now: on a contact, away, capped, or nothing waiting."
        ),
    }
)
class NextActivityApi(APIView):
    """What comes next between contacts, decided from the agent's state. Never anything during a
    contact; an activity a contact paused comes back first. Asking is what starts, resumes,
    pauses and completes activities."""

    permission_classes = [IsDesktopUser]

    def get(self, request: AuthedRequest) -> Response:
        now = timezone.now()
        activity = services.next_activity(agent=request.user, now=now)
        if activity is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(activity_payload(activity, now=now))


@extend_schema(request=None, responses={200: ActivitySerializer})
class ActivitySkipApi(APIView):
    """Set the activity aside; its work comes back after a while. 409 when it is already over."""

    permission_classes = [IsDesktopUser]

    def post(self, request: AuthedRequest, activity_id: int) -> Response:
        activity = selectors.activity_get_for(user=request.user, activity_id=activity_id)
        now = timezone.now()
        activity = services.activity_skip(activity=activity, at=now)
        return Response(activity_payload(activity, now=now))


class ReviewAnswerInput(serializers.Serializer):
    choices = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=review_selectors.MAX_ID),
        min_length=1,
        max_length=review_services.MAX_CHOICES,
        help_text="The ids of the chosen choices.",
    )
    seconds = serializers.IntegerField(
        min_value=0,
        max_value=review_services.MAX_SECONDS,
        required=False,
        allow_null=True,
        help_text=(
            "How long the answer took, as the client saw it. The server measures it (from when "
            "the question can first have been on screen: the burst's start or resumption, or the "
            "previous answer); this only counts when longer. Quick right answers schedule the "
            "question further out."
        ),
    )


class ReviewAnswerSerializer(serializers.Serializer):
    correct = serializers.BooleanField()
    explanation = serializers.CharField()
    correct_choices = serializers.ListField(child=serializers.CharField())
    rating = serializers.IntegerField(help_text="The fsrs grade given: 1 Again … 4 Easy.")
    due_at = serializers.DateTimeField(help_text="When the question comes back.")


@extend_schema(request=ReviewAnswerInput, responses={200: ReviewAnswerSerializer})
class ReviewAnswerApi(APIView):
    """Answer one of the review questions idle time brought you: right or wrong, the
    explanation, and when it comes back. Taken only while you are free, for a due question of the
    review burst under way (409 otherwise, and nothing changes); answering the same question again
    in that burst gives the first answer's outcome back and records nothing."""

    permission_classes = [IsDesktopUser]

    def post(self, request: AuthedRequest, item_id: int) -> Response:
        item = review_selectors.review_item_get_for(user=request.user, item_id=item_id)
        data = ReviewAnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = review_services.review_choose(
            item=item,
            choice_ids=data.validated_data["choices"],
            seconds_taken=data.validated_data.get("seconds"),
        )
        return Response(
            {
                "correct": outcome.correct,
                "explanation": outcome.explanation,
                "correct_choices": outcome.correct_choices,
                "rating": outcome.log.rating,
                "due_at": outcome.item.due_at,
            }
        )


urls = [
    path("agents/me/next-activity", NextActivityApi.as_view(), name="api-next-activity"),
    path(
        "agents/me/activities/<int:activity_id>/skip",
        ActivitySkipApi.as_view(),
        name="api-activity-skip",
    ),
    path("agents/me/reviews/<int:item_id>", ReviewAnswerApi.as_view(), name="api-review-answer"),
]
