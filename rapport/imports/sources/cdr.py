"""Call-detail records from the phone switch, through import jobs. The rows are checked and written
by the ledger's own call-record import (rapport.interactions.call_records): the same rules, the
same phone interactions with external_id = call id, so a call the ledger already holds is a
duplicate that changes nothing (counted unchanged), however it got there. The switch's columns
are its HEADER; times may also be written in the job's date order, and the agent column may hold
the switch's agent id (ExternalAccount "phone"), a username or an e-mail address.

Below the source: lookups the center's other sources share (people named by another system,
calls named by the switch's id or the contact's number) and `keyed_plan`/`keyed_write`, which
compare rows keyed by (source, external_id) with what is stored and write the difference.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from rapport.access.models import Queue
from rapport.accounts.models import ExternalAccount, User
from rapport.imports import values
from rapport.imports.models import ImportJob
from rapport.imports.sources import register
from rapport.imports.sources.base import Context, Field, Line, Outcome, RowError, Source
from rapport.interactions import call_records
from rapport.interactions.choices import Source as LedgerSource
from rapport.interactions.models import Interaction
from rapport.interactions.signals import ledger_changed

SAMPLES = 10
TIME_COLUMNS = ("started_at", "answered_at", "ended_at")
DIRECTION_WORDS = {
    "in": "inbound",
    "incoming": "inbound",
    "inbound": "inbound",
    "out": "outbound",
    "outgoing": "outbound",
    "outbound": "outbound",
}


def note(outcome: Outcome, text: str) -> None:
    if len(outcome.samples) < SAMPLES:
        outcome.samples.append(text)


def number(text: str | None, name: str) -> Decimal | None:
    """values.parse_decimal, with a number too large to keep to two places ('1e30') refused
    as a bad cell rather than failing the batch."""
    try:
        return values.parse_decimal(text, name)
    except InvalidOperation:
        raise RowError(f"{name} is too large: {values.quoted((text or '').strip())}") from None


# --- People and calls named by other systems ---------------------------------------------------


def people_named(ctx: Context, names: Iterable[str], *, source: str) -> dict[str, int]:
    """User ids for the ways another system names people: its own id for them (ExternalAccount
    under `source`), else a Rapport username, else an e-mail address that belongs to exactly one
    user. Each name is looked up once per run; unknown names are absent from the answer."""
    names = set(names)
    known: dict[str, int | None] = ctx.cache.setdefault(f"people:{source}", {})
    wanted = {name for name in names if name and name not in known and "\x00" not in name}
    if wanted:
        known.update(dict.fromkeys(wanted))
        known.update(
            ExternalAccount.objects.filter(source=source, external_id__in=wanted).values_list(
                "external_id", "user_id"
            )
        )
        known.update(_users_by_login({name for name in wanted if known[name] is None}))
    return {name: user for name in names if (user := known.get(name)) is not None}


def _users_by_login(names: set[str]) -> dict[str, int]:
    """Users by username (as written, else the one whose username differs only in case), else
    by the e-mail address only one user has."""
    lowered: dict[str, set[str]] = {}
    for name in names:
        lowered.setdefault(name.lower(), set()).add(name)
    rows = (
        User.objects.annotate(login=Lower("username"), address=Lower("email"))
        .filter(Q(login__in=lowered) | Q(address__in=lowered))
        .values_list("username", "login", "address", "id")
    )
    exact: dict[str, int] = {}
    by_login: dict[str, list[int]] = {}
    by_address: dict[str, list[int]] = {}
    for username, login, address, user_id in rows:
        exact[username] = user_id
        by_login.setdefault(login, []).append(user_id)
        by_address.setdefault(address, []).append(user_id)
    found: dict[str, int] = {}
    for name in names:
        # A name two accounts share names neither of them for sure.
        candidates = [by_login.get(name.lower(), []), by_address.get(name.lower(), [])]
        single = next((ids[0] for ids in candidates if len(ids) == 1), None)
        match = exact.get(name, single)
        if match is not None:
            found[name] = match
    return found


class Call(NamedTuple):
    """A contact in the ledger as the other sources need it."""

    id: int
    external_id: str
    agent_id: int | None
    agent_username: str
    customer_id: int | None
    started_at: datetime


CALL_COLUMNS = ("id", "external_id", "agent_id", "agent__username", "customer_id", "started_at")


def _call(row: tuple) -> Call:
    pk, external_id, agent_id, username, customer_id, started_at = row
    return Call(pk, external_id, agent_id, username or "", customer_id, started_at)


def calls_named(ctx: Context, call_ids: Iterable[str]) -> dict[str, Call]:
    """Phone contacts by the switch's call id, looked up once per run."""
    call_ids = set(call_ids)
    known: dict[str, Call | None] = ctx.cache.setdefault("calls:phone", {})
    wanted = {c for c in call_ids if c and c not in known}
    if wanted:
        known.update(dict.fromkeys(wanted))
        rows = Interaction.objects.filter(source=LedgerSource.PHONE, external_id__in=wanted)
        for row in rows.values_list(*CALL_COLUMNS):
            known[row[1]] = _call(row)
    return {c: call for c in call_ids if (call := known.get(c)) is not None}


def contacts_numbered(ctx: Context, ids: Iterable[int]) -> dict[int, Call]:
    """Contacts by Rapport's own interaction number, looked up once per run."""
    ids = set(ids)
    known: dict[int, Call | None] = ctx.cache.setdefault("calls:id", {})
    wanted = {i for i in ids if i not in known}
    if wanted:
        known.update(dict.fromkeys(wanted))
        for row in Interaction.objects.filter(pk__in=wanted).values_list(*CALL_COLUMNS):
            known[row[0]] = _call(row)
    return {i: call for i in ids if (call := known.get(i)) is not None}


def contact_of_row(ctx: Context, line: Line) -> Call | None:
    """The contact a row names by call_id (the switch's id) or interaction_id (Rapport's number);
    None when it names none. Both present must name the same contact."""
    call_id = values.text(line.values.get("call_id"), "call_id", max_length=255)
    number = values.parse_int(line.values.get("interaction_id"), "interaction_id", minimum=1)
    found = None
    if call_id:
        found = calls_named(ctx, [call_id]).get(call_id)
        if found is None:
            raise RowError(
                f"call_id {values.quoted(call_id)} is not a call in Rapport "
                "(import the call records first)"
            )
    if number is not None:
        by_number = contacts_numbered(ctx, [number]).get(number)
        if by_number is None:
            raise RowError(f"interaction_id {number} is not a contact in Rapport")
        if found is not None and found.id != by_number.id:
            raise RowError(f"call_id {values.quoted(call_id)} and interaction_id {number} differ")
        found = by_number
    return found


def prefetch_contacts(ctx: Context, lines: Sequence[Line]) -> None:
    """Look up every call and contact a batch names in two queries, not one per row."""
    calls_named(ctx, {(line.values.get("call_id") or "").strip() for line in lines})
    numbers = {(line.values.get("interaction_id") or "").strip() for line in lines}
    contacts_numbered(ctx, {int(n) for n in numbers if n.isascii() and n.isdigit()})


# --- Rows keyed by (source, external_id) ----------------------------------------------------


@dataclass
class Planned:
    """One row to write: the target's field values (compared with what is stored and written when
    they differ), values for a new row only (defaults; `values` wins where both name a field),
    and a short description for the dry run's samples."""

    line: int
    external_id: str
    values: dict[str, Any]
    sample: str
    on_add: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    added: list[Planned] = field(default_factory=list)
    updated: list[tuple[Planned, models.Model]] = field(default_factory=list)
    unchanged: int = 0


def keyed_plan(
    model: type[models.Model], rows: list[Planned], *, source: str, ctx: Context
) -> Plan:
    """Sort a batch's rows into added, updated and unchanged against the stored rows of
    (source, external_id). A row repeated in the batch: the later one wins, the earlier counts
    unchanged. A dry run compares with what the run would have written so far, so its counts are
    a real run's."""
    latest: dict[str, Planned] = {}
    plan = Plan()
    for row in rows:
        plan.unchanged += row.external_id in latest
        latest[row.external_id] = row
    manager = model._default_manager
    stored = {
        obj.external_id: obj  # type: ignore[attr-defined]
        for obj in manager.filter(source=source, external_id__in=list(latest))
    }
    imagined: dict[str, dict] = ctx.cache.setdefault(f"dry:{model._meta.label}:{source}", {})
    for external_id, row in latest.items():
        before: dict | None = imagined.get(external_id) if ctx.dry_run else None
        obj = stored.get(external_id)
        if before is None and obj is not None:
            before = {name: getattr(obj, name) for name in row.values}
        if before is None:
            plan.added.append(row)
        elif before == row.values:
            plan.unchanged += 1
        else:
            plan.updated.append((row, obj))  # type: ignore[arg-type]
        if ctx.dry_run:
            imagined[external_id] = row.values
    return plan


def keyed_write(
    model: type[models.Model], plan: Plan, *, source: str, ctx: Context, outcome: Outcome
) -> list[models.Model]:
    """Count the plan into `outcome` and, unless it is a dry run, write it; returns the added
    rows (saved, with their ids)."""
    outcome.added += len(plan.added)
    outcome.updated += len(plan.updated)
    outcome.unchanged += plan.unchanged
    for row in plan.added[:SAMPLES]:
        note(outcome, f"add {row.sample}")
    for row, _ in plan.updated[:SAMPLES]:
        note(outcome, f"update {row.sample}")
    if ctx.dry_run:
        return []
    created = model._default_manager.bulk_create(
        [
            model(source=source, external_id=row.external_id, **{**row.on_add, **row.values})
            for row in plan.added
        ]
    )
    changed = []
    stamped = any(f.name == "updated_at" for f in model._meta.get_fields())
    for row, obj in plan.updated:
        if obj is None:  # only a dry run plans from what it imagined
            continue
        for name, value in row.values.items():
            setattr(obj, name, value)
        if stamped:
            obj.updated_at = timezone.now()  # type: ignore[attr-defined]
        changed.append(obj)
    if changed:
        names = sorted({name for row, _ in plan.updated for name in row.values})
        model._default_manager.bulk_update(changed, [*names, *(["updated_at"] if stamped else [])])
    return created


# --- The source -----------------------------------------------------------------------------


LABELS = {
    "call_id": ("Call id", ("Call ID", "CallID", "UCID", "Unique ID", "uniqueid", "Session ID")),
    "direction": ("Direction (inbound or outbound)", ("Direction", "Call Direction")),
    "ani": ("Calling number (ANI)", ("ANI", "Caller", "Caller ID", "CallerID", "From", "src")),
    "dnis": ("Called number (DNIS)", ("DNIS", "Called Number", "Dialed Number", "To", "dst")),
    "queue": ("Queue code", ("Queue", "Queue Name", "Skill", "Split", "Hunt Group")),
    "agent": ("Agent", ("Agent", "Agent ID", "Agent Login", "Login ID", "Username")),
    "started_at": ("Started at", ("Start Time", "Call Start", "Start", "Started", "Call Date")),
    "answered_at": ("Answered at", ("Answer Time", "Answered", "Connect Time", "Answer")),
    "ended_at": ("Ended at", ("End Time", "Call End", "End", "Ended", "Disconnect Time")),
    "hold_seconds": ("Hold seconds", ("Hold Time", "Hold Duration", "Hold", "Hold Secs")),
    "wrap_seconds": ("Wrap-up seconds", ("Wrap Time", "ACW", "After Call Work", "ACW Time")),
    "transfers": ("Transfers", ("Transfer Count", "Transfers", "Number of Transfers")),
    "outcome": ("Outcome", ("Outcome", "Call Outcome", "Disposition", "Result")),
}
REQUIRED = frozenset({"call_id", "direction", "started_at", "ended_at"})


class CallRecordsSource(Source):
    key = "call_records"
    label = "Call-detail records (phone switch)"
    description = (
        "One row per call from the phone switch: call id, direction, numbers, queue, agent, start, "
        "answer and end times, hold and wrap-up seconds, transfers and outcome. Each call becomes "
        "a phone contact in the ledger, joined to the customer whose number called; a call already "
        "in the ledger is left as it is. Agents are named by their id in the switch, a username "
        "or an e-mail address."
    )
    source_label = LedgerSource.PHONE
    fields = tuple(
        Field(name, LABELS[name][0], required=name in REQUIRED, aliases=LABELS[name][1])
        for name in call_records.HEADER
    )

    def process(self, lines: Sequence[Line], ctx: Context) -> Outcome:
        outcome = Outcome()
        zone = timezone.get_default_timezone()
        checked = self._check(lines, ctx, zone, outcome)
        new = self._new_calls(checked, ctx)
        if ctx.dry_run:
            added = len(new)
        else:
            added = call_records.call_records_write(list(new.values()))
            if added:
                # The ledger's bulk writes fire no per-row signals; rollups and alerts learn here.
                days = {call.started_at.astimezone(zone).date() for call in checked}
                ledger_changed.send(sender=ImportJob, days=days)
        outcome.added = added
        outcome.unchanged = len(checked) - added
        for call in list(new.values())[:SAMPLES]:
            note(
                outcome,
                f"add {call.direction} call {call.call_id} at {call.started_at:%Y-%m-%d %H:%M} UTC",
            )
        if len(checked) > len(new):
            note(outcome, f"{len(checked) - len(new)} calls are in the ledger already")
        return outcome

    def _check(
        self, lines: Sequence[Line], ctx: Context, zone: Any, outcome: Outcome
    ) -> list[call_records.CallRecord]:
        phones = ctx.cache.setdefault(
            "cdr:phones", call_records.PhoneKeys(region=ctx.default_region)
        )
        agents = people_named(
            ctx,
            {(line.values.get("agent") or "").strip() for line in lines},
            source=ctx.source_label,
        )
        queues = _queues(ctx, {(line.values.get("queue") or "").strip() for line in lines})
        checked = []
        for line in lines:
            try:
                cells = _cells(line, ctx, zone)
                checked.append(
                    call_records.parse_row(
                        cells,
                        line=line.number,
                        queues=queues,
                        agents=agents,
                        phones=phones,
                        zone=zone,
                    )
                )
            except (RowError, call_records.RowError) as exc:
                outcome.errors.append((line.number, str(exc)))
        return checked

    def _new_calls(
        self, checked: list[call_records.CallRecord], ctx: Context
    ) -> dict[str, call_records.CallRecord]:
        """The calls not in the ledger (nor, in a dry run, earlier in the run), first row first:
        a repeated call is a duplicate, as it is for the ledger's own import."""
        stored = set(
            Interaction.objects.filter(
                source=LedgerSource.PHONE, external_id__in={c.call_id for c in checked}
            ).values_list("external_id", flat=True)
        )
        seen: set[str] = ctx.cache.setdefault("cdr:dry_seen", set()) if ctx.dry_run else set()
        new: dict[str, call_records.CallRecord] = {}
        for call in checked:
            if call.call_id not in stored and call.call_id not in seen and call.call_id not in new:
                new[call.call_id] = call
        seen.update(new)
        return new


def _queues(ctx: Context, codes: set[str]) -> dict[str, int | None]:
    known: dict[str, int | None] = ctx.cache.setdefault("cdr:queues", {})
    wanted = {code for code in codes - known.keys() if code and "\x00" not in code}
    if wanted:
        known.update(dict.fromkeys(wanted))
        known.update(Queue.objects.filter(code__in=wanted).values_list("code", "id"))
    return known


def _cells(line: Line, ctx: Context, zone: Any) -> list[str]:
    """The row in HEADER order, with the switch's spellings the ledger's rules do not take
    brought to them: times in the job's date order, 'In'/'Outgoing', 'No Answer'."""
    cells = {name: (line.values.get(name) or "").strip() for name in call_records.HEADER}
    cells["direction"] = DIRECTION_WORDS.get(cells["direction"].lower(), cells["direction"])
    cells["outcome"] = "_".join(cells["outcome"].lower().replace("-", " ").split())
    for name in TIME_COLUMNS:
        cells[name] = _iso_time(cells[name], name, ctx, zone)
    return [cells[name] for name in call_records.HEADER]


def _iso_time(text: str, name: str, ctx: Context, zone: Any) -> str:
    if not text:
        return text
    try:
        datetime.fromisoformat(text)
        return text  # the ledger's rules read it as it is
    except ValueError:
        pass
    try:
        moment = values.parse_datetime(text, name, date_format=ctx.date_format, zone=zone)
    except OverflowError:
        raise RowError(f"{name} is out of range: {values.quoted(text)}") from None
    assert moment is not None
    return moment.isoformat()


register(CallRecordsSource())
