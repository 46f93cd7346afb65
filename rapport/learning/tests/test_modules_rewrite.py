"""Rewriting a reviewed question: spacing alone restarts nobody's reviews, and a real change is
saved only once the author has seen how many agents' reviews it restarts and agreed."""

import datetime

import pytest
from django.urls import reverse

from rapport.accounts.tests.factories import UserFactory
from rapport.core.models import AuditEvent
from rapport.learning.models import ReviewItem
from rapport.learning.services import modules as services
from rapport.learning.services.reviews import review_items_create
from rapport.learning.tests.factories_learning import module_with_questions

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=datetime.UTC)
LATER = T0 + datetime.timedelta(days=5)


@pytest.fixture
def reviewed():
    """A question "Who checks refunds?" (right: "A supervisor") that two agents have reviewed."""
    trainer = UserFactory(roles=["trainer"])
    module = module_with_questions(1)
    question = services.module_question_save(
        by=trainer,
        module=module,
        question=module.questions.get(),
        text="Who checks refunds?",
        explanation="Two pairs of eyes.",
        choices=[
            services.ChoiceInput("A supervisor", True),
            services.ChoiceInput("Nobody", False),
        ],
        at=T0,
    )
    for agent in (UserFactory(roles=["agent"]), UserFactory(roles=["agent"])):
        review_items_create(agent=agent, module=module, at=T0)
    ReviewItem.objects.update(reps=3, last_reviewed_at=T0)
    return trainer, module, question


def _save(trainer, module, question, *, text, right="A supervisor", **kwargs):
    return services.module_question_save(
        by=trainer,
        module=module,
        question=question,
        text=text,
        explanation="Two pairs of eyes, always.",
        choices=[services.ChoiceInput(right, True), services.ChoiceInput("Nobody", False)],
        at=LATER,
        **kwargs,
    )


def test_spacing_alone_restarts_no_review(reviewed):
    trainer, module, question = reviewed

    _save(
        trainer,
        module,
        question,
        text="  Who   checks\nrefunds? ",
        right="A  supervisor ",
        restart_confirmed=False,
    )

    assert list(ReviewItem.objects.values_list("reps", flat=True)) == [3, 3]
    assert not AuditEvent.objects.filter(action="learning.question_reviews_reset").exists()


def test_a_real_change_is_refused_until_confirmed_and_says_how_many(reviewed):
    trainer, module, question = reviewed

    with pytest.raises(services.ReviewRestartUnconfirmed) as refused:
        _save(trainer, module, question, text="Who signs off refunds?", restart_confirmed=False)

    assert refused.value.agents == 2 and "2 agents" in refused.value.message
    question.refresh_from_db()
    assert question.text == "Who checks refunds?"
    assert list(ReviewItem.objects.values_list("reps", flat=True)) == [3, 3]

    _save(trainer, module, question, text="Who signs off refunds?", restart_confirmed=True)

    assert list(ReviewItem.objects.values_list("reps", flat=True)) == [0, 0]


def test_the_page_warns_and_asks_before_restarting(reviewed, client_for):
    _, module, question = reviewed
    client, _ = client_for("trainer")
    edit = reverse("learning:module_question_edit", args=[module.pk, question.pk])
    form = {
        "text": "Who signs off refunds?",
        "explanation": "Two pairs of eyes.",
        "choice_1": "A supervisor",
        "correct_1": "on",
        "choice_2": "Nobody",
    }

    shown = client.get(edit).content.decode()
    asked = client.post(edit, form)

    assert 'data-testid="restart-warning"' in shown
    body = asked.content.decode()
    assert asked.status_code == 400 and "2 agents" in body
    assert 'name="confirm_restart"' in body
    question.refresh_from_db()
    assert question.text == "Who checks refunds?"
    assert list(ReviewItem.objects.values_list("reps", flat=True)) == [3, 3]

    confirmed = client.post(edit, {**form, "confirm_restart": "on"})

    assert confirmed.status_code == 302
    question.refresh_from_db()
    assert question.text == "Who signs off refunds?"
    assert list(ReviewItem.objects.values_list("reps", flat=True)) == [0, 0]


def test_the_page_saves_a_spacing_fix_without_asking(reviewed, client_for):
    _, module, question = reviewed
    client, _ = client_for("trainer")
    edit = reverse("learning:module_question_edit", args=[module.pk, question.pk])

    saved = client.post(
        edit,
        {
            "text": "Who  checks refunds?",
            "explanation": "Two pairs of eyes: always.",
            "choice_1": "A supervisor",
            "correct_1": "on",
            "choice_2": "Nobody",
        },
    )

    assert saved.status_code == 302
    question.refresh_from_db()
    assert question.explanation == "Two pairs of eyes: always."
    assert list(ReviewItem.objects.values_list("reps", flat=True)) == [3, 3]
