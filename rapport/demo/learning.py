"""Learning and briefings in the demo center: modules, new-hire paths, gap rules, briefings and
polls (rapport.demo.learning_briefings), assignments from the real gaps in the demo ledger, module
attempts and the spaced-review history that follows them.

Content goes straight to the tables, as a trainer would have written it. What happened is replayed
through the learning services with the time it happened: the gap sweep runs on a few days over the
last months (so each reason cites the agent's real figures from the KPI rollups — this stage runs
after them), new hires get their paths the day after they start, and agents start, fail and pass
modules. Review answers are the one exception: thousands of them go through the same pure
scheduling step the review service uses (rapport.learning.reinforcement.review) and are written in
bulk, because one service call each would make the stage slow.

New hires: the ledger has only a few agents who started in the last six months, too few for cohorts,
so more front-line agents (never a demo login) are given start dates in recent months, at least
five a month so cohorts are large enough to show (the most recent one stays under five: counts
only). Their contacts from before that date stay in the ledger; time to proficiency counts from
the start date. In their first weeks (two to six, drawn per person) they work like new hires:
longer calls and more hand-offs, easing off to their usual pace. This part (new_hires_load) runs
before the KPI rollups, so the rollups and the cohort curves see it.

Deterministic from the seed: each part draws from its own generator.
"""

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from rapport.accounts.models import Skill, User
from rapport.cases.models import EscalationReason
from rapport.core.roles import Role
from rapport.demo import learning_briefings, learning_history
from rapport.demo.learning_content import EXTRA_SKILLS, GAP_RULES, MODULES, PATHS
from rapport.demo.voice_ledger import gamers_find
from rapport.interactions.models import Interaction
from rapport.learning.models import (
    GapRule,
    LearningPath,
    Module,
    ModuleChoice,
    ModuleQuestion,
    PathStep,
)
from rapport.learning.selectors.settings import new_hire_since
from rapport.performance.models import Kpi, QaCriterion

DAY = datetime.timedelta(days=1)
# New-hire cohorts: months before the reference month, and how many agents start in each.
COHORTS = [(5, 5), (4, 5), (2, 5), (1, 3)]
# A new hire's first weeks: calls take up to this much longer, and up to this share of their
# contacts is handed on, both fading to nothing by the end of their ramp.
RAMP_WEEKS = (2, 6)
RAMP_SLOWER = 0.8
RAMP_TRANSFERS = 0.3
DEMO_LOGINS = {"agent", "agent2", "supervisor"}


def learning_load(*, seed: int, reference_time: datetime.datetime) -> dict[str, int]:
    """Load the learning side of the demo; returns what was made, by kind."""
    base = f"{seed}:learning"
    trainer = User.objects.get(username="trainer")
    modules = content_load(author=trainer)
    reference_day = reference_time.date()
    made: dict[str, int] = {"modules": len(modules)}
    made.update(
        learning_briefings.briefings_load(
            random.Random(f"{base}:briefings"), reference_time=reference_time, author=trainer
        )
    )
    made.update(
        learning_briefings.polls_load(
            random.Random(f"{base}:polls"), reference_time=reference_time, author=trainer
        )
    )
    started = User.objects.filter(
        started_on__gte=new_hire_since(reference_day), started_on__lte=reference_day
    ).values_list("started_on", flat=True)
    made.update(
        learning_history.assignments_load(
            random.Random(base),
            reference_time=reference_time,
            trainer=trainer,
            hire_days={day for day in started if day is not None},
        )
    )
    made["review_answers"] = learning_history.reviews_load(
        random.Random(f"{base}:reviews"), reference_time
    )
    return made


def new_hires_load(*, seed: int, reference_day: datetime.date) -> dict[str, int]:
    """Start dates for the demo's new hires and their first weeks' slower work; run before the
    KPI rollups. Returns how many hires and how many of their contacts changed."""
    rng = random.Random(f"{seed}:learning:hires")
    hires = new_hires_set(rng, reference_day)
    return {"new_hires": len(hires), "ramp_contacts": new_hire_ramp(rng, hires)}


def new_hire_ramp(rng: random.Random, hires: list[User]) -> int:
    """Make each hire's contacts in their first weeks slower and more often handed on, less so
    as the weeks pass."""
    changed = 0
    for hire in hires:
        if hire.started_on is None:
            continue
        start = timezone.make_aware(datetime.datetime.combine(hire.started_on, datetime.time()))
        length = rng.randint(*RAMP_WEEKS) * 7 * DAY
        rows = list(
            Interaction.objects.filter(
                agent=hire, started_at__gte=start, started_at__lt=start + length
            )
            .order_by("started_at", "pk")
            .only("pk", "started_at", "handle_seconds", "wrap_seconds", "transfers")
        )
        for row in rows:
            still = 1 - (row.started_at - start) / length  # 1 on the first day, 0 at the end
            slower = 1 + RAMP_SLOWER * still
            row.handle_seconds = round(row.handle_seconds * slower)
            row.wrap_seconds = round(row.wrap_seconds * slower)
            if rng.random() < RAMP_TRANSFERS * still:
                row.transfers = max(row.transfers, 1)
        Interaction.objects.bulk_update(
            rows, ["handle_seconds", "wrap_seconds", "transfers"], batch_size=1000
        )
        changed += len(rows)
    return changed


# Content -----------------------------------------------------------------------------------------


def content_load(*, author: User) -> dict[str, Module]:
    skills = {skill.name: skill for skill in Skill.objects.all()}
    for name in EXTRA_SKILLS:
        if name not in skills:
            skills[name] = Skill.objects.create(name=name)
    modules = {}
    for spec in MODULES:
        module = Module.objects.create(
            title=spec["title"],
            summary=spec["summary"],
            body=spec["body"],
            skill=skills[spec["skill"]],
            minutes=spec["minutes"],
            pass_mark=spec.get("pass_mark", 80),
            author=author,
        )
        for order, (text, explanation, choices) in enumerate(spec["questions"]):
            question = ModuleQuestion.objects.create(
                module=module, text=text, explanation=explanation, order=order
            )
            ModuleChoice.objects.bulk_create(
                ModuleChoice(question=question, text=choice, is_correct=correct, order=n)
                for n, (choice, correct) in enumerate(choices)
            )
        modules[spec["key"]] = module
    for name, role, description, steps in PATHS:
        path = LearningPath.objects.create(name=name, role=role, description=description)
        PathStep.objects.bulk_create(
            PathStep(path=path, module=modules[key], order=n, due_after_days=days)
            for n, (key, days) in enumerate(steps)
        )
    _gap_rules(modules)
    return modules


def _gap_rules(modules: dict[str, Module]) -> None:
    for name, source, measure, threshold, window, min_n, key, mode in GAP_RULES:
        GapRule.objects.create(
            name=name,
            source=source,
            kpi=Kpi.objects.get(key=measure) if source == "kpi" else None,
            qa_criterion=QaCriterion.objects.filter(text__startswith=measure).first()
            if source == "qa_criterion"
            else None,
            escalation_reason=EscalationReason.objects.filter(code=measure).first()
            if source == "preventable" and measure
            else None,
            threshold=None if threshold is None else Decimal(threshold),
            window_days=window,
            min_n=min_n,
            module=modules[key],
            mode=mode,
        )


def new_hires_set(rng: random.Random, reference_day: datetime.date) -> list[User]:
    """Give cohorts of front-line agents (and one supervisor) start dates in recent months."""
    gamers = gamers_find()
    keep = DEMO_LOGINS | {
        user.username for user in (gamers.begging, gamers.clustering, gamers.improbable) if user
    }
    month_start = reference_day.replace(day=1)
    candidates = [
        agent
        for agent in User.objects.filter(groups__name=Role.AGENT, team__queues__tier=1)
        .distinct()
        .order_by("username")
        if agent.username not in keep
        and (agent.started_on is None or agent.started_on < month_start - 200 * DAY)
    ]
    rng.shuffle(candidates)
    hires = []
    for months_ago, size in COHORTS:
        first = _months_before(month_start, months_ago)
        for agent in candidates[:size]:
            agent.started_on = first + rng.randint(0, 12) * DAY
            agent.save(update_fields=["started_on"])
            hires.append(agent)
        candidates = candidates[size:]
    lead = (
        User.objects.filter(groups__name=Role.SUPERVISOR, team__queues__tier=1)
        .exclude(username__in=DEMO_LOGINS)
        .order_by("username")
        .first()
    )
    if lead is not None:
        lead.started_on = _months_before(month_start, 3) + 9 * DAY
        lead.save(update_fields=["started_on"])
        hires.append(lead)
    return hires


def _months_before(first: datetime.date, months: int) -> datetime.date:
    year, month = divmod(first.year * 12 + first.month - 1 - months, 12)
    return datetime.date(year, month + 1, 1)
