"""Factories and builders for briefing tests: drafts, published briefings with a check, and an
audience of named people."""

import datetime
import io
from typing import cast

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from rapport.briefings.choices import BriefingStatus
from rapport.briefings.models import Briefing, BriefingChoice, BriefingDelivery, BriefingQuestion
from rapport.briefings.services import briefings as services


class BriefingFactory(factory.django.DjangoModelFactory[Briefing]):
    class Meta:
        model = Briefing

    title = factory.Sequence(lambda n: f"Briefing {n}")
    body = "The **new** refund rule starts on Monday."
    due_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=3))
    requires_ack = True
    pass_mark = 80


def add_question(briefing: Briefing, text: str = "Which form?", *, correct=(0,), choices=3):
    """A question with `choices` choices, of which the positions in `correct` are right."""
    question = BriefingQuestion.objects.create(
        briefing=briefing,
        text=text,
        explanation=f"Because: {text}",
        order=briefing.questions.count(),
    )
    for position in range(choices):
        BriefingChoice.objects.create(
            question=question,
            text=f"Choice {position}",
            is_correct=position in correct,
            order=position,
        )
    return question


def right_answers(briefing: Briefing) -> dict[int, list[int]]:
    return {
        question.pk: [choice.pk for choice in question.choices.all() if choice.is_correct]
        for question in briefing.questions.all()
    }


def wrong_answers(briefing: Briefing) -> dict[int, list[int]]:
    return {
        question.pk: [choice.pk for choice in question.choices.all() if not choice.is_correct][:1]
        for question in briefing.questions.all()
    }


def published(*, author, agents, questions: int = 0, at=None, **fields) -> Briefing:
    """A briefing published (through the service) to the named people."""
    at = at or timezone.now()
    fields.setdefault("due_at", at + datetime.timedelta(days=3))
    briefing = cast(Briefing, BriefingFactory(author=author, **fields))
    briefing.audience_agents.set(agents)
    for number in range(questions):
        add_question(briefing, f"Question {number}?")
    services.briefing_publish(by=author, briefing=briefing, at=at)
    briefing.refresh_from_db()
    return briefing


def delivery_of(briefing: Briefing, agent) -> BriefingDelivery:
    return BriefingDelivery.objects.select_related("briefing").get(briefing=briefing, agent=agent)


def png_upload(name: str = "screen.png") -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


__all__ = ["BriefingStatus"]
