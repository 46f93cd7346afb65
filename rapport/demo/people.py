"""The people side of the demo center: QA evaluations, a calibration, disputes, agreed goals,
kudos and the compliments customers paid.

Written straight to the tables, like the rest of the demo load (the services would audit every
row as if a person had just done it). Scores come from the same scoring function the QA pages use.
"""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from rapport.accounts.models import Team, User
from rapport.core.roles import Role
from rapport.customers.choices import HoldingStatus
from rapport.customers.models import Holding, Product
from rapport.interactions.models import Interaction
from rapport.performance import catalog as performance_catalog
from rapport.performance.choices import (
    Answer,
    DisputeStatus,
    EvaluationStatus,
    GoalStatus,
    KudosKind,
)
from rapport.performance.models import (
    CalibrationSession,
    Dispute,
    Evaluation,
    EvaluationAnswer,
    Goal,
    GoalEvent,
    Kpi,
    Kudos,
    QaForm,
)
from rapport.performance.selectors import goals as goal_selectors
from rapport.performance.selectors.qa import Marked, score_of

EVALUATIONS_PER_AGENT = 10
KUDOS = [
    "Thanks for taking that escalated call off my hands — the customer left happy.",
    "Your notes on the billing case saved me twenty minutes. Thank you!",
    "Great patience with a very upset caller this morning.",
    "You stayed late to clear the e-mail queue. The whole team noticed.",
    "Lovely save on that cancel request — calm, honest and kind.",
    "Thanks for showing me the payment-arrangement steps; I've got it now.",
    "Spotted the duplicate charge before the customer even asked. Sharp!",
    "Your chat tone is a model for the rest of us.",
]
CHECK_IN_NOTES = [
    "Talked through two repeat contacts; agreed to confirm the fix before closing.",
    "Good progress. Keep summarising next steps at the end of each call.",
    "On track. The knowledge article on card replacement helped.",
]


def _at(day: date, hour: int = 15) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_default_timezone())


def people_side_load(*, rng: random.Random, reference_day: date) -> None:
    performance_catalog.defaults_ensure()  # the registry and the QA form used below
    _center_targets()
    form = QaForm.objects.get(name="Standard contact review")
    criteria = list(form.criteria.order_by("order"))
    analyst = User.objects.get(username="qa_analyst")
    agents = list(
        User.objects.filter(groups__name=Role.AGENT, team__isnull=False).select_related("team")
    )
    _offer_uptake(rng, reference_day)
    _cancellations(rng, reference_day)
    evaluations = _evaluations(rng, form, criteria, analyst, agents, reference_day)
    _disputes(evaluations, reference_day)
    _calibration(rng, form, criteria, analyst, reference_day)
    _goals(rng, reference_day)
    _kudos(rng, agents, reference_day)


# The demo center's own targets where its settled agents can reach them; the registry ships
# benchmark values (phone handle time 360 s, FCR 75 %) this center is still working towards.
CENTER_TARGETS = {"aht_phone": Decimal("480"), "fcr": Decimal("72")}


def _center_targets() -> None:
    for key, target in CENTER_TARGETS.items():
        Kpi.objects.filter(key=key).update(target=target)


def _offer_uptake(rng: random.Random, reference_day: date) -> None:
    """Customers who accepted an offer take the product up within two weeks (revenue influenced)."""
    products = list(Product.objects.filter(active=True))
    accepted = Interaction.objects.filter(offer_accepted=True, customer__isnull=False).values_list(
        "customer_id", "started_at"
    )
    holdings = []
    for customer_id, started_at in accepted.iterator():
        since = timezone.localtime(started_at).date() + timedelta(days=rng.randint(0, 14))
        product = rng.choice(products)
        holdings.append(
            Holding(
                customer_id=customer_id,
                product=product,
                since=min(since, reference_day),
                value=product.monthly_price * 12,
            )
        )
    bulk_create_with_history(holdings, Holding, batch_size=2000)


def _cancellations(rng: random.Random, reference_day: date) -> None:
    """Not every customer who asks to cancel is kept: about four in ten end their products within
    six weeks (customers saved)."""
    asked = Interaction.objects.filter(
        contact_type__churn_intent=True, agent__isnull=False, customer__isnull=False
    ).values_list("customer_id", "started_at")
    leaving: dict[int, date] = {}
    for customer_id, started_at in asked.iterator():
        if customer_id not in leaving and rng.random() < 0.4:
            day = timezone.localtime(started_at).date() + timedelta(days=rng.randint(3, 42))
            leaving[customer_id] = min(day, reference_day)
    ended = []
    for holding in Holding.objects.filter(customer_id__in=leaving, ended_on__isnull=True):
        holding.ended_on = max(leaving[holding.customer_id], holding.since)
        holding.status = HoldingStatus.CANCELLED
        ended.append(holding)
    Holding.objects.bulk_update(ended, ["ended_on", "status"], batch_size=2000)


def _answers(rng: random.Random, criteria, skill: float) -> list[tuple]:
    answers = []
    for criterion in criteria:
        chance = 0.985 if criterion.auto_fail else skill
        if criterion.category == "relationship" and rng.random() < 0.15:
            answers.append((criterion, Answer.NOT_APPLICABLE))
        else:
            answers.append((criterion, Answer.MET if rng.random() < chance else Answer.NOT_MET))
    return answers


def _evaluation(form, interaction, evaluator, answers, *, calibration=None) -> Evaluation:
    scored = score_of(Marked(c.weight, c.auto_fail, answer) for c, answer in answers)
    submitted = interaction.started_at + timedelta(days=2)
    evaluation = Evaluation.objects.create(
        form=form,
        interaction=interaction,
        agent_id=interaction.agent_id,
        evaluator=evaluator,
        calibration=calibration,
        status=EvaluationStatus.SUBMITTED,
        score=scored.score,
        auto_failed=scored.auto_failed,
        submitted_at=submitted,
    )
    EvaluationAnswer.objects.bulk_create(
        EvaluationAnswer(evaluation=evaluation, criterion=criterion, answer=answer)
        for criterion, answer in answers
    )
    return evaluation


def _evaluations(rng, form, criteria, analyst, agents, reference_day) -> list[Evaluation]:
    made = []
    cutoff = _at(reference_day - timedelta(days=3))
    for agent in agents:
        skill = rng.uniform(0.7, 0.96)
        ids = list(
            Interaction.objects.filter(
                agent=agent, answered_at__isnull=False, started_at__lt=cutoff
            )
            .order_by()
            .values_list("id", flat=True)
        )
        if not ids:
            continue
        lead = agent.team.supervisor if agent.team else None
        evaluator = analyst if rng.random() < 0.7 or lead is None else lead
        for interaction in Interaction.objects.filter(
            pk__in=rng.sample(ids, min(EVALUATIONS_PER_AGENT, len(ids)))
        ):
            made.append(_evaluation(form, interaction, evaluator, _answers(rng, criteria, skill)))
    return made


def _disputes(evaluations: list[Evaluation], reference_day: date) -> None:
    """Alex Agent disputes the lowest recent score (still open); an older one was rejected."""
    alex = [e for e in evaluations if e.agent.username == "agent"]
    alex.sort(key=lambda e: (e.score or Decimal(0), e.submitted_at))
    if len(alex) < 2:
        return
    Dispute.objects.create(
        evaluation=alex[0],
        raised_by=alex[0].agent,
        reason="The customer had already verified in the IVR, so I did not ask again.",
    )
    team = alex[1].agent.team
    supervisor = team.supervisor if team else None
    Dispute.objects.create(
        evaluation=alex[1],
        raised_by=alex[1].agent,
        reason="I did offer the upgrade, at the end of the call.",
        status=DisputeStatus.REJECTED,
        decided_by=supervisor,
        decision_note="Listened again: the offer came after the customer had hung up.",
        decided_at=_at(reference_day - timedelta(days=5)),
    )


def _calibration(rng, form, criteria, analyst, reference_day) -> None:
    supervisors = list(User.objects.filter(groups__name=Role.SUPERVISOR).order_by("username")[:2])
    interaction = (
        Interaction.objects.filter(channel="phone", answered_at__isnull=False, agent__isnull=False)
        .order_by("-started_at")
        .first()
    )
    if interaction is None:
        return
    session = CalibrationSession.objects.create(
        title="October calibration: a billing call",
        form=form,
        interaction=interaction,
        created_by=analyst,
    )
    session.evaluators.set([analyst, *supervisors])
    shared = _answers(rng, criteria, 0.85)
    for evaluator in [analyst, *supervisors]:
        # Mostly the same reading of the call, with a few honest differences.
        answers = [
            (c, a if rng.random() < 0.85 else (Answer.NOT_MET if a == Answer.MET else Answer.MET))
            for c, a in shared
        ]
        _evaluation(form, interaction, evaluator, answers, calibration=session)


def _goals(rng, reference_day: date) -> None:
    northside = Team.objects.get(name="Northside")
    lead = northside.supervisor
    kpis = {kpi.key: kpi for kpi in Kpi.objects.all()}
    start = reference_day - timedelta(days=60)
    members = list(
        User.objects.filter(team=northside, groups__name=Role.AGENT).order_by("username")
    )
    plans = [
        ("fcr", Decimal("72")),
        ("aht_phone", Decimal("420")),
        ("relationship_attempts", Decimal("55")),
    ]
    for index, agent in enumerate(members):
        key, target = plans[index % len(plans)]
        goal = Goal.objects.create(
            agent=agent,
            kpi=kpis[key],
            target=target,
            starts_on=start,
            ends_on=reference_day + timedelta(days=60),
            checkin_every_days=14,
            next_checkin_on=reference_day + timedelta(days=4),
            proposed_by=lead,
            supervisor=lead,
            supervisor_agreed_at=_at(start - timedelta(days=3)),
            agent_agreed_at=_at(start - timedelta(days=2)),
            status=GoalStatus.AGREED,
            note="Agreed at the quarterly one-to-one.",
        )
        for actor, kind, before in (
            (lead, goal_selectors.PROPOSED, 3),
            (agent, goal_selectors.AGREED, 2),
        ):
            event = GoalEvent.objects.create(goal=goal, actor=actor, kind=kind)
            GoalEvent.objects.filter(pk=event.pk).update(
                created_at=_at(start - timedelta(days=before))
            )
        for _ in range(3):
            GoalEvent.objects.create(
                goal=goal,
                actor=lead,
                kind=goal_selectors.CHECKED_IN,
                note=rng.choice(CHECK_IN_NOTES),
            )
        if agent.username == "agent":
            # Alex also proposed a goal of his own, which waits for the supervisor.
            waiting = Goal.objects.create(
                agent=agent,
                kpi=kpis["aht_phone"],
                target=Decimal("400"),
                starts_on=reference_day + timedelta(days=30),
                ends_on=reference_day + timedelta(days=120),
                checkin_every_days=14,
                proposed_by=agent,
                agent_agreed_at=_at(reference_day),
                status=GoalStatus.PROPOSED,
                note="I want to bring my call time down without rushing customers.",
            )
            GoalEvent.objects.create(goal=waiting, actor=agent, kind=goal_selectors.PROPOSED)


def _kudos(rng, agents: list[User], reference_day: date) -> None:
    compliments = Interaction.objects.filter(
        compliment_received=True, agent__isnull=False
    ).values_list("id", "agent_id", "channel")
    Kudos.objects.bulk_create(
        (
            Kudos(
                agent_id=agent_id,
                kind=KudosKind.COMPLIMENT,
                interaction_id=interaction_id,
                message=f"A customer paid a compliment on a {channel} contact.",
            )
            for interaction_id, agent_id, channel in compliments.iterator()
        ),
        batch_size=2000,
    )
    # Credited when the customer said it, not when the demo was loaded.
    Kudos.objects.filter(kind=KudosKind.COMPLIMENT).update(
        created_at=Subquery(
            Interaction.objects.filter(pk=OuterRef("interaction_id")).values("started_at")[:1]
        )
    )
    by_team: dict[int | None, list[User]] = {}
    for agent in agents:
        by_team.setdefault(agent.team_id, []).append(agent)
    for _ in range(150):
        agent = rng.choice(agents)
        peers = [p for p in by_team[agent.team_id] if p.pk != agent.pk]
        giver = rng.choice([*peers, agent.team.supervisor]) if peers else agent.team.supervisor
        Kudos.objects.create(agent=agent, given_by=giver, message=rng.choice(KUDOS))


def goal_figures_fill() -> None:
    """Baselines and check-in values from the rolled-up figures, as the services record them
    (run once the rollups exist)."""
    for goal in Goal.objects.select_related("agent", "kpi"):
        goal.baseline = goal_selectors.baseline_for(
            agent=goal.agent, kpi=goal.kpi, starts_on=goal.starts_on
        )
        goal.save(update_fields=["baseline"])
        checkins = goal.events.filter(kind=goal_selectors.CHECKED_IN).order_by("id")
        for number, event in enumerate(checkins, start=1):
            day = goal.starts_on + timedelta(days=goal.checkin_every_days * number)
            value = goal_selectors.agent_kpi_value(
                agent=goal.agent, kpi=goal.kpi, start=goal.starts_on, end=day
            )
            GoalEvent.objects.filter(pk=event.pk).update(
                value=goal_selectors.as_decimal(value.estimate.value), created_at=_at(day)
            )
