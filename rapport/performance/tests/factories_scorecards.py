"""Contacts, QA evaluations and people with known answers, for the wall and scorecard tests.

The figures are built from the ledger and rolled up the way production does (rollup_day), so a
test reads the numbers a person would see.
"""

import datetime
from types import SimpleNamespace

from django.utils import timezone

from rapport.access.tests.factories import ContactTypeFactory
from rapport.accounts.models import User
from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.core.roles import Role
from rapport.interactions.models import Interaction
from rapport.interactions.tests.factories import InteractionFactory
from rapport.performance.models import Evaluation, EvaluationAnswer, QaForm
from rapport.performance.rollups import rollup_day

# A Wednesday: its week runs Monday 4 to Sunday 10 March 2024.
DAY = datetime.date(2024, 3, 6)
WEEK_BEFORE = DAY - datetime.timedelta(days=7)


def at(day: datetime.date, minutes: int = 0) -> datetime.datetime:
    """A moment of the center's local day, `minutes` after 09:00."""
    start = datetime.datetime.combine(day, datetime.time(9), tzinfo=timezone.get_default_timezone())
    return start + datetime.timedelta(minutes=minutes)


def handled_contacts(
    *,
    agent: User,
    count: int,
    repeated: int,
    day: datetime.date = DAY,
    channel: str = "phone",
    handle_seconds: tuple[int, ...] = (300, 420),
    wrap_seconds: int = 60,
) -> list[Interaction]:
    """`count` inbound contacts the agent resolved on `day`, each from another customer for the
    same reason, answered after 10 s; the first `repeated` customers came back the next day for
    the same reason (a contact nobody handled), so they are not first-contact resolutions.

    Handle seconds cycle through `handle_seconds`, so the handle time has a spread.
    """
    reason = ContactTypeFactory()
    made = []
    for number in range(count):
        started = at(day, number)
        contact: Interaction = InteractionFactory.create(
            agent=agent,
            channel=channel,
            contact_type=reason,
            outcome="resolved",
            started_at=started,
            answered_at=started + datetime.timedelta(seconds=10),
            ended_at=started + datetime.timedelta(minutes=5),
            wait_seconds=10,
            handle_seconds=handle_seconds[number % len(handle_seconds)],
            wrap_seconds=wrap_seconds,
        )
        made.append(contact)
        if number < repeated:
            InteractionFactory(
                customer=contact.customer,
                agent=None,
                channel=channel,
                contact_type=reason,
                started_at=at(day + datetime.timedelta(days=1), number),
            )
    return made


def evaluations(
    *, agent: User, contacts: list[Interaction], empathy_met: int, scores: tuple[int, ...]
) -> list[Evaluation]:
    """A submitted evaluation of each contact on the standard form, submitted on the contact's
    day: every criterion met except empathy, met only in the first `empathy_met` evaluations.
    Scores cycle through `scores`."""
    form = QaForm.objects.get(name="Standard contact review")
    criteria = list(form.criteria.all())
    made = []
    for number, contact in enumerate(contacts):
        evaluation = Evaluation.objects.create(
            form=form,
            interaction=contact,
            agent=agent,
            status="submitted",
            score=scores[number % len(scores)],
            submitted_at=contact.started_at + datetime.timedelta(hours=4),
        )
        EvaluationAnswer.objects.bulk_create(
            EvaluationAnswer(
                evaluation=evaluation,
                criterion=criterion,
                answer="not_met"
                if criterion.category == "empathy" and number >= empathy_met
                else "met",
            )
            for criterion in criteria
        )
        made.append(evaluation)
    return made


def people() -> SimpleNamespace:
    """Blue, led by `lead`, with agents created out of name order (Cy Young, Bob Baker, Ann
    Able); Red, led by `red_lead`, with Rory Redmond; and one user of every other role, in no
    team. `ann` is the agent role's user."""
    lead = UserFactory(roles=[Role.SUPERVISOR], first_name="Lea", last_name="Lead")
    blue = TeamFactory(name="Blue", supervisor=lead)
    cy = UserFactory(roles=[Role.AGENT], team=blue, first_name="Cy", last_name="Young")
    bob = UserFactory(roles=[Role.AGENT], team=blue, first_name="Bob", last_name="Baker")
    ann = UserFactory(roles=[Role.AGENT], team=blue, first_name="Ann", last_name="Able")
    red_lead = UserFactory(roles=[Role.SUPERVISOR], first_name="Rita", last_name="Lead")
    red = TeamFactory(name="Red", supervisor=red_lead)
    rory = UserFactory(roles=[Role.AGENT], team=red, first_name="Rory", last_name="Redmond")
    others = {
        role: UserFactory(roles=[role])
        for role in (Role.TRAINER, Role.QA_ANALYST, Role.MARKETER, Role.EXECUTIVE, Role.ADMIN)
    }
    return SimpleNamespace(
        lead=lead,
        blue=blue,
        ann=ann,
        bob=bob,
        cy=cy,
        red_lead=red_lead,
        red=red,
        rory=rory,
        by_role={Role.AGENT: ann, Role.SUPERVISOR: lead, **others},
    )


def figures() -> SimpleNamespace:
    """`people()` with contacts rolled up for DAY and the week before.

    DAY: Ann 40 handled, 10 repeated (FCR 75 %); Bob 40, 8 repeated (80 %); Cy 10, none repeated
    (too few); Rory 40, 20 repeated (50 %). Blue: 72 of 90 (80 %); the center: 92 of 130.
    The week before: Ann 40, 20 repeated (50 %), with the same handle times as on DAY.
    Ann's first 30 contacts of DAY are QA-evaluated: empathy met in 24, scores 80 and 90.
    """
    world = people()
    ann_contacts = handled_contacts(agent=world.ann, count=40, repeated=10)
    handled_contacts(agent=world.bob, count=40, repeated=8)
    handled_contacts(agent=world.cy, count=10, repeated=0)
    handled_contacts(agent=world.rory, count=40, repeated=20)
    handled_contacts(agent=world.ann, count=40, repeated=20, day=WEEK_BEFORE)
    evaluations(agent=world.ann, contacts=ann_contacts[:30], empathy_met=24, scores=(80, 90))
    rollup_day(DAY)
    rollup_day(WEEK_BEFORE)
    world.ann_contacts = ann_contacts
    return world
