"""The ledger as the demo's voice-of-the-customer stages read it: every contact once, with the
customer's words, escalations and teams; and the agents who game their surveys."""

import datetime
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

from django.db import connection, models
from django.utils import timezone

from rapport.access.models import Queue
from rapport.accounts.models import Team, User
from rapport.cases.models import Escalation
from rapport.core.roles import Role
from rapport.insights.text import TextScore
from rapport.interactions.choices import Side
from rapport.interactions.models import Interaction, Message

# The team of each kind of gaming agent (see rapport/demo/voice.py).
GAMING_TEAMS = {"begging": "Northside", "clustering": "Harbour", "improbable": "Riverside"}
# Demo logins show the product as an honest agent sees it: they never game.
HONEST_LOGINS = frozenset({"agent", "agent2"})


class Contact(NamedTuple):
    """One contact as the voice-of-the-customer stage reads it from the ledger."""

    id: int
    customer_id: int | None
    agent_id: int | None
    queue_id: int | None
    channel: str
    direction: str
    contact_type_id: int | None
    outcome: str
    started_at: datetime.datetime
    answered_at: datetime.datetime | None
    ended_at: datetime.datetime | None
    wrapped_up_at: datetime.datetime | None
    handle_seconds: int
    wait_seconds: int
    transfers: int
    compliment_received: bool | None
    day: datetime.date  # the local day it started


CONTACT_FIELDS = Contact._fields[:-1]
TIMES = frozenset({"started_at", "answered_at", "ended_at", "wrapped_up_at"})


@dataclass
class Ledger:
    """What the stage needs of the ledger, read once."""

    contacts: list[Contact]  # by start, then id
    texts: dict[int, str]  # the customer's words per contact
    escalated: set[int]  # contacts a case was escalated from
    agent_spoke: set[int]  # contacts without an agent where one of ours wrote anyway
    team_of_agent: dict[int, int]
    team_of_queue: dict[int, int]
    scores: dict[int, TextScore] = field(default_factory=dict)  # filled by signals_load
    previous_inbound: dict[int, Contact] = field(default_factory=dict)

    def team_of(self, contact: Contact) -> int | None:
        if contact.agent_id is not None and contact.agent_id in self.team_of_agent:
            return self.team_of_agent[contact.agent_id]
        return self.team_of_queue.get(contact.queue_id) if contact.queue_id else None


@dataclass(frozen=True)
class Gamers:
    begging: User | None
    clustering: User | None
    improbable: User | None

    def ids(self) -> dict[str, int]:
        return {kind: user.pk for kind, user in self.__dict__.items() if user is not None}


def gamers_find() -> Gamers:
    """The demo's gaming agents: the first agent by user name in each gaming team."""
    found: dict[str, User | None] = {}
    for kind, team in GAMING_TEAMS.items():
        found[kind] = (
            User.objects.filter(team__name=team, groups__name=Role.AGENT)
            .exclude(username__in=HONEST_LOGINS)
            .order_by("username")
            .first()
        )
    return Gamers(**found)


# --- The ledger -------------------------------------------------------------------------------


def ledger_read() -> Ledger:
    contacts = _contacts_read()
    words: dict[int, list[str]] = {}
    said = Message.objects.filter(side=Side.CUSTOMER, is_note=False).order_by(
        "interaction_id", "sent_at", "id"
    )
    for interaction_id, body in said.values_list("interaction_id", "body_text").iterator(
        chunk_size=10_000
    ):
        if body and body.strip():
            words.setdefault(interaction_id, []).append(body)
    agent_spoke = set(
        Message.objects.filter(
            side=Side.AGENT, is_note=False, interaction__agent__isnull=True
        ).values_list("interaction_id", flat=True)
    )
    teams = Team.objects.values_list("pk", flat=True)
    ledger = Ledger(
        contacts=contacts,
        texts={key: "\n".join(bodies) for key, bodies in words.items()},
        escalated=set(
            Escalation.objects.filter(interaction__isnull=False).values_list(
                "interaction_id", flat=True
            )
        ),
        agent_spoke=agent_spoke,
        team_of_agent=dict(User.objects.filter(team__in=teams).values_list("pk", "team_id")),
        team_of_queue=_queue_teams(),
    )
    ledger.previous_inbound = _previous_inbound(contacts)
    return ledger


def _contacts_read() -> list[Contact]:
    """Every contact, by start. A plain query: at a hundred thousand rows the ORM's per-value
    converters cost more than the rest of this stage's reading."""
    opts = Interaction._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(name)) for name in CONTACT_FIELDS)
    times = [index for index, name in enumerate(CONTACT_FIELDS) if name in TIMES]
    zone = timezone.get_current_timezone()
    contacts = []
    with connection.cursor() as cursor:
        # Only names from the model go into the statement.
        cursor.execute(
            f"SELECT {columns} FROM {quote(opts.db_table)} "  # noqa: S608
            f"ORDER BY {quote('started_at')}, {quote('id')}"
        )
        for row in cursor.fetchall():
            values = list(row)
            for index in times:
                values[index] = _aware(values[index])
            values[-2] = bool(values[-2]) if values[-2] is not None else None
            values.append(values[8].astimezone(zone).date())
            contacts.append(Contact._make(values))
    return contacts


def _column(name: str) -> str:
    column = cast(models.Field, Interaction._meta.get_field(name)).column
    assert column is not None
    return column


def _aware(value: datetime.datetime | str | None) -> datetime.datetime | None:
    """SQLite hands date-times back naive (stored in UTC) or as text; PostgreSQL aware."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=datetime.UTC)


def _queue_teams() -> dict[int, int]:
    return dict(Queue.objects.filter(team__isnull=False).values_list("pk", "team_id"))


def _previous_inbound(contacts: list[Contact]) -> dict[int, Contact]:
    """Each inbound contact's previous inbound contact from the same customer."""
    last: dict[int, Contact] = {}
    previous = {}
    for contact in contacts:
        if contact.customer_id is None or contact.direction != "inbound":
            continue
        if contact.customer_id in last:
            previous[contact.id] = last[contact.customer_id]
        last[contact.customer_id] = contact
    return previous


def local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment)


def handled_at(contact: Contact) -> datetime.datetime:
    """When the contact was over for the customer: wrapped up, ended, or started."""
    return contact.wrapped_up_at or contact.ended_at or contact.started_at


def weighted_pick(rng: random.Random, options: Sequence[tuple[Any, float]]) -> Any:
    total = sum(weight for _, weight in options)
    point = rng.random() * total
    for value, weight in options:
        point -= weight
        if point < 0:
            return value
    return options[-1][0]
