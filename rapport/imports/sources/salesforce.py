"""Salesforce exports (Data Loader, or a report with API field names as headers): Accounts,
Contacts and Cases, each idempotent by (salesforce, Id).

Ids: reports write a record id as 15 case-sensitive characters, Data Loader as 18 case-safe ones;
every id is stored in the 18-character form, so a Contact's AccountId finds its Account whichever
export each came from.

Accounts: an Account whose Type names a household ("Household") becomes a Household; any other
Type (Customer - Direct, Channel Partner / Reseller, Prospect, Other …) is a business account and
becomes a Customer of kind organisation, with its Phone and billing address as contact points, its
Type as lifecycle stage, and the status customer or prospect when the Type says so. An Account
without a Type becomes a household unless the import's option says organisation (for orgs that
sell to businesses). A household has no phone in Rapport: a household Account's Phone is not read.

Contacts: a Customer (person) in the household of its Account. A contact of an Account that is
not a household imported from Salesforce (unknown, or a business account) is imported without a
household, and the samples say so. In a dry run, Accounts are known only once they were imported.

Cases: a case of the customer imported from its Contact (else of its business Account), in the
queue the import's option names (else the first tier-1 queue). Status (New, Working, Escalated,
On Hold, Closed …), Priority (Low, Medium, High …) and Origin (Phone, Email, Web …) are translated;
a blank Origin is Web (the case was typed into Salesforce itself). A closed case needs its
ClosedDate, which becomes its resolved and closed time. CaseNumber, Origin, Status, Type and Reason
are kept as Salesforce wrote them. Imported cases run no SLA clocks (see lookups.write_case).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import phonenumbers
from django import forms
from django.utils import timezone

from rapport.access.choices import Channel, Priority
from rapport.cases.choices import CaseStatus
from rapport.cases.models import Case
from rapport.customers.choices import ContactKind, CustomerKind, CustomerStatus
from rapport.customers.models import Customer, Household
from rapport.customers.normalise import name_key
from rapport.imports.sources import register
from rapport.imports.sources.base import Context, Field, Line, Outcome, RowError, Source
from rapport.imports.sources.lookups import (
    ExportedCase,
    Holders,
    Point,
    QueueOptionsForm,
    Tally,
    apply,
    customer_write,
    customers_named,
    email_point,
    last_wins,
    multiline,
    name_text,
    people_named,
    person_name,
    phone_point,
    queue_for,
    read_rows,
    said,
    verdict,
    write_case,
)
from rapport.imports.values import parse_choice, parse_date, parse_datetime, quoted, text

CHECKSUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
COUNTRY_ALIASES = {
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "united states of america": "US",
    "america": "US",
    "uk": "GB",
    "u.k.": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
}


def sf_id(value: str | None, name: str, *, required: bool = False) -> str:
    """A Salesforce id in its 18-character form ("" when empty and not required)."""
    cleaned = text(value, name, max_length=100, required=required)
    if not cleaned:
        return ""
    if len(cleaned) not in (15, 18) or not (cleaned.isascii() and cleaned.isalnum()):
        raise RowError(
            f"{name} is not a Salesforce id (15 or 18 letters and digits): {quoted(cleaned)}"
        )
    if len(cleaned) == 18:
        return cleaned
    # Each block of five characters adds one letter that encodes which of them are upper case.
    blocks = (cleaned[start : start + 5] for start in (0, 5, 10))
    return cleaned + "".join(
        CHECKSUM[sum(1 << i for i, ch in enumerate(block) if "A" <= ch <= "Z")] for block in blocks
    )


def owner_of(ctx: Context, owner_id: str, tally: Tally, consequence: str) -> int | None:
    """The user linked to a Salesforce user id, written in either of its forms."""
    found = people_named(ctx, [owner_id, owner_id[:15]], source=ctx.source_label)
    user = found.get(owner_id) or found.get(owner_id[:15])
    if owner_id and user is None:
        tally.note(f"OwnerId {owner_id} has no Rapport account; {consequence}")
    return user


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    """English country names (from the phone-number metadata) and two-letter codes → code."""
    # The geocoder's data costs a worker about 100 MB; only account files with countries need it.
    from phonenumbers import geocoder

    names = {code.lower(): code for code in phonenumbers.SUPPORTED_REGIONS}
    for code in phonenumbers.SUPPORTED_REGIONS:
        example = phonenumbers.example_number(code)
        country = geocoder.country_name_for_number(example, "en") if example else ""
        if country:
            names.setdefault(name_key(country), code)
    return names | COUNTRY_ALIASES


def country_code(value: str | None, name: str) -> str:
    cleaned = text(value, name, max_length=100)
    if not cleaned:
        return ""
    code = _countries().get(name_key(cleaned))
    if code is None:
        raise RowError(f"{name} is not a country name or two-letter code: {quoted(cleaned)}")
    return code


@dataclass(frozen=True)
class Address:
    line1: str
    line2: str
    postal_code: str
    city: str
    region: str
    country: str

    def point(self, label: str) -> Point | None:
        parts = [self.line1, self.line2, f"{self.postal_code} {self.city}".strip(), self.region]
        written = ", ".join(part for part in [*parts, self.country] if part)
        return Point(ContactKind.POSTAL, written, name_key(written), label) if written else None


def address(values: dict[str, str], prefix: str) -> Address:
    """BillingStreet / MailingStreet may hold several lines: the first is line 1, the rest line 2."""
    street = multiline(values.get(f"{prefix}Street")).split("\n")
    return Address(
        line1=text(street[0], f"{prefix}Street", max_length=200),
        line2=text(", ".join(street[1:]), f"{prefix}Street", max_length=200),
        postal_code=text(values.get(f"{prefix}PostalCode"), f"{prefix}PostalCode", max_length=20),
        city=text(values.get(f"{prefix}City"), f"{prefix}City", max_length=100),
        region=text(values.get(f"{prefix}State"), f"{prefix}State", max_length=100),
        country=country_code(values.get(f"{prefix}Country"), f"{prefix}Country"),
    )


def address_fields(prefix: str, label: str) -> tuple[Field, ...]:
    return (
        Field(f"{prefix}Street", f"{label} street", aliases=(f"{label} Street",)),
        Field(f"{prefix}City", f"{label} city", aliases=(f"{label} City",)),
        Field(f"{prefix}State", f"{label} state", aliases=(f"{label} State/Province",)),
        Field(f"{prefix}PostalCode", f"{label} postal code", aliases=(f"{label} Zip/Postal Code",)),
        Field(f"{prefix}Country", f"{label} country", aliases=(f"{label} Country",)),
    )


# --- Accounts ------------------------------------------------------------------------------------


class AccountOptionsForm(forms.Form):
    untyped_accounts = forms.ChoiceField(
        label="Accounts without a Type become",
        choices=[("household", "Households"), ("organisation", "Organisation customers")],
        initial="household",
        required=False,
    )


@dataclass(frozen=True)
class AccountRow:
    id: str
    name: str
    type: str
    business: bool
    phone: Point | None
    address: Address
    owner: str


def read_account(line: Line, ctx: Context) -> AccountRow:
    values = line.values
    account_type = text(values.get("Type"), "Type", max_length=40)
    untyped_business = ctx.options.get("untyped_accounts") == "organisation"
    return AccountRow(
        id=sf_id(values.get("Id"), "Id", required=True),
        name=name_text(values.get("Name"), "Name", max_length=200, required=True),
        type=account_type,
        business=("household" not in account_type.lower()) if account_type else untyped_business,
        phone=phone_point(values.get("Phone"), "Phone", ctx, "work"),
        address=address(values, "Billing"),
        owner=sf_id(values.get("OwnerId"), "OwnerId"),
    )


def status_of(account_type: str) -> str | None:
    lowered = account_type.lower()
    if lowered.startswith("customer"):
        return CustomerStatus.CUSTOMER
    return CustomerStatus.PROSPECT if lowered.startswith("prospect") else None


class _SalesforcePerson(Source):
    """A Salesforce export whose rows are customers named by their 15- or 18-character Id."""

    person_id_field = "Id"

    def person_id(self, line: Line) -> str:
        try:
            return sf_id(line.values.get("Id"), "Id")
        except RowError:
            return ""  # the source reports the malformed id itself


class SalesforceAccounts(_SalesforcePerson):
    key = "salesforce_accounts"
    label = "Salesforce accounts"
    description = (
        "An Account export from Salesforce (Data Loader or a report with API field names). "
        "An Account whose Type is Household becomes a household with its billing address; any "
        "other Type is a business account and becomes an organisation customer with its phone "
        "and billing address. Accounts without a Type become households unless you choose "
        "otherwise. Re-importing updates the same records (matched by Salesforce Id)."
    )
    source_label = "salesforce"
    options_form = AccountOptionsForm
    fields = (
        Field("Id", "Account ID", required=True, aliases=("Account ID",)),
        Field("Name", "Account name", required=True, aliases=("Account Name",)),
        Field("Type", "Type", aliases=("Account Type",)),
        Field("Phone", "Phone", aliases=("Account Phone",)),
        *address_fields("Billing", "Billing"),
        Field("OwnerId", "Owner ID", aliases=("Account Owner ID",)),
    )

    def process(self, lines: Sequence[Line], ctx: Context) -> Outcome:
        tally = Tally()
        rows = read_rows(lines, lambda line: read_account(line, ctx), tally)
        kept = [row for _, row in last_wins(rows, lambda row: row.id, tally)]
        self._households([r for r in kept if not r.business], ctx, tally)
        self._organisations([r for r in kept if r.business], ctx, tally)
        return tally.finish()

    def _households(self, rows: list[AccountRow], ctx: Context, tally: Tally) -> None:
        found = Household.objects.filter(
            source=ctx.source_label, external_id__in=[r.id for r in rows]
        )
        existing = {household.external_id: household for household in found}
        for row in rows:
            household = existing.get(row.id)
            new = household is None
            if household is None:
                household = Household(
                    source=ctx.source_label, external_id=row.id, country=ctx.default_region
                )
            wanted = {
                "name": row.name,
                "address_line1": row.address.line1,
                "address_line2": row.address.line2,
                "postal_code": row.address.postal_code,
                "city": row.address.city,
                "region": row.address.region,
                "country": row.address.country,
            }
            changed = apply(household, said(wanted))
            if (new or changed) and not ctx.dry_run:
                household.save()
            tally.count(
                verdict(new, changed), f"household {row.name} ({ctx.source_label} {row.id})"
            )

    def _organisations(self, rows: list[AccountRow], ctx: Context, tally: Tally) -> None:
        existing = customers_named(ctx, (r.id for r in rows), source=ctx.source_label)
        holders = Holders(p for r in rows for p in (r.phone, r.address.point("billing")) if p)
        for row in rows:
            wanted = {
                "kind": CustomerKind.ORGANISATION,
                "organisation_name": row.name,
                "lifecycle_stage": row.type,
                "status": status_of(row.type),
                "owner_id": owner_of(
                    ctx, row.owner, tally, "the account was imported without an owner"
                ),
            }
            points = (row.phone, row.address.point("billing"))
            customer_write(
                existing.get(row.id),
                wanted,
                points,
                key=(ctx.source_label, row.id),
                ctx=ctx,
                tally=tally,
                holders=holders,
            )


# --- Contacts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactRow:
    id: str
    account_id: str
    first_name: str
    last_name: str
    date_of_birth: date | None
    points: tuple[Point | None, ...]
    mailing: Point | None
    owner: str


def read_contact(line: Line, ctx: Context) -> ContactRow:
    values = line.values
    first = name_text(values.get("FirstName"), "FirstName")
    last = name_text(values.get("LastName"), "LastName")
    person_name(first, last, "FirstName/LastName")
    born = parse_date(values.get("Birthdate"), "Birthdate", date_format=ctx.date_format)
    if born and born > timezone.localdate():
        raise RowError(f"Birthdate is in the future: {quoted(values['Birthdate'])}")
    return ContactRow(
        id=sf_id(values.get("Id"), "Id", required=True),
        account_id=sf_id(values.get("AccountId"), "AccountId"),
        first_name=first,
        last_name=last,
        date_of_birth=born,
        points=(
            email_point(values.get("Email"), "Email"),
            phone_point(values.get("Phone"), "Phone", ctx, "work"),
            phone_point(values.get("MobilePhone"), "MobilePhone", ctx, "mobile"),
            phone_point(values.get("HomePhone"), "HomePhone", ctx, "home"),
        ),
        mailing=address(values, "Mailing").point("mailing"),
        owner=sf_id(values.get("OwnerId"), "OwnerId"),
    )


class SalesforceContacts(_SalesforcePerson):
    key = "salesforce_contacts"
    label = "Salesforce contacts"
    description = (
        "A Contact export from Salesforce. Each Contact becomes a customer with its e-mail, "
        "phones and mailing address, in the household of its Account (import the Accounts "
        "first). The record owner becomes the customer's owner when their Salesforce user id "
        "is linked to a Rapport account. Re-importing updates the same customers."
    )
    source_label = "salesforce"
    fields = (
        Field("Id", "Contact ID", required=True, aliases=("Contact ID",)),
        Field("AccountId", "Account ID", aliases=("Account ID",)),
        Field("FirstName", "First name", aliases=("First Name",)),
        Field("LastName", "Last name", aliases=("Last Name",)),
        Field("Email", "Email", aliases=("Email Address",)),
        Field("Phone", "Phone", aliases=("Business Phone",)),
        Field("MobilePhone", "Mobile phone", aliases=("Mobile", "Mobile Phone")),
        Field("HomePhone", "Home phone", aliases=("Home Phone",)),
        Field("Birthdate", "Birthdate", aliases=("Date of Birth",)),
        *address_fields("Mailing", "Mailing"),
        Field("OwnerId", "Owner ID", aliases=("Contact Owner ID",)),
    )

    def process(self, lines: Sequence[Line], ctx: Context) -> Outcome:
        tally = Tally()
        rows = read_rows(lines, lambda line: read_contact(line, ctx), tally)
        kept = [row for _, row in last_wins(rows, lambda row: row.id, tally)]
        existing = customers_named(ctx, (r.id for r in kept), source=ctx.source_label)
        households = self._households_of({r.account_id for r in kept if r.account_id}, ctx)
        holders = Holders(p for r in kept for p in (*r.points, r.mailing) if p)
        for row in kept:
            household = households.get(row.account_id)
            if row.account_id and household is None:
                tally.note(
                    "AccountId is not a household imported from Salesforce (not yet imported, "
                    "or a business account); the contact was imported without a household"
                )
            wanted = {
                "first_name": row.first_name,
                "last_name": row.last_name,
                "date_of_birth": row.date_of_birth,
                "household_id": household.pk if household else None,
                "owner_id": owner_of(
                    ctx, row.owner, tally, "the contact was imported without an owner"
                ),
            }
            customer_write(
                existing.get(row.id),
                wanted,
                (*row.points, self._mailing_apart(row.mailing, household)),
                key=(ctx.source_label, row.id),
                ctx=ctx,
                tally=tally,
                holders=holders,
            )
        return tally.finish()

    @staticmethod
    def _households_of(account_ids: set[str], ctx: Context) -> dict[str, Household]:
        found = Household.objects.filter(source=ctx.source_label, external_id__in=account_ids)
        return {household.external_id or "": household for household in found}

    @staticmethod
    def _mailing_apart(mailing: Point | None, household: Household | None) -> Point | None:
        """The mailing address as the contact's own, unless it is their household's address
        (which members share: as a contact point it could belong to one of them only)."""
        if mailing is None or household is None:
            return mailing
        home = Address(
            household.address_line1,
            household.address_line2,
            household.postal_code,
            household.city,
            household.region,
            household.country,
        ).point("")
        return None if home and home.normalised == mailing.normalised else mailing


# --- Cases ---------------------------------------------------------------------------------------

STATUSES: dict[str, str] = {
    "new": CaseStatus.NEW,
    "working": CaseStatus.OPEN,
    "escalated": CaseStatus.OPEN,
    "in progress": CaseStatus.OPEN,
    "on hold": CaseStatus.WAITING,
    "waiting on customer": CaseStatus.WAITING,
    "resolved": CaseStatus.RESOLVED,
    "closed": CaseStatus.CLOSED,
}
PRIORITIES: dict[str, str] = {
    "low": Priority.LOW,
    "medium": Priority.NORMAL,
    "normal": Priority.NORMAL,
    "high": Priority.HIGH,
    "urgent": Priority.URGENT,
    "critical": Priority.URGENT,
}
ORIGINS: dict[str, str] = {
    "phone": Channel.PHONE,
    "email": Channel.EMAIL,
    "e-mail": Channel.EMAIL,
    "web": Channel.WEB,
    "chat": Channel.CHAT,
    "sms": Channel.SMS,
    "social": Channel.SOCIAL,
    "in person": Channel.IN_PERSON,
}
KEPT = ("CaseNumber", "Origin", "Status", "Type", "Reason")  # Salesforce's own words


@dataclass(frozen=True)
class CaseRow(ExportedCase):
    contact_id: str
    account_id: str
    owner: str


def read_case(line: Line, ctx: Context) -> CaseRow:
    values = line.values
    status = parse_choice(values.get("Status"), "Status", choices=STATUSES, default=CaseStatus.NEW)
    opened = parse_datetime(values.get("CreatedDate"), "CreatedDate", date_format=ctx.date_format)
    if opened is None:
        raise RowError("CreatedDate is missing")
    closed = parse_datetime(values.get("ClosedDate"), "ClosedDate", date_format=ctx.date_format)
    if status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        if closed is None:
            raise RowError(f"ClosedDate is missing for a case whose Status is {values['Status']}")
        if closed < opened:
            raise RowError(f"ClosedDate is before CreatedDate: {quoted(values['ClosedDate'])}")
    subject = " ".join(multiline(values.get("Subject")).split())
    return CaseRow(
        id=sf_id(values.get("Id"), "Id", required=True),
        contact_id=sf_id(values.get("ContactId"), "ContactId"),
        account_id=sf_id(values.get("AccountId"), "AccountId"),
        subject=subject[:255] or "(no subject)",
        description=multiline(values.get("Description")),
        status=status or CaseStatus.NEW,
        priority=parse_choice(
            values.get("Priority"), "Priority", choices=PRIORITIES, default=Priority.NORMAL
        )
        or Priority.NORMAL,
        # A case without an Origin was typed into Salesforce itself.
        channel=parse_choice(values.get("Origin"), "Origin", choices=ORIGINS, default=Channel.WEB)
        or Channel.WEB,
        opened_at=opened,
        resolved_at=closed if status in (CaseStatus.RESOLVED, CaseStatus.CLOSED) else None,
        closed_at=closed if status == CaseStatus.CLOSED else None,
        owner=sf_id(values.get("OwnerId"), "OwnerId"),
        external_fields={
            name: values[name].strip() for name in KEPT if (values.get(name) or "").strip()
        },
    )


class SalesforceCases(Source):
    """Cases as records of the past, without SLA clocks (see write_case)."""

    key = "salesforce_cases"
    label = "Salesforce cases"
    description = (
        "A Case export from Salesforce. Each Case becomes a case of the customer imported from "
        "its Contact (or its business Account), in the queue you choose (else the first "
        "front-line queue), with Salesforce's status, priority and origin translated. Imported "
        "cases are history: no SLA clocks run for them. Origin, Type, Reason and the case "
        "number are kept with the case."
    )
    source_label = "salesforce"
    options_form = QueueOptionsForm
    fields = (
        Field("Id", "Case ID", required=True, aliases=("Case ID",)),
        Field("CaseNumber", "Case number", aliases=("Case Number",)),
        Field("ContactId", "Contact ID", aliases=("Contact ID",)),
        Field("AccountId", "Account ID", aliases=("Account ID",)),
        Field("Subject", "Subject"),
        Field("Description", "Description"),
        Field("Status", "Status"),
        Field("Priority", "Priority"),
        Field("Origin", "Origin", aliases=("Case Origin",)),
        Field("Type", "Type", aliases=("Case Type",)),
        Field("Reason", "Reason", aliases=("Case Reason",)),
        Field(
            "CreatedDate",
            "Created date",
            required=True,
            aliases=("Date/Time Opened", "Created Date"),
        ),
        Field("ClosedDate", "Closed date", aliases=("Date/Time Closed", "Closed Date")),
        Field("OwnerId", "Owner ID", aliases=("Case Owner ID",)),
    )

    def process(self, lines: Sequence[Line], ctx: Context) -> Outcome:
        tally = Tally()
        try:
            queue = queue_for(ctx)
        except RowError as exc:
            tally.outcome.errors.extend((line.number, str(exc)) for line in lines)
            return tally.finish()
        rows = read_rows(lines, lambda line: read_case(line, ctx), tally)
        kept = [row for _, row in last_wins(rows, lambda row: row.id, tally)]
        people = {r.contact_id for r in kept} | {r.account_id for r in kept}
        customers = customers_named(ctx, people, source=ctx.source_label)
        found = Case.objects.filter(source=ctx.source_label, external_id__in=[r.id for r in kept])
        existing = {case.external_id: case for case in found}
        for row in kept:
            customer = customers.get(row.contact_id) or self._business(
                customers.get(row.account_id)
            )
            if customer is None and (row.contact_id or row.account_id):
                tally.note(
                    "ContactId names no customer imported from Salesforce; imported without one"
                )
            write_case(
                existing.get(row.id),
                row,
                customer_id=customer.pk if customer else None,
                assignee_id=owner_of(ctx, row.owner, tally, "the case was imported unassigned"),
                queue=queue,
                ctx=ctx,
                tally=tally,
            )
        return tally.finish()

    @staticmethod
    def _business(customer: Customer | None) -> Customer | None:
        return customer if customer and customer.kind == CustomerKind.ORGANISATION else None


register(SalesforceAccounts())
register(SalesforceContacts())
register(SalesforceCases())
