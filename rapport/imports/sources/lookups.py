"""What the import sources share: reading a batch's rows and counting what they did; finding the
people, customers, contacts and queues another system names; writing rows only where they change.

Rules every source follows:
- A person another system names is found by that system's id for them (an ExternalAccount under
  the source's label), else a username, else an e-mail address only one user has (and, where a
  source allows, a full name only one user has). Each name is looked up once per run.
- A customer another system names is found by its (source, external_id), else, where a source
  allows, by an e-mail address or phone number it holds. A customer merged into another stands
  for its survivor (merged_into followed to the end), and no row writes a merged record:
  - a row that links to it (a case, a revenue event, a contact point) links to the survivor:
    links follow the merge, as the merge moved the links there were;
  - a row about the merged record itself (its own source and id) goes to the survivor the way
    the merge did: it fills the survivor's empty fields and adds the contact points it lacks,
    and the survivor's own values stay. The row is counted and noted; its data lands where the
    customer now lives; and an export that still holds both records (the other system never
    merged them) is unchanged the second time, instead of one record overwriting the other.
- An empty cell leaves the stored value as it is (a column left unmapped must not wipe data).
- Contact points are added, never removed; one that belongs to someone else stays with them.
- A row repeated in a batch: the last one wins and the earlier ones count as unchanged.
- A dry run writes nothing and counts what a run would.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, NamedTuple, TypeVar

from django import forms
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Concat, Lower
from django.utils import timezone

from rapport.access import selectors as access_selectors
from rapport.access.models import Queue
from rapport.accounts.models import ExternalAccount, User
from rapport.cases.choices import CaseEventKind
from rapport.cases.events import case_event
from rapport.cases.models import Case
from rapport.customers import selectors as customer_selectors
from rapport.customers.choices import ContactKind
from rapport.customers.models import ContactPoint, Customer
from rapport.customers.services import set_name_keys
from rapport.imports import values as cells
from rapport.imports.sources.base import Context, Line, Outcome, RowError
from rapport.interactions.choices import Source as LedgerSource
from rapport.interactions.models import Interaction

SAMPLES = 10
Verdict = Literal["added", "updated", "unchanged"]
K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
V = TypeVar("V")


# --- Rows and what a batch did ----------------------------------------------------------------


class Tally:
    """What one batch did: counts, up to SAMPLES changes, and notes counted per row
    ("3 rows: OwnerId 005… has no Rapport account"), which are listed before the changes."""

    def __init__(self) -> None:
        self.outcome = Outcome()
        self.notes: Counter[str] = Counter()
        self.changes: list[str] = []

    @contextmanager
    def row(self, line: Line) -> Iterator[None]:
        """Refuse the row on a RowError raised inside; reading goes on with the next row."""
        try:
            yield
        except RowError as exc:
            self.outcome.errors.append((line.number, str(exc)))

    def count(self, verdict: Verdict, change: str = "") -> None:
        setattr(self.outcome, verdict, getattr(self.outcome, verdict) + 1)
        if change and verdict != "unchanged" and len(self.changes) < SAMPLES:
            self.changes.append(f"{'add' if verdict == 'added' else 'update'} {change}")

    def note(self, text: str) -> None:
        self.notes[text] += 1

    def finish(self) -> Outcome:
        notes = [f"{n} row{'s' if n > 1 else ''}: {what}" for what, n in self.notes.most_common()]
        self.outcome.samples = (notes + self.changes)[:SAMPLES]
        self.outcome.errors.sort()  # refused while reading and while writing: in line order
        return self.outcome


def verdict(new: bool, changed: bool) -> Verdict:
    return "added" if new else "updated" if changed else "unchanged"


def read_rows(
    lines: Sequence[Line], read: Callable[[Line], T], tally: Tally
) -> list[tuple[Line, T]]:
    """Each line read into a row; a line `read` refuses (RowError) is reported and left out."""
    rows = []
    for line in lines:
        with tally.row(line):
            rows.append((line, read(line)))
    return rows


def last_wins(
    rows: list[tuple[Line, T]], key: Callable[[T], Hashable], tally: Tally
) -> list[tuple[Line, T]]:
    """Keep the last row of each key (in line order); earlier ones are counted unchanged, since
    nothing is written for them."""
    latest: dict[Hashable, tuple[Line, T]] = {}
    for line, row in rows:
        if key(row) in latest:
            tally.count("unchanged")
            tally.note("repeated by a later row of the file, which was used instead")
        latest[key(row)] = (line, row)
    return sorted(latest.values(), key=lambda pair: pair[0].number)


# --- Reading cells --------------------------------------------------------------------------------


def name_text(
    value: str | None, name: str, *, max_length: int = 100, required: bool = False
) -> str:
    cleaned = cells.text(value, name, max_length=max_length, required=required)
    return unicodedata.normalize("NFC", cleaned)


def multiline(value: str | None) -> str:
    """Line breaks as \\n whatever the file used: a CSV and an XLSX of one export compare equal."""
    return "\n".join(line.rstrip() for line in (value or "").strip().splitlines())


def json_or_text(value: str | None) -> Any:
    """A cell that holds JSON when the export came from an API (JSON lines), else its text."""
    cleaned = (value or "").strip()
    if cleaned[:1] in ("{", "["):
        try:
            return json.loads(cleaned)
        except ValueError:
            pass
    return cleaned


def split_name(full: str) -> tuple[str, str]:
    first, _, last = " ".join(full.split()).rpartition(" ")
    return first[:100], last[:100]


def person_name(first: str, last: str, names: str) -> None:
    if not (first or last):
        raise RowError(f"{names}: a person needs a first or last name")


def number(value: str | None, name: str) -> Decimal | None:
    """values.parse_decimal, with a number too large to keep to two places ('1e30') refused
    as a bad cell rather than failing the batch."""
    try:
        return cells.parse_decimal(value, name)
    except InvalidOperation:
        raise RowError(f"{name} is too large: {cells.quoted((value or '').strip())}") from None


def word(value: str | None, name: str, words: Mapping[str, str], use: str) -> str:
    """Our word for another system's: case, dashes, underscores and spacing do not matter.
    `use` says which words are known, for the message when this one is not."""
    key = " ".join((value or "").lower().replace("-", " ").replace("_", " ").split())
    if not key:
        raise RowError(f"{name} is missing")
    if key not in words:
        raise RowError(f"{name} {cells.quoted((value or '').strip())} is not known; use {use}")
    return words[key]


def moment(line: Line, name: str, ctx: Context) -> datetime:
    """A time the row must give; one without an offset is the center's local time."""
    found = cells.parse_datetime(
        line.values.get(name),
        name,
        date_format=ctx.date_format,
        zone=timezone.get_default_timezone(),
    )
    if found is None:
        raise RowError(f"{name} is missing")
    return found


# --- Looked up once per run -------------------------------------------------------------------


def cached(
    ctx: Context, name: str, keys: Iterable[K], find: Callable[[set[K]], dict[K, V]]
) -> dict[K, V]:
    """What `find` gives for the keys, each key looked up once per run (in ctx.cache[name]);
    keys found nowhere are absent from the answer. Empty keys and keys holding NUL (which
    PostgreSQL text cannot) are never looked up."""
    keys = set(keys)
    known: dict[K, V | None] = ctx.cache.setdefault(name, {})
    wanted = {key for key in keys - known.keys() if key and "\x00" not in str(key)}
    if wanted:
        known.update(dict.fromkeys(wanted))
        known.update(find(wanted))
    return {key: found for key in keys if (found := known.get(key)) is not None}


def people_named(
    ctx: Context, names: Iterable[str], *, source: str, by_full_name: bool = False
) -> dict[str, int]:
    """User ids for the ways another system names people: its own id for them (ExternalAccount
    under `source`), else a Rapport username (as written, else the only one that differs just
    in case), else an e-mail address only one user has, else (by_full_name) a full name only one
    user has. A name two accounts share names neither of them for sure."""
    return cached(
        ctx,
        f"people:{source}:{by_full_name}",
        names,
        lambda wanted: _people(source, wanted, by_full_name),
    )


def person_named(ctx: Context, name: str, *, source: str, by_full_name: bool = False) -> int | None:
    return people_named(ctx, [name], source=source, by_full_name=by_full_name).get(name)


def _people(source: str, names: set[str], by_full_name: bool) -> dict[str, int]:
    found = dict(
        ExternalAccount.objects.filter(source=source, external_id__in=names).values_list(
            "external_id", "user_id"
        )
    )
    return found | _users_by_login(names - found.keys(), by_full_name)


def _users_by_login(names: set[str], by_full_name: bool) -> dict[str, int]:
    if not names:
        return {}
    spellings = {"login": Lower("username"), "address": Lower("email")}
    if by_full_name:
        spellings["full"] = Lower(Concat("first_name", Value(" "), "last_name"))
    keys = {_key(name) for name in names}
    wanted = Q()
    for alias in spellings:
        wanted |= Q(**{f"{alias}__in": keys})
    rows = (
        User.objects.annotate(**spellings).filter(wanted).values_list("username", "id", *spellings)
    )
    exact: dict[str, int] = {}
    users: dict[tuple[str, str], set[int]] = defaultdict(set)
    for username, user_id, *spelled in rows:
        exact[username] = user_id
        for alias, key in zip(spellings, spelled, strict=True):
            users[(alias, key)].add(user_id)
    found: dict[str, int] = {}
    for name in names:
        single = next((ids for a in spellings if len(ids := users[(a, _key(name))]) == 1), None)
        if name in exact:
            found[name] = exact[name]
        elif single:
            found[name] = min(single)
    return found


def _key(name: str) -> str:
    return " ".join(name.split()).lower()


def queues_named(ctx: Context, codes: Iterable[str]) -> dict[str, Queue]:
    return cached(
        ctx,
        "queues",
        codes,
        lambda wanted: {q.code: q for q in access_selectors.queues_all().filter(code__in=wanted)},
    )


def queue_for(ctx: Context, code: str = "") -> Queue:
    """The queue with this code, else the job's queue option, else the first tier-1 queue."""
    code = (code or ctx.options.get("queue") or "").strip()
    if code:
        queue = queues_named(ctx, [code]).get(code)
    else:
        if "queues:first" not in ctx.cache:
            front_line = access_selectors.queues_all().filter(tier=1).order_by("id")
            ctx.cache["queues:first"] = front_line.first()
        queue = ctx.cache["queues:first"]
    if queue is None:
        raise RowError(
            f"queue {cells.quoted(code)} does not exist"
            if code
            else "no queue to put the case in: add a tier-1 queue or choose one for this import"
        )
    return queue


def _queue_choices() -> list[tuple[str, str]]:
    return [("", "The first front-line queue")] + [
        (queue.code, f"{queue.name} (tier {queue.tier})") for queue in access_selectors.queues_all()
    ]


class QueueOptionsForm(forms.Form):
    queue = forms.ChoiceField(
        label="Queue for the imported cases",
        required=False,
        choices=_queue_choices,
        help_text="Imported cases are history: they join this queue without SLA clocks.",
    )


class Call(NamedTuple):
    """A contact in the ledger as the sources need it."""

    id: int
    external_id: str
    agent_id: int | None
    agent_username: str
    customer_id: int | None
    started_at: datetime


def calls_named(ctx: Context, call_ids: Iterable[str]) -> dict[str, Call]:
    """Phone contacts by the switch's call id."""
    return cached(
        ctx,
        "calls:phone",
        call_ids,
        lambda wanted: {
            c.external_id: c for c in _calls(source=LedgerSource.PHONE, external_id__in=wanted)
        },
    )


def contacts_numbered(ctx: Context, ids: Iterable[int]) -> dict[int, Call]:
    """Contacts by Rapport's own interaction number."""
    return cached(ctx, "calls:id", ids, lambda wanted: {c.id: c for c in _calls(pk__in=wanted)})


def _calls(**where: Any) -> list[Call]:
    rows = Interaction.objects.filter(**where).values_list(
        "id", "external_id", "agent_id", "agent__username", "customer_id", "started_at"
    )
    return [
        Call(pk, external_id or "", agent_id, username or "", customer_id, started_at)
        for pk, external_id, agent_id, username, customer_id, started_at in rows
    ]


def contact_of_row(ctx: Context, line: Line) -> Call | None:
    """The contact a row names by call_id (the switch's id) or interaction_id (Rapport's number);
    None when it names none. Both present must name the same contact."""
    call_id = cells.text(line.values.get("call_id"), "call_id", max_length=255)
    pk = cells.parse_int(line.values.get("interaction_id"), "interaction_id", minimum=1)
    found = None
    if call_id:
        found = calls_named(ctx, [call_id]).get(call_id)
        if found is None:
            raise RowError(
                f"call_id {cells.quoted(call_id)} is not a call in Rapport "
                "(import the call records first)"
            )
    if pk is not None:
        by_number = contacts_numbered(ctx, [pk]).get(pk)
        if by_number is None:
            raise RowError(f"interaction_id {pk} is not a contact in Rapport")
        if found is not None and found.id != by_number.id:
            raise RowError(f"call_id {cells.quoted(call_id)} and interaction_id {pk} differ")
        found = by_number
    return found


def prefetch_contacts(ctx: Context, lines: Sequence[Line]) -> None:
    """Look up every call and contact a batch names in two queries, not one per row."""
    calls_named(ctx, {(line.values.get("call_id") or "").strip() for line in lines})
    numbers = {(line.values.get("interaction_id") or "").strip() for line in lines}
    contacts_numbered(ctx, {int(n) for n in numbers if n.isascii() and n.isdigit()})


# --- Customers (looked up per batch: a run adds and changes them) ------------------------------


def customers_named(
    ctx: Context, names: Iterable[str], *, source: str, by_contact: bool = False
) -> dict[str, Customer]:
    """The customer each name stands for now: the one with that id in `source`, else (by_contact)
    the one holding that e-mail address or phone number; a merged record stands for its survivor.
    Names that reach one customer get one object, so a batch's changes to it add up."""
    names = {name for name in names if name and "\x00" not in name}
    found: dict[str, Customer] = {
        customer.external_id or "": customer
        for customer in Customer.objects.filter(source=source, external_id__in=names)
    }
    if by_contact:
        points = {name: _point(name, ctx) for name in names - found.keys()}
        holders = Holders(point for point in points.values() if point)
        for name, point in points.items():
            held = holders.get(point) if point else None
            if held is not None:
                found[name] = held.customer
    now: dict[int, Customer] = {}
    for name, customer in found.items():
        survivor = customer_selectors.surviving(customer)
        found[name] = now.setdefault(survivor.pk, survivor)
    return found


def _point(name: str, ctx: Context) -> Point | None:
    try:
        if "@" in name:
            return email_point(name, "customer")
        return phone_point(name, "customer", ctx, "")
    except RowError:
        return None  # neither: the name stays unknown and the row says so


@dataclass(frozen=True)
class Point:
    kind: str
    value: str
    normalised: str
    label: str = ""
    network: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.normalised, self.network)


def phone_point(value: str | None, name: str, ctx: Context, label: str) -> Point | None:
    normalised = cells.parse_phone(value, name, region=ctx.default_region)
    return (
        Point(ContactKind.PHONE, (value or "").strip(), normalised, label) if normalised else None
    )


def email_point(value: str | None, name: str, label: str = "") -> Point | None:
    normalised = cells.parse_email(value, name)
    return (
        Point(ContactKind.EMAIL, (value or "").strip(), normalised, label) if normalised else None
    )


class Holders:
    """Who holds each contact point a batch names, read once and kept up to date as rows claim
    points (in a dry run too, so the second row naming a number sees the first)."""

    def __init__(self, points: Iterable[Point]) -> None:
        wanted = {point.normalised for point in points}
        found = ContactPoint.objects.filter(normalised__in=wanted).select_related("customer")
        self.by_key = {(cp.kind, cp.normalised, cp.network): cp for cp in found}

    def get(self, point: Point) -> ContactPoint | None:
        return self.by_key.get(point.key)

    def add(
        self, customer: Customer, point: Point, ctx: Context, *, preferred: bool = False
    ) -> ContactPoint:
        held = ContactPoint(
            customer=customer,
            kind=point.kind,
            network=point.network,
            value=point.value[:320],
            normalised=point.normalised,
            label=point.label[:40],
            preferred=preferred,
        )
        self.by_key[point.key] = held
        if not ctx.dry_run:
            held.save()
        return held

    def attach(
        self, customer: Customer, points: Iterable[Point | None], ctx: Context, tally: Tally
    ) -> int:
        """Add the points the customer lacks and return how many (would be) added; one that
        someone else holds stays with them and is noted."""
        added = 0
        for point in points:
            if point is None:
                continue
            held = self.get(point)
            if held is None:
                self.add(customer, point, ctx)
                added += 1
            elif not same(held.customer, customer):
                tally.note(f"{taken(held)}; not attached to {customer.display_name}")
        return added


def same(one: Customer, other: Customer) -> bool:
    return one is other or (one.pk is not None and one.pk == other.pk)


def taken(held: ContactPoint) -> str:
    who = held.customer
    return f"{held.get_kind_display()} {held.value} already belongs to {who} (customer {who.pk})"


# --- Writing -------------------------------------------------------------------------------------


def apply(obj: Any, values: dict[str, Any]) -> bool:
    """Set the values that differ from what obj holds; whether any did. Foreign keys are given
    by their *_id attribute, so nothing is fetched to compare."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def said(values: dict[str, Any]) -> dict[str, Any]:
    """The values a row gives: an empty cell says nothing, and leaves the stored value."""
    return {name: value for name, value in values.items() if value is not None and value != ""}


def customer_write(
    customer: Customer | None,
    wanted: dict[str, Any],
    points: Iterable[Point | None],
    *,
    key: tuple[str, str],
    ctx: Context,
    tally: Tally,
    holders: Holders,
) -> Customer:
    """Write the row about the customer `key` names: create it when `customer` (what a lookup
    found) is None, update it when it is that record; when it is another record, the survivor
    `key`'s record was merged into, fill only its empty fields (see the rules above). Then
    attach the contact points and count the row: added, updated or unchanged."""
    new = customer is None
    values = said(wanted)
    if customer is None:
        customer = Customer(source=key[0], external_id=key[1])
    elif (customer.source, customer.external_id or "") != key:
        values = {name: v for name, v in values.items() if getattr(customer, name) in (None, "")}
        tally.note(
            "the customer was merged in Rapport: the row went to the customer it was merged into, "
            "filling only fields left empty there"
        )
    changed = apply(customer, values)
    if new or changed:
        customer_save(customer, ctx)
    points_added = holders.attach(customer, points, ctx, tally)
    tally.count(verdict(new, changed or bool(points_added)), describe(customer))
    return customer


def customer_save(customer: Customer, ctx: Context) -> None:
    """Search keys follow the name; save() writes the history row."""
    set_name_keys(customer)
    if not ctx.dry_run:
        customer.save()


def describe(customer: Customer) -> str:
    return f"customer {customer.display_name} ({customer.source} {customer.external_id})"


@dataclass(frozen=True)
class ExportedCase:
    """A case as another system exports it, in Rapport's words (written by write_case)."""

    id: str
    subject: str
    description: str
    status: str
    priority: str
    channel: str
    opened_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    external_fields: dict[str, Any]


def write_case(
    case: Case | None,
    row: ExportedCase,
    *,
    customer_id: int | None,
    assignee_id: int | None,
    queue: Queue,
    ctx: Context,
    tally: Tally,
) -> None:
    """Create the case or update the one given. Every value counts, a blank included: the case
    is the other system's record (a reopened ticket loses its closed time); only a link the row
    cannot name (None) is left as it is. Imported cases are records of the past: they get no
    service objective and no deadlines, so no SLA clock starts, warns or breaches for them (a
    case closed years ago would breach at once, an open one would be judged by a clock that did
    not exist when it was opened). Queue and tier are set when a case first arrives and are
    Rapport's from then on; the timeline starts with an "opened" event at the opening time."""
    new = case is None
    if case is None:
        case = Case(source=ctx.source_label, external_id=row.id, queue=queue, tier=queue.tier)
    values = {f.name: getattr(row, f.name) for f in fields(ExportedCase) if f.name != "id"}
    links = {"customer_id": customer_id, "assignee_id": assignee_id}
    changed = apply(case, values | {name: pk for name, pk in links.items() if pk is not None})
    if (new or changed) and not ctx.dry_run:
        case.save()
        if new:
            case_event(
                case=case,
                kind=CaseEventKind.OPENED,
                at=case.opened_at,
                queue=queue.name,
                imported=ctx.source_label,
            )
    tally.count(verdict(new, changed), f"case {row.subject[:40]} ({ctx.source_label} {row.id})")


@dataclass
class Planned:
    """One row to write in bulk: the target's field values (compared with what is stored and
    written when they differ), values for a new row only (defaults; `values` wins where both
    name a field), and a short description for the samples."""

    external_id: str
    values: dict[str, Any]
    sample: str
    on_add: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    added: list[tuple[Planned, models.Model]] = field(default_factory=list)
    updated: list[tuple[Planned, models.Model]] = field(default_factory=list)


def keyed_plan(
    model: type[models.Model],
    rows: list[tuple[Line, Planned]],
    *,
    source: str,
    ctx: Context,
    tally: Tally,
) -> Plan:
    """Sort a batch's rows into added and updated against the stored rows of (source,
    external_id), counting the unchanged ones. A dry run compares with what the run would have
    written so far (kept in ctx.cache), so its counts are a real run's."""
    kept = [row for _, row in last_wins(rows, lambda row: row.external_id, tally)]
    stored = {
        obj.external_id: obj  # type: ignore[attr-defined]
        for obj in model._default_manager.filter(
            source=source, external_id__in=[row.external_id for row in kept]
        )
    }
    # What a dry run would have written so far stands in for what it did not write.
    dry = f"dry:{model._meta.label}:{source}"
    imagined: dict[str, dict] = ctx.cache.setdefault(dry, {}) if ctx.dry_run else {}
    plan = Plan()
    for row in kept:
        obj = stored.get(row.external_id)
        if row.external_id in imagined:
            obj = obj or model(source=source, external_id=row.external_id)
            apply(obj, imagined[row.external_id])
        imagined[row.external_id] = imagined.get(row.external_id, {}) | row.values
        if obj is None:
            obj = model(source=source, external_id=row.external_id, **{**row.on_add, **row.values})
            plan.added.append((row, obj))
        elif apply(obj, row.values):
            plan.updated.append((row, obj))
        else:
            tally.count("unchanged")
    return plan


def keyed_write(model: type[models.Model], plan: Plan, *, ctx: Context, tally: Tally) -> list:
    """Count the plan and, unless it is a dry run, write it; returns the added rows (saved,
    with their ids)."""
    for row, _ in plan.added:
        tally.count("added", row.sample)
    for row, _ in plan.updated:
        tally.count("updated", row.sample)
    if ctx.dry_run:
        return []
    created = model._default_manager.bulk_create([obj for _, obj in plan.added])
    if plan.updated:
        names = {name for row, _ in plan.updated for name in row.values}
        if any(f.name == "updated_at" for f in model._meta.get_fields()):
            names.add("updated_at")
            for _, obj in plan.updated:
                obj.updated_at = timezone.now()  # type: ignore[attr-defined]
        model._default_manager.bulk_update([obj for _, obj in plan.updated], sorted(names))
    return created
