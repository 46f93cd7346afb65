"""Disputes: only the evaluated agent, on a submitted evaluation, within 14 days, one open at a
time; the supervisor of the agent's team or an admin decides; upheld voids the evaluation."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from rapport.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rapport.core.models import AuditEvent
from rapport.performance import kpis
from rapport.performance.choices import DisputeStatus, EvaluationStatus
from rapport.performance.models import Dispute, Evaluation
from rapport.performance.selectors import qa as selectors
from rapport.performance.services import qa as services
from rapport.performance.tests.factories_qa import (
    calibration_session,
    contact_of,
    evaluation,
    form_with,
    open_dispute,
    team_with_agent,
)

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def world(make_user):
    lead, _team, agent = team_with_agent()
    other_lead, _, other_agent = team_with_agent()
    analyst = make_user("qa_analyst")
    scored = evaluation(agent=agent, evaluator=analyst, score="40.00")
    return {
        "lead": lead,
        "agent": agent,
        "other_lead": other_lead,
        "other_agent": other_agent,
        "analyst": analyst,
        "evaluation": scored,
    }


def test_the_agent_raises_a_dispute_and_it_is_audited(world):
    dispute = services.dispute_raise(
        by=world["agent"], evaluation=world["evaluation"], reason="  I did verify.  "
    )

    assert (dispute.status, dispute.reason, dispute.raised_by) == (
        DisputeStatus.OPEN,
        "I did verify.",
        world["agent"],
    )
    audit = AuditEvent.objects.get(action="performance.qa_dispute_raised")
    assert audit.actor == world["agent"] and audit.target_id == str(dispute.pk)


@pytest.mark.parametrize("who", ["lead", "analyst", "other_agent"])
def test_only_the_evaluated_agent_raises(world, who):
    with pytest.raises(PermissionDenied):
        services.dispute_raise(by=world[who], evaluation=world["evaluation"], reason="No.")
    assert not Dispute.objects.exists()


def test_the_window_is_14_days_from_submission(world):
    scored = world["evaluation"]
    Evaluation.objects.filter(pk=scored.pk).update(
        submitted_at=timezone.now() - 14 * DAY + datetime.timedelta(minutes=5)
    )
    assert services.dispute_raise(by=world["agent"], evaluation=scored, reason="Just in time.")

    late = evaluation(
        agent=world["agent"], evaluator=world["analyst"], submitted_at=timezone.now() - 15 * DAY
    )
    with pytest.raises(ValidationFailed) as refused:
        services.dispute_raise(by=world["agent"], evaluation=late, reason="Too late.")
    assert refused.value.code == "dispute_window_closed"


def test_one_open_dispute_at_a_time(world):
    services.dispute_raise(by=world["agent"], evaluation=world["evaluation"], reason="One.")

    with pytest.raises(Conflict):
        services.dispute_raise(by=world["agent"], evaluation=world["evaluation"], reason="Two.")


def test_the_database_holds_the_one_open_rule_too(world):
    open_dispute(world["evaluation"])

    with pytest.raises(IntegrityError), transaction.atomic():
        open_dispute(world["evaluation"])


def test_a_draft_or_voided_evaluation_cannot_be_disputed(world):
    draft = evaluation(agent=world["agent"], evaluator=world["analyst"], status="draft")
    voided = evaluation(agent=world["agent"], evaluator=world["analyst"], status="voided")

    for target in (draft, voided):
        with pytest.raises(Conflict):
            services.dispute_raise(by=world["agent"], evaluation=target, reason="No.")


def test_calibration_evaluations_cannot_be_disputed(world, make_user):
    session = calibration_session(
        interaction=contact_of(world["agent"]),
        form=form_with(10),
        evaluators=[world["analyst"], make_user("qa_analyst")],
    )
    practice = session.evaluations.first()
    Evaluation.objects.filter(pk=practice.pk).update(
        status=EvaluationStatus.SUBMITTED, score=50, submitted_at=timezone.now()
    )
    practice.refresh_from_db()

    with pytest.raises(ValidationFailed):
        services.dispute_raise(by=world["agent"], evaluation=practice, reason="No.")


def test_a_reason_is_required(world):
    with pytest.raises(ValidationFailed):
        services.dispute_raise(by=world["agent"], evaluation=world["evaluation"], reason="   ")


# --- Deciding ------------------------------------------------------------------------------------


def test_upheld_voids_the_evaluation_and_removes_it_from_the_qa_score(world):
    agent = world["agent"]
    evaluation(agent=agent, evaluator=world["analyst"], score="90.00")
    scores = Evaluation.objects.filter(agent=agent)
    assert kpis.qa_sums(scores) == (2, 130.0, 40.0**2 + 90.0**2)
    dispute = services.dispute_raise(by=agent, evaluation=world["evaluation"], reason="Wrong.")

    decided = services.dispute_decide(
        by=world["lead"], dispute=dispute, upheld=True, note="Agreed."
    )

    assert decided.status == DisputeStatus.UPHELD and decided.decided_by == world["lead"]
    world["evaluation"].refresh_from_db()
    assert world["evaluation"].status == EvaluationStatus.VOIDED
    assert kpis.qa_sums(scores) == (1, 90.0, 8100.0)
    audit = AuditEvent.objects.get(action="performance.qa_dispute_decided")
    assert audit.detail == {"evaluation": world["evaluation"].pk, "upheld": True}


def test_rejected_lets_the_evaluation_stand(world):
    dispute = services.dispute_raise(by=world["agent"], evaluation=world["evaluation"], reason="x")

    services.dispute_decide(by=world["lead"], dispute=dispute, upheld=False, note="It stands.")

    world["evaluation"].refresh_from_db()
    assert world["evaluation"].status == EvaluationStatus.SUBMITTED
    assert kpis.qa_sums(Evaluation.objects.all()) == (1, 40.0, 1600.0)
    # Decided once; then the agent may raise another.
    with pytest.raises(Conflict):
        services.dispute_decide(by=world["lead"], dispute=dispute, upheld=True, note="Changed.")
    assert services.dispute_raise(by=world["agent"], evaluation=world["evaluation"], reason="y")


def test_an_admin_decides_too(world, make_user):
    dispute = open_dispute(world["evaluation"])

    assert services.dispute_decide(by=make_user("admin"), dispute=dispute, upheld=False, note="n")


@pytest.mark.parametrize("who", ["other_lead", "analyst", "agent"])
def test_nobody_else_decides(world, who):
    dispute = open_dispute(world["evaluation"])

    with pytest.raises(PermissionDenied):
        services.dispute_decide(by=world[who], dispute=dispute, upheld=True, note="n")
    world["evaluation"].refresh_from_db()
    assert world["evaluation"].status == EvaluationStatus.SUBMITTED


def test_the_evaluator_never_decides_on_their_own_evaluation(world):
    own = evaluation(agent=world["agent"], evaluator=world["lead"])
    dispute = open_dispute(own)

    with pytest.raises(PermissionDenied):
        services.dispute_decide(by=world["lead"], dispute=dispute, upheld=True, note="n")


def test_a_note_is_required(world):
    dispute = open_dispute(world["evaluation"])

    with pytest.raises(ValidationFailed):
        services.dispute_decide(by=world["lead"], dispute=dispute, upheld=True, note="")


def test_a_supervisor_of_another_team_does_not_even_see_the_dispute(world):
    dispute = open_dispute(world["evaluation"])

    with pytest.raises(NotFound):
        selectors.dispute_get_for(viewer=world["other_lead"], dispute_id=dispute.pk)
    assert selectors.dispute_get_for(viewer=world["lead"], dispute_id=dispute.pk) == dispute
