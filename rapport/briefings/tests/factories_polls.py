"""Factories for feature-feedback polls."""

import factory
from django.utils import timezone

from rapport.accounts.tests.factories import UserFactory
from rapport.briefings.choices import PollQuestionKind, PollStatus
from rapport.briefings.models import Poll, PollQuestion


class PollFactory(factory.django.DjangoModelFactory[Poll]):
    class Meta:
        model = Poll

    title = factory.Sequence(lambda n: f"Planned change {n}")
    description = "A **new** panel for customer details."
    author = factory.SubFactory(UserFactory, roles=["trainer"])
    audience_roles = factory.LazyFunction(lambda: ["agent"])


class PollQuestionFactory(factory.django.DjangoModelFactory[PollQuestion]):
    class Meta:
        model = PollQuestion

    poll = factory.SubFactory(PollFactory)
    kind = PollQuestionKind.RATING
    text = factory.Sequence(lambda n: f"Question {n}?")
    order = factory.Sequence(lambda n: n)


def open_poll(*, roles=("agent",), kinds=("rating", "choice", "text"), **fields) -> Poll:
    """An open poll for the given roles with one question of each kind asked (in that order)."""
    poll = PollFactory.create(
        audience_roles=list(roles),
        status=PollStatus.OPEN,
        opened_at=fields.pop("opened_at", timezone.now()),
        **fields,
    )
    for order, kind in enumerate(kinds, start=1):
        options = ["Yes", "No", "Not sure"] if kind == PollQuestionKind.CHOICE else []
        PollQuestionFactory(
            poll=poll, kind=kind, order=order, options=options, required=kind != "text"
        )
    return poll


def answers_for(poll: Poll, *, rating: int = 4, choice: str = "Yes", text: str = "") -> dict:
    """A valid answer set keyed q<id>, for the kinds the poll asks."""
    data = {}
    for question in poll.questions.all():
        value = {"rating": rating, "choice": choice, "text": text}[question.kind]
        data[f"q{question.pk}"] = value
    return data
