"""What the sources for other CRMs' exports share: the tally of a batch, people and queues another
system names, customers written with their history, and contact points attached without taking
one that belongs to someone else.

Rules every one of these sources follows:
- an empty cell leaves the stored value as it is (a column left unmapped must not wipe data);
- contact points are added, never removed (another source or an agent may have added them);
- a customer merged into another in Rapport is left as it is (the row is counted unchanged and
  noted): applying it to the survivor would undo the merge's choices on every re-import.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from django import forms
from django.db.models import Q, Value
from django.db.models.functions import Concat, Lower

from rapport.access import selectors as access_selectors
from rapport.access.models import Queue
from rapport.accounts.models import ExternalAccount, User
from rapport.cases.choices import CaseEventKind
from rapport.cases.events import case_event
from rapport.cases.models import Case
from rapport.customers.choices import ContactKind
from rapport.customers.models import ContactPoint, Customer
from rapport.customers.services import set_name_keys
from rapport.imports.sources.base import Context, Line, Outcome, RowError
from rapport.imports.values import parse_email, parse_phone, quoted, text

SAMPLES = 10
Verdict = Literal["added", "updated", "unchanged"]
T = TypeVar("T")


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


# --- Reading cells ---------------------------------------------------------------------------------


def name_text(
    value: str | None, name: str, *, max_length: int = 100, required: bool = False
) -> str:
    cleaned = text(value, name, max_length=max_length, required=required)
    return unicodedata.normalize("NFC", cleaned)


def multiline(value: str | None) -> str:
    """Line breaks as \\n whatever the file used, so a CSV and an XLSX of one export compare equal."""
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


# --- People and queues another system names -------------------------------------------------------


def user_named(
    ctx: Context, system: str, ref: str, *, also: Sequence[str] = (), by_full_name: bool = False
) -> User | None:
    """The Rapport user behind another system's reference: its id there (ExternalAccount; `also`
    are other spellings of the same id), else a username or e-mail, else (by_full_name) a full name
    only one user has. Cached for the run."""
    ref = " ".join(ref.split())
    if not ref:
        return None
    cache = ctx.cache.setdefault(f"users:{system}", {})
    if ref not in cache:
        cache[ref] = _find_user(system, ref, also, by_full_name)
    return cache[ref]


def _find_user(system: str, ref: str, also: Sequence[str], by_full_name: bool) -> User | None:
    account = (
        ExternalAccount.objects.filter(source=system, external_id__in=[ref, *also])
        .select_related("user")
        .first()
    )
    if account is not None:
        return account.user
    found = list(User.objects.filter(Q(username__iexact=ref) | Q(email__iexact=ref))[:2])
    if len(found) != 1 and by_full_name:
        full = Lower(Concat("first_name", Value(" "), "last_name"))
        found = list(User.objects.annotate(full=full).filter(full=ref.lower())[:2])
    return found[0] if len(found) == 1 else None


def queue_for(ctx: Context, code: str = "") -> Queue:
    """The queue with this code, else the job's queue option, else the first tier-1 queue."""
    code = (code or ctx.options.get("queue") or "").strip()
    cache = ctx.cache.setdefault("queues", {})
    if code not in cache:
        queues = access_selectors.queues_all()
        cache[code] = (
            queues.filter(code=code).first()
            if code
            else queues.filter(tier=1).order_by("id").first()
        )
    queue = cache[code]
    if queue is None:
        raise RowError(
            f"queue {quoted(code)} does not exist"
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


# --- Customers ---------------------------------------------------------------------------------


def survivor(customer: Customer) -> Customer:
    """The customer a merged record now lives on (links follow a merge; rows never rewrite it)."""
    while customer.merged_into_id is not None:
        customer = Customer.objects.get(pk=customer.merged_into_id)
    return customer


def customers_by_external_id(source: str, ids: Iterable[str]) -> dict[str, Customer]:
    found = Customer.objects.filter(source=source, external_id__in=set(ids))
    return {customer.external_id or "": customer for customer in found}


def apply(obj: Any, values: dict[str, Any]) -> bool:
    """Set the values that differ; None or "" means the file does not say (left as it is).
    Foreign keys are given by their *_id attribute, so nothing is fetched to compare."""
    changed = False
    for name, value in values.items():
        if value is not None and value != "" and getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def customer_save(customer: Customer, ctx: Context) -> None:
    """Search keys follow the name; save() writes the history row."""
    set_name_keys(customer)
    if not ctx.dry_run:
        customer.save()


def describe(customer: Customer) -> str:
    return f"customer {customer.display_name} ({customer.source} {customer.external_id})"


def skip_merged(customer: Customer | None, tally: Tally) -> bool:
    if customer is None or customer.merged_into_id is None:
        return False
    tally.count("unchanged")
    tally.note("the customer was merged into another in Rapport; the row was not applied")
    return True


# --- Contact points ------------------------------------------------------------------------------


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
    normalised = parse_phone(value, name, region=ctx.default_region)
    return (
        Point(ContactKind.PHONE, (value or "").strip(), normalised, label) if normalised else None
    )


def email_point(value: str | None, name: str, label: str = "") -> Point | None:
    normalised = parse_email(value, name)
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


def case_changes(case: Case, values: dict[str, Any]) -> bool:
    """Like apply, but every value counts, None included: the case is the other system's record
    (a reopened ticket loses its closed time). Links given as None are left as they are."""
    changed = False
    for name, value in values.items():
        if name.endswith("_id") and value is None:
            continue
        if getattr(case, name) != value:
            setattr(case, name, value)
            changed = True
    return changed


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
    """Create the customer (with `key` as its source and external id) or update the one given,
    attach the contact points, and count the row: added, updated (a field or a contact point
    changed) or unchanged."""
    is_new = customer is None
    if customer is None:
        customer = Customer(source=key[0], external_id=key[1])
    changed = apply(customer, wanted)
    if is_new or changed:
        customer_save(customer, ctx)
    points_added = holders.attach(customer, points, ctx, tally)
    verdict: Verdict = "added" if is_new else "updated" if changed or points_added else "unchanged"
    tally.count(verdict, describe(customer))
    return customer


def write_case(
    case: Case | None,
    values: dict[str, Any],
    *,
    queue: Queue,
    key: tuple[str, str],
    ctx: Context,
    tally: Tally,
) -> None:
    """Create the case or update the one given. Imported cases are records of the past: they get
    no service objective and no deadlines, so no SLA clock starts, warns or breaches for them (a
    case closed years ago would breach at once, an open one would be judged by a clock that did
    not exist when it was opened). Queue and tier are set when a case first arrives and are
    Rapport's from then on; the timeline starts with an "opened" event at the opening time."""
    change = f"case {values['subject'][:40]} ({key[0]} {key[1]})"
    if case is not None:
        if not case_changes(case, values):
            tally.count("unchanged")
            return
        if not ctx.dry_run:
            case.save()
        tally.count("updated", change)
        return
    case = Case(source=key[0], external_id=key[1], queue=queue, tier=queue.tier, **values)
    if not ctx.dry_run:
        case.save()
        case_event(
            case=case,
            kind=CaseEventKind.OPENED,
            at=case.opened_at,
            queue=queue.name,
            imported=key[0],
        )
    tally.count("added", change)
