"""Factories and small builders for QA tests: forms with known weights, contacts with an agent,
evaluations in each state."""

from typing import cast

import factory
from django.utils import timezone

from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.interactions.tests.factories import InteractionFactory
from rapport.performance.choices import Answer, EvaluationStatus
from rapport.performance.models import (
    CalibrationSession,
    Dispute,
    Evaluation,
    EvaluationAnswer,
    QaCriterion,
    QaForm,
)


class QaFormFactory(factory.django.DjangoModelFactory[QaForm]):
    class Meta:
        model = QaForm

    name = factory.Sequence(lambda n: f"Test form {n}")


class QaCriterionFactory(factory.django.DjangoModelFactory[QaCriterion]):
    class Meta:
        model = QaCriterion

    form = factory.SubFactory(QaFormFactory)
    text = factory.Sequence(lambda n: f"Criterion {n}")
    category = "process"
    weight = 10
    order = factory.Sequence(lambda n: n)


def form_with(*weights: int, auto_fail: tuple[int, ...] = (), categories=None) -> QaForm:
    """A form whose criteria have these weights; `auto_fail` names positions that auto-fail."""
    form = cast(QaForm, QaFormFactory())
    for position, weight in enumerate(weights):
        QaCriterionFactory(
            form=form,
            weight=weight,
            auto_fail=position in auto_fail,
            order=position,
            category=(categories or {}).get(position, "process"),
        )
    return form


def team_with_agent(**agent_fields):
    """(supervisor, team, agent): a team led by a supervisor with one agent."""
    lead = UserFactory(roles=["supervisor"])
    team = TeamFactory(supervisor=lead)
    agent = UserFactory(roles=["agent"], team=team, **agent_fields)
    return lead, team, agent


def contact_of(agent, **fields):
    fields.setdefault("outcome", "resolved")
    return InteractionFactory(agent=agent, **fields)


def evaluation(
    *,
    agent,
    evaluator,
    form=None,
    status=EvaluationStatus.SUBMITTED,
    score="80.00",
    answers: dict | None = None,
    submitted_at=None,
    **fields,
) -> Evaluation:
    """An evaluation made directly (not through the services), for reading tests."""
    form = form or form_with(10, 10)
    interaction = fields.pop("interaction", None) or contact_of(agent)
    made = Evaluation.objects.create(
        form=form,
        interaction=interaction,
        agent=agent,
        evaluator=evaluator,
        status=status,
        score=None if status == EvaluationStatus.DRAFT else score,
        submitted_at=None if status == EvaluationStatus.DRAFT else (submitted_at or timezone.now()),
        **fields,
    )
    for criterion in form.criteria.all():
        answer = (answers or {}).get(criterion.order, Answer.MET)
        EvaluationAnswer.objects.create(evaluation=made, criterion=criterion, answer=answer)
    return made


def open_dispute(on: Evaluation, reason: str = "The customer had already verified.") -> Dispute:
    return Dispute.objects.create(evaluation=on, raised_by=on.agent, reason=reason)


def calibration_session(*, interaction, form, evaluators, created_by=None) -> CalibrationSession:
    session = CalibrationSession.objects.create(
        title="Calibration", form=form, interaction=interaction, created_by=created_by
    )
    session.evaluators.set(evaluators)
    for person in evaluators:
        Evaluation.objects.create(
            form=form,
            interaction=interaction,
            agent=interaction.agent,
            evaluator=person,
            calibration=session,
        )
    return session
