"""Module content as agents meet it: a failed check explains without giving the answers away,
rewriting a question restarts the reviews of it, and agents list exactly their own modules."""

import datetime

import pytest
from django.urls import reverse

from rapport.accounts.tests.factories import UserFactory
from rapport.core.models import AuditEvent
from rapport.learning import reinforcement
from rapport.learning.choices import AssignmentStatus
from rapport.learning.models import ReviewItem
from rapport.learning.selectors import modules as selectors
from rapport.learning.services import modules as services
from rapport.learning.services.reviews import review_items_create
from rapport.learning.tests.factories_learning import (
    AssignmentFactory,
    ModuleChoiceFactory,
    ModuleFactory,
    ModuleQuestionFactory,
    module_with_questions,
    post_data,
    wrong_answers,
)

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=datetime.UTC)


# --- A failed check ------------------------------------------------------------------------------


def test_a_failed_module_check_shows_explanations_but_not_the_answers(client_for):
    client, agent = client_for("agent")
    module = ModuleFactory()
    question = ModuleQuestionFactory(
        module=module, text="Who approves refunds?", explanation="Large refunds need two people."
    )
    ModuleChoiceFactory(question=question, text="Zebra-the-right-one", is_correct=True, order=0)
    ModuleChoiceFactory(question=question, text="Nobody at all", is_correct=False, order=1)
    assignment = AssignmentFactory(agent=agent, module=module)
    check = reverse("learning:assignment_check", args=[assignment.pk])
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        body = client.post(check, post_data(wrong_answers(module)), **headers).content.decode()
        assert 'data-testid="failed"' in body
        assert "Large refunds need two people." in body
        assert "right answer:" not in body.lower()
        # Only once: as the label of its checkbox when the check is asked again.
        assert body.count("Zebra-the-right-one") == 1


# --- Rewriting a reviewed question ---------------------------------------------------------------


def _choices(right: str = "A supervisor", wrong: str = "Nobody"):
    return [services.ChoiceInput(right, True), services.ChoiceInput(wrong, False)]


@pytest.fixture
def reviewed():
    """A module whose first question two agents have reviewed for a while."""
    trainer = UserFactory(roles=["trainer"])
    module = module_with_questions(2)
    first, second = module.questions.order_by("order")
    services.module_question_save(
        by=trainer,
        module=module,
        question=first,
        text="Who checks refunds?",
        explanation="Two pairs of eyes.",
        choices=_choices(),
        at=T0,
    )
    agents = [UserFactory(roles=["agent"]) for _ in range(2)]
    for agent in agents:
        for item in review_items_create(agent=agent, module=module, at=T0):
            moved = reinforcement.review(
                item.card,
                correct=True,
                seconds_taken=None,
                at=T0 + datetime.timedelta(days=1),
                desired_retention=0.9,
            )
            ReviewItem.objects.filter(pk=item.pk).update(
                card=moved.card,
                due_at=moved.due_at,
                stability=moved.stability,
                difficulty=moved.difficulty,
                reps=1,
                last_reviewed_at=T0,
            )
    return trainer, module, first, second


def _rewrite(trainer, module, question, *, at, **changes):
    fields = {"text": "Who checks refunds?", "explanation": "Two pairs of eyes."} | changes
    return services.module_question_save(
        by=trainer,
        module=module,
        question=question,
        choices=changes.pop("choices", _choices()),
        text=fields["text"],
        explanation=fields["explanation"],
        at=at,
    )


def _assert_fresh_and_due(items, at):
    for item in items:
        assert item.due_at == at and reinforcement.card_due(item.card) == at
        assert item.reps == 0 and item.lapses == 0 and item.last_reviewed_at is None
        assert item.stability is None and item.card["stability"] is None
        assert item.card["last_review"] is None


@pytest.mark.parametrize(
    "changes",
    [
        {"text": "Who signs off refunds over 50?"},
        {
            "choices": [
                services.ChoiceInput("A supervisor", False),
                services.ChoiceInput("Nobody", True),
            ]
        },
        {
            "choices": [
                services.ChoiceInput("A team lead", True),
                services.ChoiceInput("Nobody", False),
            ]
        },
    ],
    ids=["text", "which-is-right", "right-answer-reworded"],
)
def test_rewriting_what_a_question_asks_restarts_its_reviews(reviewed, changes):
    trainer, module, first, second = reviewed
    at = T0 + datetime.timedelta(days=5)
    kept = {item.pk: item.due_at for item in ReviewItem.objects.filter(question=second)}
    _rewrite(trainer, module, first, at=at, **changes)
    items = list(ReviewItem.objects.filter(question=first))
    assert len(items) == 2
    _assert_fresh_and_due(items, at)
    others = ReviewItem.objects.filter(question=second)
    assert {item.pk: item.due_at for item in others} == kept
    assert all(item.reps == 1 for item in others)
    event = AuditEvent.objects.get(action="learning.question_reviews_reset")
    assert event.actor == trainer and event.target_id == str(first.pk)
    assert event.detail["review_items"] == 2


def test_rewording_only_the_explanation_or_a_wrong_choice_keeps_reviews(reviewed):
    trainer, module, first, _ = reviewed
    before = {
        item.pk: (item.due_at, item.reps) for item in ReviewItem.objects.filter(question=first)
    }
    _rewrite(
        trainer,
        module,
        first,
        at=T0 + datetime.timedelta(days=5),
        explanation="Because two people must look.",
        choices=_choices(wrong="No one"),
    )
    after = {
        item.pk: (item.due_at, item.reps) for item in ReviewItem.objects.filter(question=first)
    }
    assert after == before
    assert not AuditEvent.objects.filter(action="learning.question_reviews_reset").exists()


# --- Which modules an agent lists ----------------------------------------------------------------


def test_an_agent_lists_modules_given_to_them_whatever_others_are_proposed():
    me, colleague = UserFactory(roles=["agent"]), UserFactory(roles=["agent"])
    mine = ModuleFactory(title="Mine")
    AssignmentFactory(agent=me, module=mine, status=AssignmentStatus.ASSIGNED)
    AssignmentFactory(agent=colleague, module=mine, status=AssignmentStatus.PROPOSED)
    proposed_to_me = ModuleFactory(title="Proposed to me")
    AssignmentFactory(agent=me, module=proposed_to_me, status=AssignmentStatus.PROPOSED)
    theirs = ModuleFactory(title="Theirs")
    AssignmentFactory(agent=colleague, module=theirs, status=AssignmentStatus.ASSIGNED)
    assert [m.title for m in selectors.modules_for(user=me)] == ["Mine"]
    assert [m.title for m in selectors.modules_for(user=colleague)] == ["Theirs"]


def test_the_modules_api_lists_my_module_though_someone_else_has_a_proposal(api_for):
    client, agent = api_for("agent")
    module = ModuleFactory(title="Refunds")
    AssignmentFactory(agent=agent, module=module, status=AssignmentStatus.COMPLETED)
    AssignmentFactory(module=module, status=AssignmentStatus.PROPOSED)
    body = client.get(reverse("api-learning-modules")).json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [row["id"] for row in rows] == [module.pk]
