"""Events from the phone switch. Each call is one Interaction (source "phone", external id = the
switch's call id), kept current as its events arrive, in any order and in any batch.

The call's figures are recomputed from all of its events each time one arrives, so an `answered`
that overtakes its `ringing` still gives the right wait, and a replayed event (its event id is
unique) changes nothing. Agents move to on_contact when they answer and to wrap_up when the call
ends (or when they hand it over); an agent first named on a call gets a screen pop.

A batch is written with a handful of queries: lookups are made once per batch and rows are
written in bulk inside one savepoint. Batches holding events of the same call take turns (an
advisory lock per call on PostgreSQL), so the later one recounts with the earlier one's events.
If the database still refuses the savepoint (another writer, e.g. a call-record import, stored
the same call or event id meanwhile), each event is tried again on its own savepoint, so one
event that cannot be stored never undoes the others.
"""

import json
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from rapport.access import selectors as access_selectors
from rapport.access.choices import Channel
from rapport.access.models import Queue, Touchpoint
from rapport.accounts import services as account_services
from rapport.accounts.choices import AgentState
from rapport.accounts.models import User
from rapport.core.errors import ApplicationError
from rapport.customers import services as customer_services
from rapport.customers.choices import ContactKind
from rapport.customers.models import ContactPoint
from rapport.customers.normalise import normalise_phone
from rapport.interactions import services, webhooks
from rapport.interactions.choices import CallEventKind, Direction, Outcome, Source
from rapport.interactions.models import CallEvent, Interaction, ScreenPop

MAX_EVENTS = 500
ID_MAX_LENGTH = 100
STATE_SOURCE = "telephony"
# Events at the same instant are taken in the order a call goes through them.
KIND_ORDER = {kind: rank for rank, kind in enumerate(CallEventKind.values)}
# Whose naming on these events means the agent is being offered the call: they get a screen pop.
OFFERING_KINDS = frozenset(
    {CallEventKind.RINGING, CallEventKind.ANSWERED, CallEventKind.TRANSFERRED}
)
TEXT_FIELDS = {
    # name: (required, max length)
    "event_id": (True, ID_MAX_LENGTH),
    "call_id": (True, ID_MAX_LENGTH),
    "kind": (True, 16),
    "occurred_at": (True, 64),
    "ani": (False, 255),
    "dnis": (False, 255),
    "queue": (False, 50),
    "agent": (False, 150),
}
# What a recount changes on an interaction that was stored before.
FOLDED_FIELDS = [
    "customer",
    "sender",
    "touchpoint",
    "queue",
    "agent",
    "outcome",
    "started_at",
    "answered_at",
    "ended_at",
    "wait_seconds",
    "handle_seconds",
    "hold_seconds",
    "transfers",
    "updated_at",
]
SMALLINT_MAX = 32767
CALL_LOCK_SPACE = 0x52_43_41_4C  # advisory-lock namespace of phone calls ("RCAL")


@dataclass(frozen=True)
class Rejection:
    index: int
    event_id: str
    code: str
    message: str


@dataclass
class BatchResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def add(self, other: "BatchResult") -> None:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.rejected.extend(other.rejected)


@dataclass(frozen=True)
class CallEventIn:
    """One event as the switch sent it, checked and with its time parsed."""

    index: int
    event_id: str
    call_id: str
    kind: str
    occurred_at: datetime
    ani: str
    dnis: str
    queue: str
    agent: str
    payload: dict
    payload_json: str


@dataclass(frozen=True)
class _Fact:
    """What the recount needs of one event: new in this batch (`event` set) or stored before."""

    kind: str
    at: datetime
    agent: str
    queue: str
    event: CallEventIn | None = None

    @property
    def order(self) -> tuple[datetime, int]:
        return (self.at, KIND_ORDER.get(self.kind, 0))


@transaction.atomic
def call_events_record(*, events: list[dict]) -> BatchResult:
    """Record a batch of phone-switch events (at most 500). Good events are stored even when
    others are rejected; an event id seen before is counted as a duplicate and changes nothing."""
    result = BatchResult()
    fresh: list[CallEventIn] = []
    seen: set[str] = set()
    for index, raw in enumerate(events[:MAX_EVENTS]):
        parsed = event_parse(index=index, raw=raw)
        if isinstance(parsed, Rejection):
            result.rejected.append(parsed)
        elif parsed.event_id in seen:
            result.duplicates += 1
        else:
            seen.add(parsed.event_id)
            fresh.append(parsed)
    for index in range(MAX_EVENTS, len(events)):
        result.rejected.append(
            Rejection(index, "", "too_many", f"A batch holds at most {MAX_EVENTS} events.")
        )
    fresh.sort(key=lambda e: (e.occurred_at, KIND_ORDER[e.kind], e.index))
    _store(fresh, result, _Parties(fresh))
    result.rejected.sort(key=lambda r: r.index)
    for rejection in result.rejected:
        received = events[rejection.index] if rejection.index < len(events) else None
        services.inbound_reject(
            channel=Channel.PHONE,
            reason=f"{rejection.code}: {rejection.message}",
            detail=json.dumps(received, default=str)[: services.REJECTED_DETAIL_LENGTH],
        )
    return result


def event_parse(*, index: int, raw: object) -> CallEventIn | Rejection:
    """Check one event's fields; a Rejection names every field that is wrong."""
    if not isinstance(raw, dict):
        return Rejection(index, "", "invalid", "An event must be a JSON object.")
    problems: list[str] = []
    values: dict[str, str] = {}
    for name, (required, max_length) in TEXT_FIELDS.items():
        value = raw.get(name)
        values[name] = ""
        if value is not None and not isinstance(value, str):
            problems.append(f"{name}: must be a string.")
            continue
        value = (value or "").strip()
        if required and not value:
            problems.append(f"{name}: required.")
        elif len(value) > max_length:
            problems.append(f"{name}: at most {max_length} characters.")
        values[name] = value
    kind = values["kind"]
    if kind and kind not in KIND_ORDER:
        problems.append(f"kind: '{kind[:20]}' is not one of {', '.join(CallEventKind.values)}.")
    occurred_at = _when(values["occurred_at"]) if values["occurred_at"] else None
    if values["occurred_at"] and occurred_at is None:
        problems.append("occurred_at: not an ISO-8601 date-time such as 2026-01-31T09:15:00Z.")
    # Kept as received, so it must be text the database can store.
    payload = json.dumps(raw, ensure_ascii=False)
    try:
        payload.encode()
    except UnicodeEncodeError:
        problems.append("The event holds text that is not valid Unicode.")
    if "\\u0000" in payload:
        problems.append("The event holds a NUL character.")
    event_id = values["event_id"] if len(values["event_id"]) <= ID_MAX_LENGTH else ""
    if problems or occurred_at is None:
        return Rejection(index, event_id, "invalid", " ".join(problems))
    return CallEventIn(
        index=index,
        event_id=event_id,
        call_id=values["call_id"],
        kind=kind,
        occurred_at=occurred_at,
        ani=values["ani"],
        dnis=values["dnis"],
        queue=values["queue"],
        agent=values["agent"],
        payload=raw,
        payload_json=payload,
    )


def _when(text: str) -> datetime | None:
    try:
        value = parse_datetime(text)
    except ValueError:
        return None
    if value is None:
        return None
    if timezone.is_naive(value):
        # As DRF reads a time without an offset: in the site's time zone.
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return value


def _store(events: list[CallEventIn], result: BatchResult, parties: "_Parties") -> None:
    if not events:
        return
    try:
        with transaction.atomic():
            written = _Batch(events, parties).write()
    except DatabaseError:
        _store_one_by_one(events, result, parties)
    else:
        result.add(written)


def _store_one_by_one(events: list[CallEventIn], result: BatchResult, parties: "_Parties") -> None:
    for event in events:
        try:
            with transaction.atomic():
                written = _Batch([event], parties).write()
        except DatabaseError:
            if CallEvent.objects.filter(event_id=event.event_id).exists():
                result.duplicates += 1
            else:
                result.rejected.append(
                    Rejection(
                        event.index,
                        event.event_id,
                        "not_stored",
                        "The event could not be stored alongside a concurrent change; send it again.",
                    )
                )
        else:
            result.add(written)


class _Batch:
    """One pass over events: look up once, recount each call, write in bulk."""

    def __init__(self, events: list[CallEventIn], parties: "_Parties"):
        self.events = events
        self.parties = parties

    def write(self) -> BatchResult:
        result = BatchResult()
        call_ids = sorted({e.call_id for e in self.events})
        _lock_calls(call_ids)
        # Checked under the calls' locks: a concurrent copy of an event has committed by now.
        stored = set(
            CallEvent.objects.filter(event_id__in=[e.event_id for e in self.events]).values_list(
                "event_id", flat=True
            )
        )
        events = [e for e in self.events if e.event_id not in stored]
        result.duplicates = len(self.events) - len(events)
        if not events:
            return result
        interactions = {
            i.external_id: i
            for i in Interaction.objects.select_for_update()
            .filter(source=Source.PHONE, external_id__in=call_ids)
            .only("external_id", "wrapped_up_at", *FOLDED_FIELDS)
            .order_by("id")
        }
        past: dict[str, list[_Fact]] = defaultdict(list)
        if interactions:
            for call_id, kind, at, agent, queue in (
                CallEvent.objects.filter(call_id__in=list(interactions))
                .annotate(agent=KT("payload__agent"), queue=KT("payload__queue"))
                .values_list("call_id", "kind", "occurred_at", "agent", "queue")
            ):
                past[call_id].append(_Fact(kind, at, _text(agent), _text(queue)))
        usernames = {e.agent for e in events if e.agent}
        usernames |= {f.agent for facts in past.values() for f in facts if f.agent}
        users = _agents(usernames)
        codes = {e.queue for e in events if e.queue}
        codes |= {f.queue for facts in past.values() for f in facts if f.queue}
        queues = _queues(codes)

        by_call: dict[str, list[CallEventIn]] = defaultdict(list)
        for event in events:
            rejection = _unknown(event, users, queues)
            if rejection is None:
                by_call[event.call_id].append(event)
            else:
                result.rejected.append(rejection)

        new_calls: list[Interaction] = []
        changed: list[Interaction] = []
        rows: list[tuple[str, CallEventIn]] = []
        pops: list[tuple[datetime, int, str]] = []
        moves: list[account_services.StateMove] = []
        now = timezone.now()
        for call_id in sorted(by_call):
            new_events = by_call[call_id]
            old = past.get(call_id, [])
            facts = sorted(
                [*old, *(_Fact(e.kind, e.occurred_at, e.agent, e.queue, e) for e in new_events)],
                key=lambda f: f.order,
            )
            interaction = interactions.get(call_id)
            if interaction is None:
                interaction = Interaction(
                    direction=Direction.INBOUND,
                    channel=Channel.PHONE,
                    source=Source.PHONE,
                    external_id=call_id,
                    started_at=facts[0].at,
                )
                new_calls.append(interaction)
            else:
                interaction.updated_at = now
                changed.append(interaction)
            self._fill_caller(interaction, facts)
            recount(interaction, facts, users=users, queues=queues)
            moves += _agent_moves(facts, interaction, users)
            offered = {f.agent for f in old if f.agent and f.kind in OFFERING_KINDS}
            for fact in facts:
                if fact.kind in OFFERING_KINDS and fact.agent and fact.agent not in offered:
                    offered.add(fact.agent)
                    if fact.event is not None:
                        pops.append((fact.at, users[fact.agent].pk, call_id))
            rows.extend((call_id, e) for e in new_events)

        created = {i.external_id: i for i in Interaction.objects.bulk_create(new_calls)}
        _save_recounted(changed)
        calls = {**interactions, **created}
        _insert_events([(calls[call_id].pk, e) for call_id, e in rows])
        if pops:
            ScreenPop.objects.bulk_create(
                ScreenPop(agent_id=agent_id, interaction=calls[call_id])
                for _, agent_id, call_id in sorted(pops)
            )
        account_services.agent_states_record(moves=moves, source=STATE_SOURCE)
        result.accepted = len(rows)
        return result

    def _fill_caller(self, interaction: Interaction, facts: list[_Fact]) -> None:
        """Who called and which number they dialled, from the first event that says so."""
        if not interaction.sender:
            ani = next((f.event.ani for f in facts if f.event and f.event.ani), "")
            if ani:
                number = self.parties.numbers.get(ani, "")
                interaction.sender = (number or ani)[:255]
                interaction.customer_id = self.parties.customers.get(number)
        if interaction.touchpoint_id is None:
            dnis = next((f.event.dnis for f in facts if f.event and f.event.dnis), "")
            touchpoint = self.parties.touchpoint(dnis) if dnis else None
            if touchpoint is not None:
                interaction.touchpoint = touchpoint
                if interaction.queue_id is None:
                    interaction.queue = touchpoint.queue


def _lock_calls(call_ids: list[str]) -> None:
    """Two batches with events of the same call take turns (PostgreSQL; SQLite writes one at a
    time anyway), so the second sees the call the first created instead of colliding with it.
    Locks are taken in key order, so batches never wait on each other in a circle."""
    if connection.vendor != "postgresql" or not call_ids:
        return
    keys = sorted({zlib.crc32(call_id.encode()) - 2**31 for call_id in call_ids})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, key) FROM unnest(%s::integer[]) AS key",
            [CALL_LOCK_SPACE, keys],
        )


def _agents(usernames: set[str]) -> dict[str, User]:
    if not usernames:
        return {}
    return {
        user.username: user
        for user in User.objects.filter(username__in=usernames).only("id", "username")
    }


def _queues(codes: set[str]) -> dict[str, Queue]:
    if not codes:
        return {}
    return {q.code: q for q in access_selectors.queues_all().filter(code__in=codes)}


def _unknown(
    event: CallEventIn, users: dict[str, User], queues: dict[str, Queue]
) -> Rejection | None:
    if event.agent and event.agent not in users:
        return Rejection(
            event.index,
            event.event_id,
            "unknown_agent",
            f"No user has the username '{event.agent}'. Add the agent in Rapport or correct "
            "the switch's agent name.",
        )
    if event.queue and event.queue not in queues:
        return Rejection(
            event.index,
            event.event_id,
            "unknown_queue",
            f"No queue has the code '{event.queue}'. Add it in Rapport or correct the "
            "switch's queue code.",
        )
    return None


class _Parties:
    """Who called and which of our numbers they dialled, looked up before any call is locked:
    each distinct ANI read as a number once, known numbers in one query (matched as
    customer_for_sender matches them), an unknown number made a prospect for review by
    customer_for_sender itself. A withheld or invalid number ("anonymous", "") has no customer."""

    def __init__(self, events: list[CallEventIn]):
        self.numbers = {ani: _phone(ani) for ani in {e.ani for e in events if e.ani}}
        self.customers: dict[str, int | None] = {}
        self.touchpoints: dict[str, Touchpoint | None] = {}
        wanted = {number for number in self.numbers.values() if number}
        if not wanted:
            return
        self.customers.update(
            ContactPoint.objects.filter(
                kind=ContactKind.PHONE, network="", normalised__in=wanted
            ).values_list("normalised", "customer_id")
        )
        for number in sorted(wanted - self.customers.keys()):  # in order: concurrent batches
            try:
                self.customers[number] = customer_services.customer_for_sender(
                    kind=ContactKind.PHONE, raw=number
                ).pk
            except ApplicationError:
                self.customers[number] = None

    def touchpoint(self, dnis: str) -> Touchpoint | None:
        if dnis not in self.touchpoints:
            self.touchpoints[dnis] = access_selectors.touchpoint_for(
                channel=Channel.PHONE, address=_phone(dnis) or dnis
            )
        return self.touchpoints[dnis]


def _insert_events(rows: list[tuple[int, CallEventIn]]) -> None:
    """The events as received, under their calls. COPY on PostgreSQL: bulk_create spends more
    on building the statement than the database spends on the rows."""
    if connection.vendor != "postgresql":
        CallEvent.objects.bulk_create(
            CallEvent(
                event_id=e.event_id,
                call_id=e.call_id,
                kind=e.kind,
                occurred_at=e.occurred_at,
                interaction_id=interaction_id,
                payload=e.payload,
            )
            for interaction_id, e in rows
        )
        return
    meta = CallEvent._meta
    columns = [
        "event_id",
        "call_id",
        "kind",
        "occurred_at",
        "interaction_id",
        "payload",
        "received_at",
    ]
    now = timezone.now()
    # Wrapped so that a duplicate id raises Django's IntegrityError, as bulk_create would.
    copy_sql = f"COPY {meta.db_table} ({', '.join(columns)}) FROM STDIN"
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.copy(copy_sql) as copy,
    ):
        for interaction_id, e in rows:
            copy.write_row(
                [
                    e.event_id,
                    e.call_id,
                    e.kind,
                    e.occurred_at,
                    interaction_id,
                    e.payload_json,
                    now,
                ]
            )


def _save_recounted(interactions: list[Interaction]) -> None:
    """One UPDATE per recounted call, sent together (a pipeline on PostgreSQL). Django's
    bulk_update writes a CASE per field and row, which costs more than the rest of a batch."""
    if not interactions:
        return
    meta = Interaction._meta
    fields = [f for f in meta.concrete_fields if f.name in FOLDED_FIELDS]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column or f.attname)} = %s" for f in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE id = %s"  # noqa: S608 - names from the model
    params = [
        [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields] + [row.pk]
        for row in interactions
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def recount(
    interaction: Interaction,
    facts: list[_Fact],
    *,
    users: dict[str, User],
    queues: dict[str, Queue],
) -> None:
    """Set a call's times and figures from all its events, sorted by time.

    wait = answered − first event (or ended − first event when nobody answered); hold = the held
    spans (a hold still open at the end counts until the end); handle = ended − answered, hold
    included, as the call-record import counts it (so AHT = handle + wrap). A figure the events
    say nothing about keeps the value it had (e.g. from a call-record import)."""
    first = facts[0].at
    if interaction.started_at is None or first < interaction.started_at:
        interaction.started_at = first
    answered = next((f.at for f in facts if f.kind == CallEventKind.ANSWERED), None)
    ended = next((f.at for f in facts if f.kind == CallEventKind.ENDED), None)
    if answered is not None:
        interaction.answered_at = answered
    if ended is not None:
        interaction.ended_at = ended
    held = _held(facts)
    if held is not None:
        interaction.hold_seconds = _seconds(held)
    transfers = sum(1 for f in facts if f.kind == CallEventKind.TRANSFERRED)
    if transfers:
        interaction.transfers = min(transfers, SMALLINT_MAX)
    agent = next((f.agent for f in reversed(facts) if f.agent in users), "")
    if agent:
        interaction.agent = users[agent]
    queue = next((f.queue for f in reversed(facts) if f.queue in queues), "")
    if queue:
        interaction.queue = queues[queue]

    start = interaction.started_at
    if interaction.answered_at is not None:
        interaction.wait_seconds = _seconds(interaction.answered_at - start)
        if interaction.outcome == Outcome.ABANDONED and interaction.wrapped_up_at is None:
            interaction.outcome = Outcome.OPEN  # the `answered` came after the `ended`
    elif interaction.ended_at is not None:
        interaction.wait_seconds = _seconds(interaction.ended_at - start)
        if not interaction.outcome:
            interaction.outcome = Outcome.ABANDONED
    if interaction.answered_at is not None and interaction.ended_at is not None:
        interaction.handle_seconds = _seconds(interaction.ended_at - interaction.answered_at)


def _held(facts: list[_Fact]) -> timedelta | None:
    """The time on hold, or None when no event put the call on hold."""
    if not any(f.kind == CallEventKind.HELD for f in facts):
        return None
    total = timedelta()
    since: datetime | None = None
    for fact in facts:
        if fact.kind == CallEventKind.HELD and since is None:
            since = fact.at
        elif fact.kind in (CallEventKind.RESUMED, CallEventKind.ENDED) and since is not None:
            total += fact.at - since
            since = None
        if fact.kind == CallEventKind.ENDED:
            break
    return total


def _agent_moves(
    facts: list[_Fact], interaction: Interaction, users: dict[str, User]
) -> list[account_services.StateMove]:
    """The state changes the events new in this batch mean: answering puts the agent on contact;
    handing the call over, or its end, puts the agent who had it into wrap-up."""
    moves: list[account_services.StateMove] = []
    current: int | None = None
    for fact in facts:
        named = users[fact.agent].pk if fact.agent in users else None
        new = fact.event is not None
        if fact.kind == CallEventKind.RINGING:
            current = named or current
        elif fact.kind == CallEventKind.ANSWERED:
            current = named or current or interaction.agent_id
            if new and current is not None:
                moves.append(account_services.StateMove(current, AgentState.ON_CONTACT, fact.at))
        elif fact.kind == CallEventKind.TRANSFERRED and named is not None:
            if new and current is not None and current != named:
                moves.append(account_services.StateMove(current, AgentState.WRAP_UP, fact.at))
            current = named
            if new:
                moves.append(account_services.StateMove(named, AgentState.ON_CONTACT, fact.at))
        elif fact.kind == CallEventKind.ENDED:
            current = named or current or interaction.agent_id
            if new and current is not None:
                moves.append(account_services.StateMove(current, AgentState.WRAP_UP, fact.at))
    return moves


def _seconds(value: timedelta) -> int:
    """Whole seconds, rounded down as the call-record import does."""
    return max(0, value // timedelta(seconds=1))


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _phone(raw: str) -> str:
    """E.164, or "" for what is not a valid number ("anonymous", "unknown", a short code)."""
    try:
        return normalise_phone(raw, region=settings.RAPPORT_DEFAULT_REGION)
    except ApplicationError:
        return ""


def call_events_deliver(*, delivery_id: str, events: list[dict]) -> BatchResult | None:
    """Record a signed batch from the switch once. None: this delivery was recorded before."""
    with transaction.atomic():
        if not webhooks.delivery_claim(channel=Channel.PHONE, delivery_id=delivery_id):
            return None
        return call_events_record(events=events)
