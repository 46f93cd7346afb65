"""QA: evaluations of contacts, samples the system draws, blind calibration sessions, disputes.

Nobody picks which contacts are evaluated in a sample: the draw is random with a stored seed, so
anyone can reproduce it. Calibration scores never count on a scorecard. An agent disputes a
submitted evaluation within the window; the supervisor of the agent's team (or an admin) decides,
and an upheld dispute voids the evaluation. Every step that changes a score is audited.
"""

import datetime
import random
import secrets
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

from rapport.accounts.models import User
from rapport.core.audit import audit_record
from rapport.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rapport.core.roles import QA_EVALUATORS, has_any_role
from rapport.interactions.models import Interaction
from rapport.performance.choices import Answer, DisputeStatus, EvaluationStatus
from rapport.performance.models import (
    CalibrationSession,
    Dispute,
    Evaluation,
    EvaluationAnswer,
    QaForm,
    QaSample,
)
from rapport.performance.selectors import qa as selectors

COMMENT_MAX = 500
TEXT_MAX = 4000
TITLE_MAX = 120
PER_AGENT_MAX = 50
SAMPLE_DAYS_MAX = 92
SEED_LIMIT = 2**63  # a seed is stored in a signed 64-bit column
CALIBRATION_EVALUATORS_MAX = 12


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


def _text(value: str | None, *, field: str, limit: int, required: str = "") -> str:
    text = unicodedata.normalize("NFC", (value or "").strip())
    if required and not text:
        raise _invalid(field, required)
    if len(text) > limit:
        raise _invalid(field, f"Keep it under {limit} characters.")
    return text


def _require_evaluator(by: User, action: str) -> None:
    if not has_any_role(by, QA_EVALUATORS):
        raise PermissionDenied(f"Only QA analysts, supervisors and admins {action}.")


def _usable_form(form: QaForm) -> None:
    if not form.is_active:
        raise _invalid("form", f"The form {form.name!r} is no longer in use.")
    if not form.criteria.exists():
        raise _invalid("form", f"The form {form.name!r} has no criteria to score.")


def _evaluable(interaction: Interaction) -> User:
    if interaction.agent_id is None:
        raise _invalid("interaction", "This contact has no agent to evaluate.")
    return interaction.agent  # type: ignore[return-value]


# --- Evaluations ---------------------------------------------------------------------------------


@transaction.atomic
def evaluation_start(
    *, by: User, interaction: Interaction, form: QaForm, sample: QaSample | None = None
) -> Evaluation:
    """A draft evaluation of one contact by `by`, who may not be the agent who handled it."""
    _require_evaluator(by, "evaluate contacts")
    agent = _evaluable(interaction)
    if agent.pk == by.pk:
        raise PermissionDenied("You cannot evaluate your own contact.")
    if not selectors.may_evaluate_agent(by, agent):
        raise PermissionDenied("A supervisor evaluates the agents of the team they lead.")
    _usable_form(form)
    # The lock serialises two starts on the same contact, so the check below cannot race.
    Interaction.objects.select_for_update().filter(pk=interaction.pk).first()
    existing = Evaluation.objects.filter(
        interaction=interaction,
        evaluator=by,
        calibration__isnull=True,
        status__in=(EvaluationStatus.DRAFT, EvaluationStatus.SUBMITTED),
    ).first()
    if existing is not None:
        raise Conflict(
            f"You already have an evaluation of this contact (number {existing.pk}).",
            code="evaluation_exists",
        )
    return Evaluation.objects.create(
        form=form, interaction=interaction, agent=agent, evaluator=by, sample=sample
    )


def _editable(by: User, evaluation: Evaluation) -> Evaluation:
    """The evaluation locked for change, if it is `by`'s draft in an open session (if any)."""
    fresh = (
        Evaluation.objects.select_for_update(of=("self",))
        .select_related("form", "calibration")
        .get(pk=evaluation.pk)
    )
    if fresh.evaluator_id != by.pk:
        raise PermissionDenied("Only the evaluator can change this evaluation.")
    if fresh.status != EvaluationStatus.DRAFT:
        raise Conflict("This evaluation has been submitted and can no longer change.")
    if fresh.calibration is not None and fresh.calibration.closed_at is not None:
        raise Conflict("This calibration session is closed.")
    return fresh


def _clean_answers(
    evaluation: Evaluation, answers: Mapping[int, tuple[str, str]]
) -> dict[int, tuple[str, str]]:
    known = {c.pk for c in selectors.criteria_of(form=evaluation.form)}
    cleaned: dict[int, tuple[str, str]] = {}
    for criterion_id, pair in answers.items():
        if criterion_id not in known:
            raise _invalid("answers", f"Criterion {criterion_id} is not on this form.")
        answer, comment = pair
        if answer not in Answer.values:
            raise _invalid(f"c{criterion_id}", "Answer met, not met or not applicable.")
        cleaned[criterion_id] = (
            answer,
            _text(comment, field=f"note{criterion_id}", limit=COMMENT_MAX),
        )
    return cleaned


@transaction.atomic
def evaluation_answer_save(
    *,
    by: User,
    evaluation: Evaluation,
    answers: Mapping[int, tuple[str, str]],
    comments: str | None = None,
) -> Evaluation:
    """Save answers (criterion id → (answer, comment)) of a draft; criteria left out keep theirs."""
    fresh = _editable(by, evaluation)
    cleaned = _clean_answers(fresh, answers)
    existing = {a.criterion_id: a for a in fresh.answers.all()}
    for criterion_id, (answer, comment) in cleaned.items():
        row = existing.get(criterion_id)
        if row is None:
            EvaluationAnswer.objects.create(
                evaluation=fresh, criterion_id=criterion_id, answer=answer, comment=comment
            )
        elif (row.answer, row.comment) != (answer, comment):
            row.answer, row.comment = answer, comment
            row.save(update_fields=["answer", "comment"])
    if comments is not None:
        fresh.comments = _text(comments, field="comments", limit=TEXT_MAX)
        fresh.save(update_fields=["comments", "updated_at"])
    return fresh


@transaction.atomic
def evaluation_submit(*, by: User, evaluation: Evaluation) -> Evaluation:
    """Score a draft whose every criterion is answered, and lock it."""
    fresh = _editable(by, evaluation)
    criteria = selectors.criteria_of(form=fresh.form)
    given = {a.criterion_id: a.answer for a in fresh.answers.all()}
    missing = [c for c in criteria if c.pk not in given]
    if missing:
        raise ValidationFailed(
            f"Answer every criterion before you submit ({len(missing)} left).",
            code="unanswered",
            fields={f"c{c.pk}": ["Answer this criterion."] for c in missing},
        )
    scored = selectors.score_of(
        selectors.Marked(c.weight, c.auto_fail, given[c.pk]) for c in criteria
    )
    if scored.score is None:
        raise ValidationFailed(
            "Nothing with a weight applies: every weighted criterion is 'not applicable', so "
            "there is no score. Answer at least one weighted criterion met or not met.",
            code="nothing_to_score",
        )
    fresh.score, fresh.auto_failed = scored.score, scored.auto_failed
    fresh.status, fresh.submitted_at = EvaluationStatus.SUBMITTED, timezone.now()
    fresh.save(update_fields=["score", "auto_failed", "status", "submitted_at", "updated_at"])
    audit_record(
        actor=by,
        action="performance.qa_evaluation_submitted",
        target=fresh,
        detail={
            "agent": fresh.agent_id,
            "interaction": fresh.interaction_id,
            "score": str(fresh.score),
            "auto_failed": fresh.auto_failed,
            "calibration": fresh.calibration_id,
        },
    )
    return fresh


# --- Samples -------------------------------------------------------------------------------------


def sample_pick(
    candidates: Iterable[selectors.Candidate], *, per_agent: int, seed: int
) -> dict[int, list[int]]:
    """Per agent, `per_agent` contacts spread evenly over the channels the agent worked.

    Channels take turns (in an order the seed shuffles, so no channel always gets the extra
    one); within a channel the contact is random. The same candidates and seed give the same
    draw. Candidates must come in a fixed order (selectors.sample_candidates sorts them).
    """
    rng = random.Random(seed)
    pools: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for candidate in candidates:
        pools[candidate.agent_id][candidate.channel].append(candidate.interaction_id)
    picked: dict[int, list[int]] = {}
    for agent_id in sorted(pools):
        channels = sorted(pools[agent_id])
        rng.shuffle(channels)
        shuffled = {c: rng.sample(pools[agent_id][c], len(pools[agent_id][c])) for c in channels}
        chosen: list[int] = []
        while len(chosen) < per_agent and any(shuffled.values()):
            for channel in channels:
                if shuffled[channel] and len(chosen) < per_agent:
                    chosen.append(shuffled[channel].pop())
        picked[agent_id] = chosen
    return picked


def _sample_input(
    form: QaForm, period_start: datetime.date, period_end: datetime.date, per_agent: int, seed
) -> int:
    _usable_form(form)
    if period_end < period_start:
        raise _invalid("period_end", "The period must end on or after the day it starts.")
    if (period_end - period_start).days + 1 > SAMPLE_DAYS_MAX:
        raise _invalid("period_end", f"Draw from at most {SAMPLE_DAYS_MAX} days at a time.")
    if not isinstance(per_agent, int) or not 1 <= per_agent <= PER_AGENT_MAX:
        raise _invalid("per_agent", f"Draw from 1 to {PER_AGENT_MAX} contacts per agent.")
    if seed is None:
        return secrets.randbelow(SEED_LIMIT)
    if not isinstance(seed, int) or not 0 <= seed < SEED_LIMIT:
        raise _invalid("seed", f"A seed is a whole number from 0 to {SEED_LIMIT - 1}.")
    return seed


def _assign(picked: dict[int, list[int]], analysts: Sequence[User]) -> list[tuple[int, int, int]]:
    """(interaction, agent, evaluator): each contact goes to the eligible analyst with the fewest
    so far (ties in a fixed order), never to the agent themself. Agents who are analysts too
    are served first, since fewer analysts can take their contacts."""
    order = {analyst.pk: index for index, analyst in enumerate(analysts)}
    load = dict.fromkeys(order, 0)
    rows = []
    for agent_id in sorted(picked, key=lambda agent: (agent not in order, agent)):
        eligible = [pk for pk in order if pk != agent_id]
        for interaction_id in picked[agent_id] if eligible else []:
            evaluator = min(eligible, key=lambda pk: (load[pk], order[pk]))
            load[evaluator] += 1
            rows.append((interaction_id, agent_id, evaluator))
    return rows


@transaction.atomic
def qa_sample_draw(
    *,
    by: User,
    form: QaForm,
    period_start: datetime.date,
    period_end: datetime.date,
    per_agent: int,
    seed: int | None = None,
) -> QaSample:
    """Draw contacts to evaluate for every agent who handled contacts in the period, and give
    them as drafts to the active QA analysts in turn."""
    _require_evaluator(by, "draw QA samples")
    seed = _sample_input(form, period_start, period_end, per_agent, seed)
    analysts = selectors.qa_analysts_active()
    if not analysts:
        raise ValidationFailed("There is no active QA analyst to give the evaluations to.")
    candidates = selectors.sample_candidates(start=period_start, end=period_end)
    picked = sample_pick(candidates, per_agent=per_agent, seed=seed)
    sample = QaSample.objects.create(
        form=form,
        period_start=period_start,
        period_end=period_end,
        per_agent=per_agent,
        seed=seed,
        drawn_by=by,
    )
    rows = _assign(picked, analysts)
    Evaluation.objects.bulk_create(
        Evaluation(
            form=form,
            interaction_id=interaction_id,
            agent_id=agent_id,
            evaluator_id=evaluator_id,
            sample=sample,
        )
        for interaction_id, agent_id, evaluator_id in rows
    )
    audit_record(
        actor=by,
        action="performance.qa_sample_drawn",
        target=sample,
        detail={
            "form": form.pk,
            "period_start": period_start.isoformat(),
            "period_end": period_end.isoformat(),
            "per_agent": per_agent,
            "seed": str(seed),
            "agents": len(picked),
            "evaluations": len(rows),
        },
    )
    return sample


# --- Calibration ---------------------------------------------------------------------------------


def _calibration_evaluators(evaluators: Iterable[User], agent: User) -> list[User]:
    people = list({user.pk: user for user in evaluators}.values())
    if len(people) < 2:
        raise _invalid("evaluators", "Choose at least two evaluators: agreement needs two.")
    if len(people) > CALIBRATION_EVALUATORS_MAX:
        raise _invalid("evaluators", f"Choose at most {CALIBRATION_EVALUATORS_MAX} evaluators.")
    for person in people:
        if not person.is_active or not has_any_role(person, QA_EVALUATORS):
            raise _invalid("evaluators", f"{person} is not a QA analyst, supervisor or admin.")
        if person.pk == agent.pk:
            raise _invalid("evaluators", f"{person} handled this contact and cannot score it.")
    return people


@transaction.atomic
def calibration_create(
    *,
    by: User,
    interaction: Interaction,
    form: QaForm,
    evaluators: Iterable[User],
    title: str,
) -> CalibrationSession:
    """A session in which each evaluator scores the same contact blind."""
    _require_evaluator(by, "run calibration sessions")
    agent = _evaluable(interaction)
    _usable_form(form)
    title = _text(title, field="title", limit=TITLE_MAX, required="Give the session a title.")
    people = _calibration_evaluators(evaluators, agent)
    session = CalibrationSession.objects.create(
        title=title, form=form, interaction=interaction, created_by=by
    )
    session.evaluators.set(people)
    Evaluation.objects.bulk_create(
        Evaluation(
            form=form, interaction=interaction, agent=agent, evaluator=person, calibration=session
        )
        for person in people
    )
    audit_record(
        actor=by,
        action="performance.qa_calibration_created",
        target=session,
        detail={
            "interaction": interaction.pk,
            "form": form.pk,
            "evaluators": sorted(p.pk for p in people),
        },
    )
    return session


@transaction.atomic
def calibration_close(*, by: User, session: CalibrationSession) -> CalibrationSession:
    """Close the session: everyone may see everyone's scores; drafts stay unscored."""
    fresh = CalibrationSession.objects.select_for_update().get(pk=session.pk)
    if not selectors.may_close(by, fresh):
        raise PermissionDenied("Only who made the session, QA analysts and admins close it.")
    if fresh.closed_at is not None:
        raise Conflict("This calibration session is already closed.")
    fresh.closed_at = timezone.now()
    fresh.save(update_fields=["closed_at", "updated_at"])
    submitted = fresh.evaluations.filter(status=EvaluationStatus.SUBMITTED).count()
    audit_record(
        actor=by,
        action="performance.qa_calibration_closed",
        target=fresh,
        detail={"submitted": submitted},
    )
    return fresh


# --- Disputes ------------------------------------------------------------------------------------


@transaction.atomic
def dispute_raise(*, by: User, evaluation: Evaluation, reason: str) -> Dispute:
    """The evaluated agent challenges a submitted evaluation, within the window, once at a time."""
    fresh = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if fresh.agent_id != by.pk:
        raise PermissionDenied("Only the agent who was evaluated can dispute an evaluation.")
    if fresh.calibration_id is not None:
        raise _invalid(
            "evaluation", "Calibration scores do not count, so there is nothing to dispute."
        )
    if fresh.status != EvaluationStatus.SUBMITTED:
        raise Conflict("Only a submitted evaluation that stands can be disputed.")
    deadline = selectors.dispute_deadline(fresh)
    if deadline is None or timezone.now() > deadline:
        days = selectors.DISPUTE_WINDOW.days
        raise ValidationFailed(
            f"Disputes are taken within {days} days of the evaluation; this one's window closed.",
            code="dispute_window_closed",
        )
    reason = _text(reason, field="reason", limit=TEXT_MAX, required="Say what you disagree with.")
    if fresh.disputes.filter(status=DisputeStatus.OPEN).exists():
        raise Conflict("This evaluation already has an open dispute.", code="dispute_open")
    try:
        with transaction.atomic():
            dispute = Dispute.objects.create(evaluation=fresh, raised_by=by, reason=reason)
    except IntegrityError:  # raised at the same moment in another request
        raise Conflict(
            "This evaluation already has an open dispute.", code="dispute_open"
        ) from None
    audit_record(
        actor=by,
        action="performance.qa_dispute_raised",
        target=dispute,
        detail={"evaluation": fresh.pk, "score": str(fresh.score)},
    )
    return dispute


@transaction.atomic
def dispute_decide(*, by: User, dispute: Dispute, upheld: bool, note: str) -> Dispute:
    """Uphold (the evaluation is voided and leaves the QA score) or reject (it stands)."""
    try:
        fresh = (
            Dispute.objects.select_for_update(of=("self",))
            .select_related("evaluation__agent")
            .get(pk=dispute.pk)
        )
    except Dispute.DoesNotExist:
        raise NotFound("No such dispute.") from None
    if not selectors.may_decide(by, fresh):
        raise PermissionDenied(
            "The supervisor of the agent's team or an admin decides, and never the evaluator."
        )
    if fresh.status != DisputeStatus.OPEN:
        raise Conflict("This dispute has already been decided.")
    note = _text(note, field="note", limit=TEXT_MAX, required="Tell the agent why.")
    fresh.status = DisputeStatus.UPHELD if upheld else DisputeStatus.REJECTED
    fresh.decided_by, fresh.decided_at, fresh.decision_note = by, timezone.now(), note
    fresh.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    if upheld:
        Evaluation.objects.filter(pk=fresh.evaluation_id).update(
            status=EvaluationStatus.VOIDED, updated_at=timezone.now()
        )
    audit_record(
        actor=by,
        action="performance.qa_dispute_decided",
        target=fresh,
        detail={"evaluation": fresh.evaluation_id, "upheld": upheld},
    )
    return fresh
