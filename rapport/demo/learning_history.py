"""What agents did with their learning in the demo: assignments from the gap sweep and the new-hire
paths, module attempts (some failed once), and the spaced-review answers after each module.

See rapport.demo.learning for why the sweep runs on past days and why review answers are written
in bulk through the same scheduling step the review service uses."""

import datetime
import random
from collections.abc import Iterable

from django.db.models import Max

from rapport.accounts.models import User
from rapport.demo.learning_briefings import check_answers
from rapport.learning import reinforcement
from rapport.learning.choices import OPEN_ASSIGNMENT, AssignmentStatus
from rapport.learning.models import Assignment, Module, ModuleAttempt, ReviewItem, ReviewLog
from rapport.learning.selectors.settings import learning_settings
from rapport.learning.services import assignments as assignment_services
from rapport.learning.services import gaps as gap_services
from rapport.performance.rollups import day_bounds

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)
# The gap sweep's days, as days before the reference day: from July (a rule's window is full by
# then) to last week; the early ones complete around the middle of the ledger, so training impact
# has before and after windows on both sides.
SWEEP_DAYS_AGO = [123, 102, 81, 60, 39, 18, 6]
DISMISS_NOTES = [
    "Already coached on this at the one-to-one.",
    "The figure came from a week on the outage queue; not a skill gap.",
]
# Demo logins whose newest assignments wait for them (the idle panel has a module to bring).
LOGINS_WITH_WORK = {"agent"}
# What a trainer assigns Alex by hand when the sweep left nothing open for him.
LOGIN_MODULE = (
    "Knowing the product: cards and accounts",
    "Jordan in tier 2 suggested this after two card questions you escalated last week.",
)
# And the module passed by hand when the sweep gave them none to pass.
LOGIN_DONE_MODULE = (
    "Identity verification, every time",
    "Everyone on the floor retakes this after the two-step identity check came in.",
)
# Of the newest assignments (fewer than RECENT_DAYS old) many are still open.
RECENT_DAYS = 12


def assignments_load(
    rng: random.Random,
    *,
    reference_time: datetime.datetime,
    trainer: User,
    hire_days: Iterable[datetime.date],
) -> dict[str, int]:
    """Run the sweep and the paths on their past days, in time order, and act on what they made."""
    reference_day = reference_time.date()
    days = sorted(
        {("sweep", reference_day - datetime.timedelta(days=ago)) for ago in SWEEP_DAYS_AGO}
        | {("path", day + DAY) for day in hire_days if day + DAY < reference_day}
    )
    days.sort(key=lambda item: (item[1], item[0]))
    for kind, day in days:
        before = Assignment.objects.aggregate(last=Max("pk"))["last"] or 0
        if kind == "sweep":
            gap_services.gap_sweep(today=day)
        else:
            assignment_services.path_assignments(today=day)
        made = Assignment.objects.filter(pk__gt=before).select_related("module", "agent")
        made_at, _ = day_bounds(day)
        made_at += 6 * HOUR
        made.update(created_at=made_at, updated_at=made_at)
        for assignment in made.order_by("pk"):
            _follow(rng, assignment, made_at, reference_time, trainer)
    _login_work(trainer, reference_time)
    counts = {
        f"assignments_{status}": Assignment.objects.filter(status=status).count()
        for status in AssignmentStatus.values
    }
    counts["module_attempts"] = ModuleAttempt.objects.count()
    return counts


def _login_work(trainer: User, reference_time: datetime.datetime) -> None:
    """Each demo login in LOGINS_WITH_WORK has passed a module (so it has reviews) and has one
    waiting, whatever the sweep found at the demo's scale."""
    for agent in User.objects.filter(username__in=LOGINS_WITH_WORK):
        done = Assignment.objects.filter(agent=agent, status=AssignmentStatus.COMPLETED)
        if not done.exists():
            title, note = LOGIN_DONE_MODULE
            passed = _by_hand(trainer, agent, title, note, reference_time - 40 * DAY)
            if passed is not None:
                started = reference_time - 39 * DAY
                assignment_services.assignment_start(assignment=passed, at=started)
                _attempt(random.Random(agent.pk), passed, started + 20 * MINUTE, right=True)
        if not Assignment.objects.filter(agent=agent, status__in=OPEN_ASSIGNMENT).exists():
            title, note = LOGIN_MODULE
            _by_hand(trainer, agent, title, note, reference_time - 2 * DAY)


def _by_hand(
    trainer: User, agent: User, title: str, note: str, at: datetime.datetime
) -> Assignment | None:
    module = Module.objects.get(title=title)
    if Assignment.objects.filter(agent=agent, module=module, status__in=OPEN_ASSIGNMENT).exists():
        return None
    made = assignment_services.assignment_assign(by=trainer, agent=agent, module=module, note=note)
    Assignment.objects.filter(pk=made.pk).update(
        created_at=at, updated_at=at, due_on=(at + 14 * DAY).date()
    )
    made.refresh_from_db()
    return made


def _follow(rng, assignment: Assignment, made_at, reference_time, trainer: User) -> None:
    """A trainer's decision on a proposal, then the agent's progress through the module."""
    recent = reference_time - made_at < RECENT_DAYS * DAY
    if assignment.status == AssignmentStatus.PROPOSED:
        roll = rng.random()
        if roll < (0.6 if recent else 0.1):
            return  # still waiting for a trainer
        if roll > 0.85:
            assignment_services.assignment_dismiss(
                by=trainer, assignment=assignment, note=rng.choice(DISMISS_NOTES)
            )
            return
        assignment_services.assignment_confirm(
            by=trainer,
            assignment=assignment,
            due_on=(made_at + 16 * DAY).date(),
            note="Agreed: the figures are clear.",
        )
        made_at += rng.randint(1, 3) * DAY
    roll = rng.random()
    if recent and assignment.agent.username in LOGINS_WITH_WORK:
        return  # left for the demo login's idle panel
    if roll < (0.45 if recent else 0.06):
        return  # not started yet
    started = made_at + rng.randint(1, 6) * DAY + rng.randint(1, 8) * HOUR
    if started >= reference_time:
        return
    assignment_services.assignment_start(assignment=assignment, at=started)
    if roll < (0.65 if recent else 0.12):
        return  # opened, not finished
    tried = started + rng.randint(8, 25) * datetime.timedelta(minutes=1)
    if rng.random() < 0.25:
        _attempt(rng, assignment, tried, right=False)
        tried += rng.uniform(0.1, 3.0) * DAY
    if tried < reference_time:
        _attempt(rng, assignment, tried, right=True)


def _attempt(rng, assignment: Assignment, at: datetime.datetime, *, right: bool) -> None:
    questions = list(assignment.module.questions.prefetch_related("choices"))
    answers = check_answers(rng, questions, right=right, pass_mark=assignment.module.pass_mark)
    assignment_services.module_attempt_submit(assignment=assignment, answers=answers, at=at)
    # The attempt keeps the time it was made, not the time the demo was loaded.
    latest = ModuleAttempt.objects.filter(assignment=assignment).order_by("-pk")[:1]
    ModuleAttempt.objects.filter(pk__in=latest).update(created_at=at)


# Reviews -----------------------------------------------------------------------------------------


def reviews_load(rng: random.Random, reference_time: datetime.datetime) -> int:
    """Answer every review item whenever it fell due, until the reference time.

    Agents answer a due item within a day or two of it falling due (in their idle time); early
    answers are more often wrong, and each agent has a knack of their own."""
    retention = float(learning_settings().desired_retention)
    knack: dict[int, float] = {}
    # Mean hours between an item falling due and the agent answering it: some keep up, some don't.
    pace: dict[int, float] = {}
    logs: list[ReviewLog] = []
    items = list(ReviewItem.objects.order_by("agent_id", "pk"))
    for item in items:
        knack.setdefault(item.agent_id, rng.uniform(-0.2, 0.08))
        pace.setdefault(item.agent_id, rng.choice([6, 12, 24, 48, 120, 240]))
        at = item.due_at + HOUR * rng.expovariate(1 / pace[item.agent_id])
        while at < reference_time:
            chance = min(0.97, 0.66 + 0.07 * item.reps + knack[item.agent_id])
            correct = rng.random() < chance
            seconds = rng.randint(4, 40) if correct else rng.randint(10, 60)
            reviewed = reinforcement.review(
                item.card,
                correct=correct,
                seconds_taken=seconds,
                at=at,
                desired_retention=retention,
            )
            _apply(item, reviewed, at)
            logs.append(
                ReviewLog(
                    item=item,
                    reviewed_at=at,
                    correct=correct,
                    rating=reviewed.rating,
                    predicted_recall=reviewed.predicted_recall,
                    seconds_taken=seconds,
                    stability_after=reviewed.stability,
                )
            )
            at = max(item.due_at, at + datetime.timedelta(minutes=2))
            at += HOUR * rng.expovariate(1 / pace[item.agent_id])
    ReviewItem.objects.bulk_update(
        items,
        ["card", "due_at", "stability", "difficulty", "reps", "lapses", "last_reviewed_at"],
        batch_size=500,
    )
    ReviewLog.objects.bulk_create(logs, batch_size=2000)
    return len(logs)


def _apply(item: ReviewItem, reviewed: reinforcement.Reviewed, at: datetime.datetime) -> None:
    """What review_answer records on the item, for one answer."""
    item.card = reviewed.card
    item.due_at = reviewed.due_at
    item.stability = reviewed.stability
    item.difficulty = reviewed.difficulty
    item.reps += 1
    item.lapses += int(reviewed.lapsed)
    item.last_reviewed_at = at
