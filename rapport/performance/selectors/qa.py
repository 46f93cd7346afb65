"""Reads of QA, scoped to the viewer, and the two pure computations behind it: the score of a set
of answers and the agreement of a calibration session.

Who sees an evaluation: the evaluated agent (once submitted, and never a calibration exercise),
its evaluator, QA analysts, the supervisor of the agent's team, admins. Calibration is blind: an
evaluator in an open session sees no one else's evaluation until they have submitted their own.
Disputes: the agent, the agent's supervisor, QA analysts, admins. Anything else is "not found".
"""

import datetime
import math
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

import krippendorff
import numpy as np
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    When,
)
from django.utils import timezone

from rapport.accounts.models import Team, User
from rapport.core.errors import NotFound, PermissionDenied
from rapport.core.roles import QA_EVALUATORS, Role, has_any_role, is_admin, roles_of
from rapport.interactions.models import Interaction
from rapport.performance import rollups
from rapport.performance.choices import Answer, DisputeStatus, EvaluationStatus, QaCategory
from rapport.performance.models import (
    CalibrationSession,
    Dispute,
    Evaluation,
    EvaluationAnswer,
    QaCriterion,
    QaForm,
    QaSample,
)
from rapport.performance.selectors import leads

DISPUTE_WINDOW = datetime.timedelta(days=14)
# Roles that see every evaluation and dispute (calibration blindness still applies to them).
QA_ALL_READERS = frozenset({Role.QA_ANALYST, Role.ADMIN})

# --- The score -----------------------------------------------------------------------------------


class Marked(NamedTuple):
    """One criterion as answered: its weight, whether it fails the whole evaluation, the answer."""

    weight: int
    auto_fail: bool
    answer: str


@dataclass(frozen=True)
class Scored:
    score: Decimal | None  # None: no weighted criterion applied, so there is nothing to score
    auto_failed: bool
    met_weight: int
    applicable_weight: int


def score_of(marks: Iterable[Marked]) -> Scored:
    """100 × weight met ÷ weight met or not met (N/A left out); an auto-fail item not met is 0."""
    met = applicable = 0
    failed = False
    for mark in marks:
        if mark.answer == Answer.NOT_APPLICABLE:
            continue
        applicable += mark.weight
        if mark.answer == Answer.MET:
            met += mark.weight
        elif mark.auto_fail:
            failed = True
    if failed:
        return Scored(Decimal("0.00"), True, met, applicable)
    if applicable == 0:
        return Scored(None, False, met, applicable)
    score = (Decimal(100) * met / applicable).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return Scored(score, False, met, applicable)


# --- Calibration agreement -----------------------------------------------------------------------

# Nominal codes for the alpha matrix. "Not applicable" is an answer like the others: evaluators
# who disagree on whether a criterion applies disagree.
ANSWER_CODES = {Answer.MET: 0, Answer.NOT_MET: 1, Answer.NOT_APPLICABLE: 2}
NOT_ENOUGH = "Not enough data: agreement needs at least two submitted evaluations."
ALL_SAME = (
    "Every evaluator gave every criterion the same answer: agreement is complete, but alpha is "
    "undefined when only one answer occurs."
)


@dataclass(frozen=True)
class CriterionAgreement:
    criterion_id: int
    n: int
    counts: dict[str, int]
    majority: str | None  # None on a tie
    share: float | None  # share of evaluators giving the most common answer

    @property
    def share_percent(self) -> float | None:
        return None if self.share is None else self.share * 100


@dataclass(frozen=True)
class Agreement:
    n: int
    criteria: list[CriterionAgreement]
    score_min: float | None
    score_max: float | None
    score_sd: float | None
    alpha: float | None
    alpha_note: str

    @property
    def enough_data(self) -> bool:
        return self.n >= 2


def agreement_of(
    criterion_ids: Sequence[int],
    ratings: Sequence[Mapping[int, str]],
    scores: Sequence[float | None],
) -> Agreement:
    """Agreement of evaluators (one `ratings` mapping criterion id → answer each) on one contact."""
    rows = [
        _criterion_agreement(cid, [r[cid] for r in ratings if cid in r]) for cid in criterion_ids
    ]
    known = [float(s) for s in scores if s is not None]
    alpha, note = krippendorff_alpha(criterion_ids, ratings)
    return Agreement(
        n=len(ratings),
        criteria=rows,
        score_min=min(known) if known else None,
        score_max=max(known) if known else None,
        score_sd=statistics.stdev(known) if len(known) >= 2 else None,
        alpha=alpha,
        alpha_note=note,
    )


def _criterion_agreement(criterion_id: int, answers: list[str]) -> CriterionAgreement:
    counts = Counter(answers)
    if not answers:
        return CriterionAgreement(criterion_id, 0, {}, None, None)
    ranked = counts.most_common()
    top = ranked[0][1]
    tied = len(ranked) > 1 and ranked[1][1] == top
    return CriterionAgreement(
        criterion_id=criterion_id,
        n=len(answers),
        counts=dict(counts),
        majority=None if tied else ranked[0][0],
        share=top / len(answers),
    )


def krippendorff_alpha(
    criterion_ids: Sequence[int], ratings: Sequence[Mapping[int, str]]
) -> tuple[float | None, str]:
    """Nominal alpha: units are criteria, coders are evaluators; a missing answer is missing."""
    if len(ratings) < 2 or not criterion_ids:
        return None, NOT_ENOUGH
    matrix = [
        [ANSWER_CODES[Answer(r[cid])] if cid in r else np.nan for cid in criterion_ids]
        for r in ratings
    ]
    data = np.array(matrix, dtype=float)
    pairable = (~np.isnan(data)).sum(axis=0) >= 2
    if not pairable.any():
        return None, NOT_ENOUGH
    if len(np.unique(data[:, pairable][~np.isnan(data[:, pairable])])) < 2:
        return None, ALL_SAME
    value = krippendorff.alpha(
        reliability_data=data,
        value_domain=sorted(ANSWER_CODES.values()),
        level_of_measurement="nominal",
    )
    if math.isnan(value):
        return None, NOT_ENOUGH
    return float(value), ""


# --- Who sees what -------------------------------------------------------------------------------


def is_qa_staff(user) -> bool:
    return has_any_role(user, QA_EVALUATORS)


def _blind_sessions(viewer: User) -> QuerySet[CalibrationSession]:
    """Open sessions the viewer is in and has not yet submitted an evaluation for."""
    own_submitted = Evaluation.objects.filter(
        calibration=OuterRef("pk"), evaluator=viewer, status=EvaluationStatus.SUBMITTED
    )
    return CalibrationSession.objects.filter(evaluators=viewer, closed_at__isnull=True).exclude(
        Exists(own_submitted)
    )


def evaluations_for(*, viewer: User) -> QuerySet[Evaluation]:
    rows = Evaluation.objects.select_related(
        "form", "agent__team", "evaluator", "interaction", "calibration"
    )
    roles = roles_of(viewer)
    if not roles & QA_ALL_READERS:
        allowed = Q(evaluator=viewer) | Q(agent=viewer)
        if Role.SUPERVISOR in roles:
            allowed |= Q(agent__team__supervisor=viewer)
        rows = rows.filter(allowed)
    # An agent never sees a draft or a calibration exercise on their own contact, whatever
    # other role they hold.
    rows = rows.exclude(
        Q(agent=viewer) & (Q(status=EvaluationStatus.DRAFT) | Q(calibration__isnull=False))
    )
    return rows.exclude(
        Q(calibration__in=_blind_sessions(viewer).values("pk")) & ~Q(evaluator=viewer)
    )


def evaluation_get_for(*, viewer: User, evaluation_id: int) -> Evaluation:
    evaluation = evaluations_for(viewer=viewer).filter(pk=evaluation_id).first()
    if evaluation is None:
        raise NotFound("No such evaluation.")
    return evaluation


def evaluations_listed_for(
    *, viewer: User, agent_id: int | None = None, status: str | None = None
) -> QuerySet[Evaluation]:
    rows = evaluations_for(viewer=viewer)
    if agent_id is not None:
        rows = rows.filter(agent_id=agent_id)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-id")


def answers_of(*, evaluation: Evaluation) -> QuerySet[EvaluationAnswer]:
    return evaluation.answers.select_related("criterion").order_by(
        "criterion__order", "criterion_id"
    )


def criteria_of(*, form: QaForm) -> list[QaCriterion]:
    return list(form.criteria.order_by("order", "id"))


@dataclass
class SheetRow:
    criterion: QaCriterion
    answer: str = ""
    comment: str = ""


@dataclass
class SheetGroup:
    category: str
    label: str
    rows: list[SheetRow] = field(default_factory=list)


def evaluation_sheet(*, evaluation: Evaluation) -> list[SheetGroup]:
    """The form's criteria grouped by category, in the order of QaCategory, with the answers so far."""
    given = {a.criterion_id: a for a in evaluation.answers.all()}
    groups = {value: SheetGroup(value, str(label)) for value, label in QaCategory.choices}
    for criterion in criteria_of(form=evaluation.form):
        answer = given.get(criterion.pk)
        groups[criterion.category].rows.append(
            SheetRow(criterion, answer.answer if answer else "", answer.comment if answer else "")
        )
    return [group for group in groups.values() if group.rows]


def dispute_deadline(evaluation: Evaluation) -> datetime.datetime | None:
    if evaluation.submitted_at is None:
        return None
    return evaluation.submitted_at + DISPUTE_WINDOW


def can_dispute(
    viewer: User, evaluation: Evaluation, *, now: datetime.datetime | None = None
) -> bool:
    """Whether to offer the agent the dispute form (the service checks again)."""
    deadline = dispute_deadline(evaluation)
    return (
        viewer.pk == evaluation.agent_id
        and evaluation.status == EvaluationStatus.SUBMITTED
        and evaluation.calibration_id is None
        and deadline is not None
        and (now or timezone.now()) <= deadline
        and not evaluation.disputes.filter(status=DisputeStatus.OPEN).exists()
    )


def disputes_for(*, viewer: User) -> QuerySet[Dispute]:
    rows = Dispute.objects.select_related(
        "evaluation__agent__team",
        "evaluation__evaluator",
        "evaluation__form",
        "raised_by",
        "decided_by",
    )
    roles = roles_of(viewer)
    if not roles & QA_ALL_READERS:
        allowed = Q(evaluation__agent=viewer)
        if Role.SUPERVISOR in roles:
            allowed |= Q(evaluation__agent__team__supervisor=viewer)
        rows = rows.filter(allowed)
    return rows


def disputes_listed_for(*, viewer: User, status: str | None = None) -> QuerySet[Dispute]:
    """Open disputes first, then the newest."""
    rows = disputes_for(viewer=viewer)
    if status:
        rows = rows.filter(status=status)
    open_first = Case(
        When(status=DisputeStatus.OPEN, then=0), default=1, output_field=IntegerField()
    )
    return rows.annotate(open_first=open_first).order_by("open_first", "-created_at", "-id")


def dispute_get_for(*, viewer: User, dispute_id: int) -> Dispute:
    dispute = disputes_for(viewer=viewer).filter(pk=dispute_id).first()
    if dispute is None:
        raise NotFound("No such dispute.")
    return dispute


def may_decide(viewer: User, dispute: Dispute) -> bool:
    """The supervisor of the agent's team or an admin, and never the evaluator of the evaluation."""
    return decider(viewer)(dispute)


def decider(viewer: User) -> Callable[[Dispute], bool]:
    """may_decide for many disputes with one query (the teams the viewer leads)."""
    admin = is_admin(viewer)
    led: set[int] = set()
    if not admin and Role.SUPERVISOR in roles_of(viewer):
        led = set(Team.objects.filter(supervisor=viewer).values_list("pk", flat=True))

    def decides(dispute: Dispute) -> bool:
        evaluation = dispute.evaluation
        if evaluation.evaluator_id == viewer.pk:
            return False
        return admin or evaluation.agent.team_id in led

    return decides


def may_evaluate_agent(viewer: User, agent: User) -> bool:
    """QA analysts and admins evaluate anyone; a supervisor, the agents of the team they lead."""
    if roles_of(viewer) & QA_ALL_READERS:
        return True
    return leads(viewer, agent.team_id)


# --- Samples -------------------------------------------------------------------------------------


def samples_for(*, viewer: User) -> QuerySet[QaSample]:
    if not is_qa_staff(viewer):
        return QaSample.objects.none()
    return QaSample.objects.select_related("form", "drawn_by").annotate(
        evaluations_n=Count("evaluations"),
        done_n=Count("evaluations", filter=~Q(evaluations__status=EvaluationStatus.DRAFT)),
    )


class Candidate(NamedTuple):
    interaction_id: int
    agent_id: int
    channel: str


def sample_candidates(*, start: datetime.date, end: datetime.date) -> list[Candidate]:
    """Handled contacts of the center's days start..end that nobody has evaluated yet, in a fixed
    order so that a seed always draws the same contacts from the same ledger."""
    since, _ = rollups.day_bounds(start)
    _, until = rollups.day_bounds(end)
    evaluated = Evaluation.objects.filter(interaction=OuterRef("pk"))
    rows = (
        Interaction.objects.filter(agent__isnull=False, started_at__gte=since, started_at__lt=until)
        .exclude(outcome__in=rollups.NOT_HANDLED)
        .exclude(Exists(evaluated))
        .order_by("agent_id", "channel", "started_at", "id")
        .values_list("id", "agent_id", "channel")
    )
    return [Candidate(*row) for row in rows.iterator(chunk_size=2000)]


def qa_analysts_active() -> list[User]:
    return list(
        User.objects.filter(is_active=True, groups__name=Role.QA_ANALYST).distinct().order_by("pk")
    )


def qa_evaluators_active() -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name__in=QA_EVALUATORS) | Q(is_superuser=True))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def forms_active() -> QuerySet[QaForm]:
    return QaForm.objects.filter(is_active=True).order_by("name")


# --- Calibration ---------------------------------------------------------------------------------


def calibrations_for(*, viewer: User) -> QuerySet[CalibrationSession]:
    """QA analysts and admins see every session; a supervisor, those they are in, made, or that
    look at a contact of their team."""
    if not is_qa_staff(viewer):
        return CalibrationSession.objects.none()
    rows = CalibrationSession.objects.select_related("form", "interaction", "created_by")
    if not roles_of(viewer) & QA_ALL_READERS:
        mine = CalibrationSession.evaluators.through.objects.filter(user=viewer).values(
            "calibrationsession_id"
        )
        rows = rows.filter(
            Q(pk__in=mine) | Q(created_by=viewer) | Q(interaction__agent__team__supervisor=viewer)
        )
    return rows


def calibrations_listed_for(*, viewer: User) -> QuerySet[CalibrationSession]:
    return (
        calibrations_for(viewer=viewer)
        .annotate(
            evaluators_n=Count("evaluators", distinct=True),
            submitted_n=Count(
                "evaluations",
                filter=Q(evaluations__status=EvaluationStatus.SUBMITTED),
                distinct=True,
            ),
        )
        .order_by("-created_at", "-id")
    )


def calibration_get_for(*, viewer: User, session_id: int) -> CalibrationSession:
    session = calibrations_for(viewer=viewer).filter(pk=session_id).first()
    if session is None:
        raise NotFound("No such calibration session.")
    return session


def may_close(viewer: User, session: CalibrationSession) -> bool:
    """Whoever made the session, QA analysts and admins."""
    return bool(session.created_by_id == viewer.pk or roles_of(viewer) & QA_ALL_READERS)


def is_blind(viewer: User, session: CalibrationSession) -> bool:
    """The viewer is in this open session and has not submitted their own evaluation yet."""
    return _blind_sessions(viewer).filter(pk=session.pk).exists()


@dataclass
class CalibrationView:
    session: CalibrationSession
    criteria: list[QaCriterion]
    evaluations: list[Evaluation]
    mine: Evaluation | None
    blind: bool
    agreement: Agreement | None
    rows: list[tuple[QaCriterion, CriterionAgreement]]

    def chart(self) -> dict:
        """Chart.js data: each submitted evaluator's score."""
        submitted = [e for e in self.evaluations if e.status == EvaluationStatus.SUBMITTED]
        return {
            "labels": [_name(e.evaluator) for e in submitted],
            "scores": [None if e.score is None else float(e.score) for e in submitted],
        }


def _name(user: User | None) -> str:
    if user is None:
        return "Former evaluator"
    return user.get_full_name() or user.username


def calibration_view(*, viewer: User, session: CalibrationSession) -> CalibrationView:
    criteria = criteria_of(form=session.form)
    evaluations = list(
        session.evaluations.select_related("evaluator")
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=EvaluationAnswer.objects.only(
                    "id", "evaluation_id", "criterion_id", "answer"
                ),
            )
        )
        .order_by("evaluator__last_name", "evaluator__first_name", "id")
    )
    mine = next((e for e in evaluations if e.evaluator_id == viewer.pk), None)
    blind = is_blind(viewer, session)
    agreement = None if blind else _agreement(criteria, evaluations)
    by_criterion = {c.pk: c for c in criteria}
    rows = (
        [(by_criterion[row.criterion_id], row) for row in agreement.criteria] if agreement else []
    )
    return CalibrationView(
        session=session,
        criteria=criteria,
        evaluations=[] if blind else evaluations,
        mine=mine,
        blind=blind,
        agreement=agreement,
        rows=rows,
    )


def _agreement(criteria: list[QaCriterion], evaluations: list[Evaluation]) -> Agreement:
    submitted = [e for e in evaluations if e.status == EvaluationStatus.SUBMITTED]
    ratings = [{a.criterion_id: a.answer for a in e.answers.all()} for e in submitted]
    scores = [None if e.score is None else float(e.score) for e in submitted]
    return agreement_of([c.pk for c in criteria], ratings, scores)


def calibration_agreement_for(*, viewer: User, session_id: int) -> CalibrationView:
    """The session's agreement; a blind evaluator is told to submit first (403, not 404: the
    session is theirs to see)."""
    session = calibration_get_for(viewer=viewer, session_id=session_id)
    view = calibration_view(viewer=viewer, session=session)
    if view.blind:
        raise PermissionDenied(
            "Submit your own evaluation first: calibration is blind until you have.",
            code="calibration_blind",
        )
    return view


# --- The QA page ---------------------------------------------------------------------------------


RECENT = 10


def drafts_of(*, viewer: User) -> QuerySet[Evaluation]:
    """What the viewer still has to finish, oldest first (samples are worked in order)."""
    return (
        evaluations_for(viewer=viewer)
        .filter(evaluator=viewer, status=EvaluationStatus.DRAFT)
        .exclude(calibration__closed_at__isnull=False)
        .order_by("created_at", "id")
    )


def recent_submitted_for(*, viewer: User) -> QuerySet[Evaluation]:
    return (
        evaluations_for(viewer=viewer)
        .filter(status=EvaluationStatus.SUBMITTED, calibration__isnull=True)
        .order_by("-submitted_at", "-id")
    )


def my_evaluations(*, agent: User) -> QuerySet[Evaluation]:
    """An agent's own evaluations: submitted or voided, never drafts or calibration."""
    return (
        Evaluation.objects.filter(agent=agent, calibration__isnull=True)
        .exclude(status=EvaluationStatus.DRAFT)
        .select_related("form", "interaction")
        .order_by("-submitted_at", "-id")
    )


def open_disputes_count(*, viewer: User) -> int:
    return disputes_for(viewer=viewer).filter(status=DisputeStatus.OPEN).count()
