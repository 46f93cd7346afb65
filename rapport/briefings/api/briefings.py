"""Briefings over the API, for the person they were delivered to: the list of one's briefings
with where one is with each, one briefing (reading it records it as opened), acknowledging it,
and answering its check. A briefing not delivered to the asker is 404."""

from typing import Any

from django.urls import path, reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.accounts.http import AuthedRequest
from rapport.briefings.checks import CheckResult
from rapport.briefings.models import BriefingAttachment, BriefingDelivery
from rapport.briefings.selectors import briefings as selectors
from rapport.briefings.services import briefings as services
from rapport.ui.markdown import render_markdown

MAX_ID = selectors.MAX_ID
# Where a person is with a briefing (the `progress` field).
PROGRESS = [
    ("not_opened", "Not opened"),
    ("opened", "Opened"),
    ("acknowledged", "Acknowledged"),
    ("failed", "Check not passed yet"),
    ("understood", "Understood"),
]


class BriefingDeliverySerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="briefing_id", help_text="The briefing's id.")
    title = serializers.CharField(source="briefing.title")
    status = serializers.CharField(
        source="briefing.status", help_text="published, or archived (nothing more is asked)."
    )
    due_at = serializers.DateTimeField(source="briefing.due_at")
    requires_ack = serializers.BooleanField(source="briefing.requires_ack")
    pass_mark = serializers.IntegerField(source="briefing.pass_mark")
    overdue = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()

    class Meta:
        model = BriefingDelivery
        fields = [
            "id",
            "title",
            "status",
            "due_at",
            "requires_ack",
            "pass_mark",
            "delivered_at",
            "opened_at",
            "acknowledged_at",
            "attempts",
            "score",
            "understood_at",
            "overdue",
            "progress",
        ]

    def get_overdue(self, delivery: BriefingDelivery) -> bool:
        return selectors.is_overdue(delivery)

    @extend_schema_field(serializers.ChoiceField(choices=PROGRESS))
    def get_progress(self, delivery: BriefingDelivery) -> Any:
        return selectors.progress_of(delivery)


class BriefingChoiceOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


class BriefingQuestionOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    multiple = serializers.BooleanField(help_text="More than one choice is right.")
    choices = BriefingChoiceOutSerializer(many=True, source="choices.all")


class BriefingAttachmentOutSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    is_image = serializers.BooleanField()

    class Meta:
        model = BriefingAttachment
        fields = ["id", "name", "content_type", "size", "is_image", "url"]

    def get_url(self, attachment: BriefingAttachment) -> str:
        return reverse("briefings:attachment", args=[attachment.pk])


class BriefingDetailSerializer(BriefingDeliverySerializer):
    body = serializers.CharField(source="briefing.body", help_text="Markdown.")
    body_html = serializers.SerializerMethodField(help_text="The body as safe HTML.")
    questions = serializers.SerializerMethodField(help_text="The check; empty when there is none.")
    attachments = serializers.SerializerMethodField()

    class Meta(BriefingDeliverySerializer.Meta):
        fields = [
            *BriefingDeliverySerializer.Meta.fields,
            "body",
            "body_html",
            "questions",
            "attachments",
        ]

    def get_body_html(self, delivery: BriefingDelivery) -> str:
        return render_markdown(delivery.briefing.body)

    @extend_schema_field(BriefingQuestionOutSerializer(many=True))
    def get_questions(self, delivery: BriefingDelivery) -> Any:
        return BriefingQuestionOutSerializer(
            selectors.questions_of(delivery.briefing), many=True
        ).data

    @extend_schema_field(BriefingAttachmentOutSerializer(many=True))
    def get_attachments(self, delivery: BriefingDelivery) -> Any:
        return BriefingAttachmentOutSerializer(
            selectors.attachments_of(delivery.briefing), many=True
        ).data


class BriefingCheckInSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=MAX_ID), max_length=20
        ),
        help_text='{question id: [chosen choice ids]}, e.g. {"12": [40]}. An unanswered question is wrong.',
    )

    def validate_answers(self, value: dict) -> dict[int, list[int]]:
        if len(value) > services.QUESTIONS_MAX:
            raise serializers.ValidationError(f"At most {services.QUESTIONS_MAX} questions.")
        answers = {}
        for key, chosen in value.items():
            try:
                question_id = int(key)
            except (TypeError, ValueError):
                raise serializers.ValidationError("Keys are question ids.") from None
            if not 0 < question_id <= MAX_ID:
                raise serializers.ValidationError("Keys are question ids.")
            answers[question_id] = chosen
        return answers


class BriefingMissedSerializer(serializers.Serializer):
    question_id = serializers.IntegerField()
    text = serializers.CharField()
    explanation = serializers.CharField(help_text="Why the right answer is right.")


class BriefingCheckOutSerializer(serializers.Serializer):
    score = serializers.IntegerField(help_text="Per cent of questions answered right.")
    passed = serializers.BooleanField()
    right = serializers.IntegerField()
    total = serializers.IntegerField()
    missed = BriefingMissedSerializer(
        many=True, help_text="The questions answered wrong, with explanations."
    )
    delivery = BriefingDeliverySerializer()


class BriefingListApi(generics.ListAPIView):
    """The asker's briefings: to do first, then by due date."""

    serializer_class = BriefingDeliverySerializer

    def get_queryset(self):
        return selectors.deliveries_for(user=self.request.user)  # type: ignore[arg-type]


def _delivery(request: AuthedRequest, briefing_id: int) -> BriefingDelivery:
    return selectors.delivery_for(user=request.user, briefing_id=briefing_id)


class BriefingDetailApi(APIView):
    @extend_schema(responses={200: BriefingDetailSerializer})
    def get(self, request: AuthedRequest, briefing_id: int) -> Response:
        """One of the asker's briefings with its text, attachments and check (without the
        answers); reading it records it as opened."""
        delivery = _delivery(request, briefing_id)
        services.delivery_open(delivery=delivery)
        return Response(BriefingDetailSerializer(delivery).data)


class BriefingAcknowledgeApi(APIView):
    @extend_schema(request=None, responses={200: BriefingDeliverySerializer})
    def post(self, request: AuthedRequest, briefing_id: int) -> Response:
        """Confirm having read it (409 when it asks for no acknowledgement or is archived).
        Without a check, that makes it understood. Repeating it changes nothing."""
        delivery = _delivery(request, briefing_id)
        services.delivery_acknowledge(delivery=delivery)
        return Response(BriefingDeliverySerializer(delivery).data)


class BriefingCheckApi(APIView):
    @extend_schema(request=BriefingCheckInSerializer, responses={200: BriefingCheckOutSerializer})
    def post(self, request: AuthedRequest, briefing_id: int) -> Response:
        """Answer the check. Passing makes the briefing understood; otherwise the missed
        questions come back with their explanations, to read before trying again. 409 when it
        is already passed, archived or has no check."""
        delivery = _delivery(request, briefing_id)
        payload = BriefingCheckInSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        result: CheckResult = services.check_submit(
            delivery=delivery, answers=payload.validated_data["answers"]
        )
        body = {
            "score": result.score,
            "passed": result.passed,
            "right": result.right,
            "total": result.total,
            "missed": [
                {"question_id": m.question_id, "text": m.text, "explanation": m.explanation}
                for m in result.missed
            ],
            "delivery": BriefingDeliverySerializer(delivery).data,
        }
        return Response(body)


urls = [
    path("briefings/", BriefingListApi.as_view(), name="api-briefings"),
    path("briefings/<int:briefing_id>", BriefingDetailApi.as_view(), name="api-briefing"),
    path(
        "briefings/<int:briefing_id>/acknowledge",
        BriefingAcknowledgeApi.as_view(),
        name="api-briefing-acknowledge",
    ),
    path(
        "briefings/<int:briefing_id>/check", BriefingCheckApi.as_view(), name="api-briefing-check"
    ),
]
