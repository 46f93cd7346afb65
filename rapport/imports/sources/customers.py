"""Customers from any system: one row per person or organisation, with their e-mail address,
phone and mobile numbers and the household they belong to, kept by (source, external id).

Rules:
- A customer is found by the job's system (sources/system.py) and the row's external id: the
  same file twice changes nothing the second time; a row that says something new updates the
  customer.
- An empty cell leaves the stored value as it is (a column left unmapped must not wipe data).
- Contact points are added, never removed (an agent or another source may have added them). One
  that already belongs to another customer stays with them: the row imports without it and the
  summary says who holds it. Two records sharing a number are for identity resolution to judge.
- An external id repeated in a batch: the last row is the file's word (even a wrong one); the
  earlier ones are counted unchanged.
- A customer merged into another in Rapport is left as it is (counted unchanged and noted).
- The search keys (name_key, surname_key) are written as rapport.customers.services does.
- Every write leaves simple_history rows ("+" for a new row, "~" for a change) with the reason
  "import job <id>"; the job records who started it.

Rows are checked in Python and compared with what is stored, in parts of PART rows; the same
decisions are then written either through the ORM (bulk_create/bulk_update with their history
helpers, any database) or, on PostgreSQL, with COPY (customers_copy.py, about three times faster
than the ORM's bulk helpers). On PostgreSQL a second thread compares and writes each part while
this one checks the next, so the checking never waits for the connection.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import phonenumbers
from django.db import IntegrityError, connection, transaction
from django.db.models import Value
from django.db.models.fields import NOT_PROVIDED
from django.db.models.functions import Lower
from django.utils import timezone
from phonenumbers import PhoneMetadata, PhoneNumber
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from rapport.accounts.models import ExternalAccount, User
from rapport.core.errors import ValidationFailed
from rapport.customers.choices import (
    ContactKind,
    CustomerKind,
    CustomerStatus,
    Segment,
    ValueTier,
)
from rapport.customers.models import ContactPoint, Customer, Household
from rapport.customers.normalise import name_key, normalise_email, normalise_phone
from rapport.imports.sources import customers_copy, register, system
from rapport.imports.sources.base import Context, Field, Line, Outcome, RowError, Source
from rapport.imports.values import parse_choice, parse_date, parse_decimal, quoted, text

SAMPLES = 10
T = TypeVar("T")
EXAMPLES = 3  # contact points held by someone else, named one by one in a batch's samples
LOOKUP_CHUNK = 2_000  # values per IN (…) list
ORM_BATCH = 500
PART = 500  # rows checked while the previous part is written (PostgreSQL)
ATTEMPTS = 3  # a batch is planned again when a concurrent writer took an external id or a point
MAX_LIFETIME_VALUE = Decimal("9999999999.99")
KEY_LENGTH = Customer._meta.get_field("name_key").max_length or 300
NAME_KEY_CACHE = 200_000

# --- Fields ----------------------------------------------------------------------------------


FIELDS = (
    Field(
        "external_id",
        "Customer id in the other system",
        required=True,
        aliases=("id", "customer id", "customer number", "account number", "crm id", "record id"),
        help="Finds the customer again on the next import.",
    ),
    Field(
        "kind",
        "Person or organisation",
        aliases=("type", "customer type", "record type"),
        help="Blank: an organisation when the row has only an organisation name.",
    ),
    Field("first_name", "First name", aliases=("firstname", "given name", "forename")),
    Field("last_name", "Last name", aliases=("lastname", "surname", "family name")),
    Field(
        "organisation_name",
        "Organisation name",
        aliases=("organisation", "organization", "organization name", "company", "company name"),
    ),
    Field("email", "E-mail address", aliases=("e-mail", "email address", "mail")),
    Field("phone", "Phone number", aliases=("phone", "telephone", "phone number", "tel")),
    Field(
        "mobile", "Mobile number", aliases=("mobile phone", "cell", "cell phone", "mobile number")
    ),
    Field(
        "date_of_birth",
        "Date of birth",
        aliases=("dob", "birth date", "birthdate", "birthday"),
        help="In the date order chosen for the file.",
    ),
    Field(
        "language",
        "Language",
        aliases=("lang", "preferred language", "locale"),
        help="A code such as en, es or fr-CA, or a language's English name.",
    ),
    Field("segment", "Segment", aliases=("customer segment",), help="consumer, small business …"),
    Field("value_tier", "Value tier", aliases=("tier", "loyalty tier"), help="standard … platinum"),
    Field("status", "Status", aliases=("customer status",), help="prospect, customer or former"),
    Field("lifetime_value", "Lifetime value", aliases=("ltv", "clv", "customer lifetime value")),
    Field("lifecycle_stage", "Lifecycle stage", aliases=("stage", "lifecyclestage")),
    Field(
        "household_external_id",
        "Household id",
        aliases=("household", "household id"),
        help="A household imported earlier with the same source label.",
    ),
    Field(
        "owner",
        "Owner",
        aliases=("account owner", "owner id", "record owner"),
        help="The other system's id for the owner, or a Rapport username or e-mail address.",
    ),
)

# Words other systems use, mapped to ours (labels and values are always accepted too).
KINDS = {
    **dict.fromkeys(("person", "individual", "private", "contact"), CustomerKind.PERSON.value),
    **dict.fromkeys(
        ("organisation", "organization", "company", "business", "account", "org"),
        CustomerKind.ORGANISATION.value,
    ),
}
STATUSES = {
    "lead": CustomerStatus.PROSPECT.value,
    "active": CustomerStatus.CUSTOMER.value,
    "inactive": CustomerStatus.FORMER.value,
    "churned": CustomerStatus.FORMER.value,
    "closed": CustomerStatus.FORMER.value,
}
SEGMENTS = {
    **dict.fromkeys(("b2c", "individual", "retail", "private"), Segment.CONSUMER.value),
    **dict.fromkeys(("smb", "sme", "small business"), Segment.SMALL_BUSINESS.value),
    **dict.fromkeys(("enterprise", "large business"), Segment.CORPORATE.value),
    **dict.fromkeys(("public", "government", "public sector"), Segment.PUBLIC_SECTOR.value),
}
LANGUAGES = {
    "english": "en",
    "spanish": "es",
    "español": "es",
    "french": "fr",
    "français": "fr",
    "german": "de",
    "deutsch": "de",
    "italian": "it",
    "portuguese": "pt",
    "dutch": "nl",
    "polish": "pl",
    "chinese": "zh",
    "arabic": "ar",
    "japanese": "ja",
    "korean": "ko",
    "vietnamese": "vi",
    "russian": "ru",
}
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,4})?")


def _words(choices: Any, extra: dict[str, str]) -> dict[str, str]:
    words = {value: value for value in choices.values}
    words.update({str(label).lower(): value for value, label in choices.choices})
    words.update({value.replace("_", " "): value for value in choices.values})
    return words | extra


# --- Fast, exact normalisation -----------------------------------------------------------------
#
# normalise_phone and normalise_email are exact but slow (20-25 µs each). Most files write numbers
# in E.164 and plain addresses; for those, a cheaper check gives the same answer (property tests
# in test_source_customers_normalise.py hold the two to each other), and anything else takes the
# full path.

E164 = re.compile(r"\+([1-9][0-9]{6,14})")
NANP_DIGITS = re.compile(r"1?([2-9][0-9]{9})")
PUNCTUATION = str.maketrans("", "", " ()-.")  # what people put between digits
PLAIN_EMAIL = re.compile(
    r"(?=[^@]{1,64}@)[a-z0-9_%+-]+(?:\.[a-z0-9_%+-]+)*"
    r"@(?!.*--)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)
SPECIAL_USE = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})


def fast_phone(raw: str, region: str) -> str:
    """E.164 for a valid number, as normalise_phone(raw, region=region) gives it."""
    digits = _e164_digits(raw, region)
    if digits is not None:
        split = _split_country(digits)
        if split is not None:
            if _valid(*split):
                return "+" + digits
            raise ValueError(raw)
    return normalise_phone(raw, region=region)


def _e164_digits(raw: str, region: str) -> str | None:
    """The digits of a number written in E.164 ('+12125550134', '+1 (212) 555-0134'), or of a
    national number of the North American plan when the job's region is in it (ten digits, the
    first 2-9, after an optional 1: how phonenumbers reads them there)."""
    compact = raw.translate(PUNCTUATION)
    match = E164.fullmatch(compact)
    if match:
        return match.group(1)
    if region in NANP_REGIONS:
        match = NANP_DIGITS.fullmatch(compact)
        if match:
            return "1" + match.group(1)
    return None


@dataclass(frozen=True, slots=True)
class Country:
    code: int
    region: str  # the main region of the calling code ("US" for 1, "001" for non-geographic)
    prefix: re.Pattern[str] | None  # a national prefix phonenumbers.parse would strip
    main_decides: bool  # the main region is asked first, without a leading-digits test


def _split_country(digits: str) -> tuple[PhoneNumber, Country] | None:
    """The number, when it needs none of the national-prefix rules phonenumbers.parse applies."""
    for length in (1, 2, 3):
        country = _country(digits[:length])
        if country is None:
            continue
        national = digits[length:]
        if national.startswith("0") or (country.prefix and country.prefix.match(national)):
            return None
        return PhoneNumber(country_code=country.code, national_number=int(national)), country
    return None


def _valid(number: PhoneNumber, country: Country) -> bool:
    # is_valid_number first finds the number's region, which is the calling code's main region
    # whenever that region's patterns accept the number, then checks the number there. Asking
    # the main region directly gives the same answer at half the cost for most numbers.
    if country.main_decides and phonenumbers.is_valid_number_for_region(number, country.region):
        return True
    return phonenumbers.is_valid_number(number)


def _country(code: str) -> Country | None:
    """The calling code's country, None for a code that is not one (a longer code may be)."""
    if code not in COUNTRIES:
        region = phonenumbers.region_code_for_country_code(int(code))
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(int(code), region)
        if region == phonenumbers.phonenumberutil.UNKNOWN_REGION or metadata is None:
            COUNTRIES[code] = None
        else:
            prefix = metadata.national_prefix_for_parsing
            COUNTRIES[code] = Country(
                code=int(code),
                region=region,
                prefix=re.compile(prefix) if prefix else None,
                main_decides=metadata.leading_digits is None,
            )
    return COUNTRIES[code]


COUNTRIES: dict[str, Country | None] = {}
NANP_REGIONS = frozenset(phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1])


def fast_email(raw: str) -> str:
    """The address as normalise_email gives it (lower-cased)."""
    lowered = raw.lower()
    if (
        len(lowered) <= 254
        and PLAIN_EMAIL.fullmatch(lowered)
        and lowered.rpartition(".")[2] not in SPECIAL_USE
    ):
        return lowered
    return normalise_email(raw)


def name_keys(kind: str, first: str, last: str, organisation: str) -> tuple[str, str]:
    """(name_key, surname_key) exactly as services.set_name_keys writes them; each name part is
    folded once and cached (first and last names repeat a lot in a file)."""
    if kind == CustomerKind.ORGANISATION:
        key = _fold(organisation)
        return key, key
    first_key, last_key = _fold(first), _fold(last)
    return _join(first_key, last_key), _join(last_key, first_key)


def _fold(part: str) -> str:
    try:
        return FOLDED[part]
    except KeyError:
        folded = name_key(part)
        if len(FOLDED) < NAME_KEY_CACHE:
            FOLDED[part] = folded
        return folded


FOLDED: dict[str, str] = {}


def _join(one: str, other: str) -> str:
    return f"{one} {other}" if one and other else one or other


# --- Checking a row ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Point:
    kind: str
    value: str  # as written
    normalised: str
    label: str


@dataclass(slots=True)
class Checked:
    """A row that passed its checks: the customer fields the file gives (others left as stored)
    and its contact points."""

    line: int
    external_id: str
    given: dict[str, Any]
    points: tuple[Point, ...]
    owner_ref: str = ""


class Refs:
    """What checking a batch's rows needs besides the rows: today's date, and the households
    and owners the batch names, looked up once per run (ctx.cache)."""

    def __init__(self, lines: Sequence[Line], ctx: Context) -> None:
        self.today = timezone.localdate()
        self.households: dict[str, int | None] = ctx.cache.setdefault("customers:households", {})
        self.owners: dict[str, int | None] = ctx.cache.setdefault("customers:owners", {})
        self._load_households({_cell(line, "household_external_id") for line in lines}, ctx)
        self._load_owners({_cell(line, "owner") for line in lines}, ctx)

    def _load_households(self, refs: set[str], ctx: Context) -> None:
        wanted = [ref for ref in refs - self.households.keys() if ref and "\x00" not in ref]
        self.households.update(dict.fromkeys(wanted))
        for chunk in _chunks(wanted):
            found = Household.objects.filter(source=ctx.source_label, external_id__in=chunk)
            for external_id, pk in found.values_list("external_id", "id"):
                self.households[external_id or ""] = pk

    def _load_owners(self, refs: set[str], ctx: Context) -> None:
        wanted = [ref for ref in refs - self.owners.keys() if ref and "\x00" not in ref]
        self.owners.update(dict.fromkeys(wanted))
        for chunk in _chunks(wanted):
            accounts = ExternalAccount.objects.filter(
                source=ctx.source_label, external_id__in=chunk
            )
            self.owners.update(accounts.values_list("external_id", "user_id"))
            rest = [ref for ref in chunk if self.owners[ref] is None]
            self.owners.update(User.objects.filter(username__in=rest).values_list("username", "id"))
            self._load_owner_emails(
                [ref for ref in rest if self.owners[ref] is None and "@" in ref]
            )

    def _load_owner_emails(self, refs: list[str]) -> None:
        lowered = {ref.lower(): ref for ref in refs}
        if not lowered:
            return
        found: dict[str, list[int]] = {}
        users = User.objects.annotate(address=Lower("email")).filter(address__in=lowered)
        for address, user_id in users.values_list("address", "id"):
            found.setdefault(address, []).append(user_id)
        # An address two accounts share names neither of them for sure.
        self.owners.update({lowered[a]: ids[0] for a, ids in found.items() if len(ids) == 1})


def _cell(line: Line, name: str) -> str:
    return (line.values.get(name) or "").strip()


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), LOOKUP_CHUNK):
        yield items[start : start + LOOKUP_CHUNK]


KIND_WORDS = _words(CustomerKind, KINDS)
STATUS_WORDS = _words(CustomerStatus, STATUSES)
SEGMENT_WORDS = _words(Segment, SEGMENTS)
TIER_WORDS = _words(ValueTier, {})


def check(line: Line, ctx: Context, refs: Refs) -> Checked:
    """The row's customer fields and contact points; RowError says what is wrong."""
    values = line.values
    if any("\x00" in value for value in values.values() if value):
        raise RowError("the row contains a NUL character")
    external_id = text(values.get("external_id"), "external_id", max_length=100, required=True)
    given: dict[str, Any] = {}
    _names(values, given)
    _details(values, ctx, refs.today, given)
    household = _cell(line, "household_external_id")
    if household:
        household_id = refs.households.get(household)
        if household_id is None:
            raise RowError(
                f"household_external_id: no household {quoted(household)} from "
                f"{ctx.source_label}; import the households first"
            )
        given["household_id"] = household_id
    owner = _cell(line, "owner")
    if owner and refs.owners.get(owner) is not None:
        given["owner_id"] = refs.owners[owner]
    return Checked(line.number, external_id, given, _points(values, ctx), owner)


def _names(values: dict[str, str], given: dict[str, Any]) -> None:
    first = _name(values.get("first_name"), "first_name", 100)
    last = _name(values.get("last_name"), "last_name", 100)
    organisation = _name(values.get("organisation_name"), "organisation_name", 200)
    kind = parse_choice(values.get("kind"), "kind", choices=KIND_WORDS)
    if not (first or last or organisation):
        raise RowError("a row needs a first_name or last_name, or an organisation_name")
    if kind is None:
        kind = CustomerKind.PERSON.value if first or last else CustomerKind.ORGANISATION.value
    if kind == CustomerKind.PERSON and not (first or last):
        raise RowError("a person needs a first_name or last_name")
    if kind == CustomerKind.ORGANISATION and not organisation:
        raise RowError("an organisation needs an organisation_name")
    given["kind"] = kind
    for name, value in (("first_name", first), ("last_name", last)):
        if value:
            given[name] = value
    if organisation:
        given["organisation_name"] = organisation


def _name(value: str | None, name: str, max_length: int) -> str:
    cleaned = text(value, name, max_length=max_length)
    return cleaned if cleaned.isascii() else unicodedata.normalize("NFC", cleaned)


def _details(values: dict[str, str], ctx: Context, today: date, given: dict[str, Any]) -> None:
    born = parse_date(values.get("date_of_birth"), "date_of_birth", date_format=ctx.date_format)
    if born is not None:
        if born > today:
            raise RowError(f"date_of_birth is in the future: {quoted(born.isoformat())}")
        given["date_of_birth"] = born
    language = _language(values.get("language"))
    if language:
        given["language"] = language
    for name, words in (
        ("segment", SEGMENT_WORDS),
        ("value_tier", TIER_WORDS),
        ("status", STATUS_WORDS),
    ):
        chosen = parse_choice(values.get(name), name, choices=words)
        if chosen is not None:
            given[name] = chosen
    worth = parse_decimal(values.get("lifetime_value"), "lifetime_value")
    if worth is not None:
        if not Decimal(0) <= worth <= MAX_LIFETIME_VALUE:
            raise RowError(f"lifetime_value must be between 0 and {MAX_LIFETIME_VALUE:,}")
        given["lifetime_value"] = worth
    stage = text(values.get("lifecycle_stage"), "lifecycle_stage", max_length=40)
    if stage:
        given["lifecycle_stage"] = stage


def _language(value: str | None) -> str:
    """A BCP 47 code as the model keeps it: 'en', 'es', 'fr-CA' (region upper-case)."""
    cleaned = (value or "").strip().lower().replace("_", "-")
    if not cleaned:
        return ""
    cleaned = LANGUAGES.get(cleaned, cleaned)
    if not LANGUAGE_CODE.fullmatch(cleaned):
        raise RowError(f"language must be a code such as en, es or fr-CA: {quoted(value or '')}")
    primary, _, region = cleaned.partition("-")
    return f"{primary}-{region.upper()}" if region else primary


def _points(values: dict[str, str], ctx: Context) -> tuple[Point, ...]:
    points: list[Point] = []
    raw = text(values.get("email"), "email", max_length=320)
    if raw:
        try:
            points.append(Point(ContactKind.EMAIL.value, raw, fast_email(raw), ""))
        except ValidationFailed:
            raise RowError(f"email is not a valid e-mail address: {quoted(raw)}") from None
    for name, label in (("phone", ""), ("mobile", "mobile")):
        raw = text(values.get(name), name, max_length=320)
        if not raw:
            continue
        try:
            normalised = fast_phone(raw, ctx.default_region)
        except (ValueError, ValidationFailed):
            raise RowError(f"{name} is not a valid phone number: {quoted(raw)}") from None
        if all(point.normalised != normalised for point in points):
            points.append(Point(ContactKind.PHONE.value, raw, normalised, label))
    return tuple(points)


# --- Comparing with what is stored -------------------------------------------------------------


# What a stored customer is compared on: the columns a row can fill, and the merge link. A new
# customer gets every column (_defaults); a changed one is written by these and its history row
# read back from the table.
COMPARED = (
    "external_id",
    "kind",
    "first_name",
    "last_name",
    "organisation_name",
    "date_of_birth",
    "language",
    "segment",
    "value_tier",
    "status",
    "lifetime_value",
    "lifecycle_stage",
    "household_id",
    "owner_id",
    "merged_into_id",
)


@dataclass(slots=True)
class Stored:
    id: int
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds a contact point: a stored customer (id) or one this batch adds (id None)."""

    customer_id: int | None
    source: str
    external_id: str


@dataclass
class Plan:
    """What a batch writes. New customers and points carry every column; points of a new
    customer name it by external id until it has a primary key. History rows say `reason`."""

    now: datetime
    reason: str
    new: list[dict[str, Any]] = field(default_factory=list)
    changed: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    changed_fields: set[str] = field(default_factory=set)
    points: list[tuple[int | str, Point]] = field(default_factory=list)


class Tally:
    """Counts, notes counted per row (listed first in the samples), a few named examples."""

    def __init__(self) -> None:
        self.outcome = Outcome()
        self.notes: Counter[str] = Counter()
        self.examples: list[str] = []
        self.changes: list[str] = []

    def count(self, verdict: str, change: Callable[[], str] | None = None) -> None:
        """Count the row; `change` describes it, asked only while samples are wanted."""
        setattr(self.outcome, verdict, getattr(self.outcome, verdict) + 1)
        if change is not None and len(self.changes) < SAMPLES:
            self.changes.append(change())

    def note(self, text: str, example: str = "") -> None:
        self.notes[text] += 1
        if example and len(self.examples) < EXAMPLES:
            self.examples.append(example)

    def finish(self) -> Outcome:
        self.outcome.errors.sort()
        notes = [f"{n} row{'s' if n > 1 else ''}: {what}" for what, n in self.notes.most_common()]
        self.outcome.samples = (notes + self.examples + self.changes)[:SAMPLES]
        return self.outcome


def stored_customers(
    source: str, external_ids: Sequence[str], cursor: Any = None
) -> dict[str, Stored]:
    """The stored customers among the batch's external ids, with the COMPARED columns. `cursor`:
    the writer thread's, on PostgreSQL (customers_copy.overlapped)."""
    found: dict[str, Stored] = {}
    for chunk in _chunks(external_ids):
        if connection.vendor == "postgresql":
            rows = customers_copy.customer_rows(source, chunk, COMPARED, cursor)
        else:
            query = Customer.objects.filter(source=source, external_id__in=chunk)
            rows = list(query.values_list("id", *COMPARED))
        for pk, *values in rows:
            stored = Stored(pk, dict(zip(COMPARED, values, strict=True)))
            found[stored.values["external_id"]] = stored
    return found


def stored_holders(points: Iterable[Point], cursor: Any = None) -> dict[tuple[str, str], Holder]:
    """Who holds the batch's contact points already."""
    by_kind: dict[str, set[str]] = {}
    for point in points:
        by_kind.setdefault(point.kind, set()).add(point.normalised)
    holders: dict[tuple[str, str], Holder] = {}
    for kind, wanted in by_kind.items():
        for chunk in _chunks(sorted(wanted)):
            if connection.vendor == "postgresql":
                rows = customers_copy.holder_rows(kind, chunk, cursor)
            else:
                query = ContactPoint.objects.filter(kind=kind, network="", normalised__in=chunk)
                rows = list(
                    query.values_list(
                        "normalised", "customer_id", "customer__source", "customer__external_id"
                    )
                )
            for normalised, customer_id, source, external_id in rows:
                holders[(kind, normalised)] = Holder(customer_id, source, external_id or "")
    return holders


def plan(
    rows: Sequence[Checked],
    ctx: Context,
    tally: Tally,
    holders: dict[tuple[str, str], Holder],
    cursor: Any = None,
) -> Plan:
    """Compare the rows with what is stored and decide, row by row, what to write. `holders`
    holds the contact points earlier parts of the batch claimed; they come first. Reads through
    `cursor` when given (the writer thread's)."""
    stored = stored_customers(ctx.source_label, [row.external_id for row in rows], cursor)
    points = (point for row in rows for point in row.points)
    for key, holder in stored_holders(points, cursor).items():
        holders.setdefault(key, holder)
    result = Plan(now=timezone.now(), reason=f"import job {ctx.job_id}")
    for row in rows:
        _owner_note(row, tally)
        current = stored.get(row.external_id)
        if current is not None and current.values["merged_into_id"] is not None:
            tally.count("unchanged")
            tally.note("the customer was merged into another in Rapport; the row was not applied")
            continue
        _plan_row(row, current, holders, ctx, result, tally)
    return result


def _plan_row(
    row: Checked,
    current: Stored | None,
    holders: dict[tuple[str, str], Holder],
    ctx: Context,
    result: Plan,
    tally: Tally,
) -> None:
    changed: list[str] = []
    if current is None:
        values = _new_values(row, ctx, result.now)
    else:
        values = dict(current.values)
        changed = [name for name, value in row.given.items() if values[name] != value]
        values.update(row.given)
    values["name_key"], values["surname_key"] = keys = name_keys(
        values["kind"], values["first_name"], values["last_name"], values["organisation_name"]
    )
    if max(len(key) for key in keys) > KEY_LENGTH:
        # Known only once the stored name is merged in; the row is refused, nothing is written.
        tally.outcome.errors.append((row.line, "the name is too long to be searched"))
        return
    attached = _attach(row, current, holders, ctx, result, tally)
    if current is None:
        result.new.append(values)
        tally.count("added", lambda: f"add {_describe(values, ctx.source_label)}")
    elif changed or attached:
        if changed:
            values["updated_at"] = result.now
            result.changed.append((current.id, values))
            result.changed_fields.update(changed)
        what = ", ".join(changed + [point.kind for point in attached])
        tally.count("updated", lambda: f"update {_describe(values, ctx.source_label)}: {what}")
    else:
        tally.count("unchanged")


def _new_values(row: Checked, ctx: Context, now: datetime) -> dict[str, Any]:
    values = dict(_defaults())
    values.update(row.given)
    values.update(source=ctx.source_label, external_id=row.external_id, created_at=now)
    values["updated_at"] = now
    return values


def _defaults() -> dict[str, Any]:
    """A new customer's values where the file says nothing: the model's defaults, as values
    COPY can write (a database default is read from the field, not left to the database)."""
    if not DEFAULTS:
        for f in Customer._meta.concrete_fields:
            if f.primary_key:
                continue
            if f.has_default() or f.db_default is NOT_PROVIDED:
                DEFAULTS[f.attname] = f.get_default()
            else:
                given = f.db_default
                DEFAULTS[f.attname] = given.value if isinstance(given, Value) else given
        DEFAULTS["lifetime_value"] = Decimal(DEFAULTS["lifetime_value"]).quantize(Decimal("0.01"))
        for name, value in DEFAULTS.items():
            if isinstance(value, str):  # TextChoices members: plain text for COPY
                DEFAULTS[name] = str(value)
    return DEFAULTS


DEFAULTS: dict[str, Any] = {}


def _attach(
    row: Checked,
    current: Stored | None,
    holders: dict[tuple[str, str], Holder],
    ctx: Context,
    result: Plan,
    tally: Tally,
) -> list[Point]:
    """The row's points its customer lacks and nobody else holds; they are claimed at once so a
    later row of the batch naming the same number sees this one."""
    attached = []
    for point in row.points:
        held = holders.get((point.kind, point.normalised))
        if held is None:
            holders[(point.kind, point.normalised)] = Holder(
                current.id if current else None, ctx.source_label, row.external_id
            )
            # A new customer is named by its external id until it has a primary key.
            result.points.append((current.id if current else row.external_id, point))
            attached.append(point)
        elif not _same(held, current, ctx.source_label, row.external_id):
            tally.note(
                "an e-mail address or number in the row already belongs to another customer; "
                "the row was imported without it",
                f"line {row.line}: {point.kind} {point.normalised} already belongs to "
                f"{_holder_name(held)}; not attached to {ctx.source_label} {row.external_id}",
            )
    return attached


def _same(held: Holder, current: Stored | None, source: str, external_id: str) -> bool:
    if held.customer_id is not None:
        return current is not None and held.customer_id == current.id
    return (held.source, held.external_id) == (source, external_id)


def _holder_name(held: Holder) -> str:
    known = f" ({held.source} {held.external_id})" if held.external_id else ""
    if held.customer_id is None:
        return f"the customer{known} added earlier in this batch"
    return f"customer {held.customer_id}{known}"


def _owner_note(row: Checked, tally: Tally) -> None:
    if row.owner_ref and "owner_id" not in row.given:
        tally.note(f"owner {quoted(row.owner_ref)} has no Rapport account; imported without one")


def _describe(values: dict[str, Any], source: str) -> str:
    if values["kind"] == CustomerKind.ORGANISATION:
        name = values["organisation_name"]
    else:
        name = f"{values['first_name']} {values['last_name']}".strip()
    return f"customer {name or '(no name)'} ({source} {values['external_id']})"


def last_wins(lines: Sequence[Line], tally: Tally) -> Sequence[Line]:
    """One line per external id: the last in the batch (even when it turns out to be wrong, it
    is the file's last word); earlier ones count as unchanged."""
    latest: dict[str, Line] = {}
    for line in lines:
        key = _cell(line, "external_id")
        if key in latest:
            tally.count("unchanged")
            tally.note("repeated by a later row of the file, which was used instead")
        latest[key] = line
    if len(latest) == len(lines):
        return lines
    return sorted(latest.values(), key=lambda line: line.number)


# --- Writing -----------------------------------------------------------------------------------


def write_with_orm(result: Plan) -> None:
    """The plan through bulk_create/bulk_update and simple_history's bulk helpers."""
    history = {"default_change_reason": result.reason, "default_date": result.now}
    customers = [_unattributed(Customer(**values)) for values in result.new]
    created = bulk_create_with_history(customers, Customer, batch_size=ORM_BATCH, **history)
    ids: dict[str, int] = {c.external_id or "": c.pk for c in created}
    if result.changed:
        stored = Customer.objects.in_bulk([pk for pk, _ in result.changed])
        for pk, values in result.changed:
            for name, value in values.items():
                setattr(stored[pk], name, value)
            _unattributed(stored[pk])
        names = result.changed_fields | {"name_key", "surname_key", "updated_at"}
        fields = [Customer._meta.get_field(name).name for name in sorted(names)]
        bulk_update_with_history(
            list(stored.values()), Customer, fields, batch_size=ORM_BATCH, **history
        )
    points = [
        _unattributed(
            ContactPoint(
                customer_id=ids[owner] if isinstance(owner, str) else owner,
                kind=point.kind,
                value=point.value,
                normalised=point.normalised,
                label=point.label,
            )
        )
        for owner, point in result.points
    ]
    bulk_create_with_history(points, ContactPoint, batch_size=ORM_BATCH, **history)


def _unattributed(obj: T) -> T:
    """No history user: the reason names the job, and the job who started it. (A user on every
    history row costs a foreign-key check each, a fifth of the import's time on PostgreSQL;
    without this, simple_history would take the user of a request the job happens to run in.)"""
    obj._history_user = None  # type: ignore[attr-defined]
    return obj


Writer = Callable[[Plan], None]


# --- The source --------------------------------------------------------------------------------


def import_batch(lines: Sequence[Line], ctx: Context, *, write: Writer | None = None) -> Outcome:
    """Check, compare and write one batch. `write` is the database's own writer unless given
    (both write the same rows; the tests hold them to that)."""
    refs = Refs(lines, ctx)
    for attempt in range(1, ATTEMPTS + 1):
        tally = Tally()
        try:
            # A savepoint, so that when another writer took an external id or a contact point
            # between reading and writing, the batch is compared again and rewritten.
            with transaction.atomic():
                _import(lines, ctx, refs, tally, write)
            break
        except IntegrityError:
            if attempt == ATTEMPTS:
                raise
    return tally.finish()


def _import(
    lines: Sequence[Line], ctx: Context, refs: Refs, tally: Tally, write: Writer | None
) -> None:
    holders: dict[tuple[str, str], Holder] = {}
    latest = last_wins(lines, tally)
    with _writing(ctx, write) as submit:
        for start in range(0, len(latest), PART):
            rows = []
            for line in latest[start : start + PART]:
                try:
                    rows.append(check(line, ctx, refs))
                except RowError as exc:
                    tally.outcome.errors.append((line.number, str(exc)))
            submit(functools.partial(plan, rows, ctx, tally, holders))


Decide = Callable[..., Plan]  # decide(cursor=None): compare checked rows with what is stored


@contextmanager
def _writing(ctx: Context, write: Writer | None) -> Iterator[Callable[[Decide], None]]:
    """Where checked rows go: compared and written nowhere in a dry run; on PostgreSQL, compared
    and written by a second thread while this one checks the next part; else compared here and
    written through the ORM (or `write`)."""
    if ctx.dry_run:
        yield _compare_only
    elif write is None and connection.vendor == "postgresql":
        with customers_copy.overlapped() as submit:
            yield submit
    else:
        writer = write or write_with_orm
        yield lambda decide: writer(decide())


def _compare_only(decide: Decide) -> None:
    decide()  # a dry run counts what the rows would do and writes nothing


class CustomersSource(system.FromNamedSystem, Source):
    key = "customers"
    label = "Customers"
    description = (
        "One row per person or organisation from another system, found again on the next "
        "import by the system's name and its id there. Names, date of birth, language, segment, "
        "value tier, status, lifetime value and lifecycle stage go on the customer; the e-mail "
        "address, phone and mobile numbers become its contact points; a household id links it "
        "to a household imported before from the same system. An empty cell leaves what "
        "Rapport holds as it is. A number or address another customer already has stays with "
        "them and is reported."
    )
    fields = FIELDS
    person_id_field = "external_id"

    def process(self, lines: Sequence[Line], ctx: Context) -> Outcome:
        return import_batch(lines, ctx)


register(CustomersSource())
