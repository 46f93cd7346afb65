"""HubSpot contact exports (the CRM's "Export" of a contacts view, headers as HubSpot writes
them), de-duplicated on e-mail.

One person, one customer: rows of the file that share an e-mail (in any case) or a Record ID are
one contact: the last row gives the names, owner and stage, every row adds its phones and e-mail,
and the contact is written once (the earlier rows count as unchanged). The contact is the
customer imported from HubSpot with one of those Record IDs, else the customer of any source that
already has the e-mail, else a new customer whose external id is the Record ID of the contact's
first row. A customer found by e-mail keeps its own source and external id (it is
updated, never taken over), so a later Salesforce import still finds it.

Lifecycle Stage is kept as written and sets the status: subscriber, lead, marketing / sales
qualified lead and opportunity mean prospect; customer and evangelist mean customer; any other
stage leaves the status as it is. Contact owner (a name or an e-mail) becomes the customer's owner
when it names one Rapport user (a HubSpot owner id linked to an account, an e-mail, a username or
a full name only one user has).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapport.customers import selectors as customer_selectors
from rapport.customers.choices import CustomerStatus
from rapport.customers.models import Customer
from rapport.imports.sources import register
from rapport.imports.sources.base import Context, Field, Line, Outcome, RowError, Source
from rapport.imports.sources.lookups import (
    Holders,
    Point,
    Tally,
    customer_write,
    customers_named,
    email_point,
    name_text,
    person_named,
    phone_point,
    read_rows,
)
from rapport.imports.values import quoted, text

STATUS_OF_STAGE = {
    "subscriber": CustomerStatus.PROSPECT,
    "lead": CustomerStatus.PROSPECT,
    "marketingqualifiedlead": CustomerStatus.PROSPECT,
    "salesqualifiedlead": CustomerStatus.PROSPECT,
    "opportunity": CustomerStatus.PROSPECT,
    "customer": CustomerStatus.CUSTOMER,
    "evangelist": CustomerStatus.CUSTOMER,
}


@dataclass(frozen=True)
class ContactRow:
    record_id: str
    first_name: str
    last_name: str
    email: Point | None
    phones: tuple[Point | None, ...]
    owner: str
    stage: str

    @property
    def keys(self) -> list[str]:
        return [f"id:{self.record_id}"] + ([f"email:{self.email.normalised}"] if self.email else [])


def read_contact(line: Line, ctx: Context) -> ContactRow:
    values = line.values
    record_id = text(values.get("record_id"), "Record ID", max_length=100, required=True)
    if not record_id.isdigit():
        raise RowError(f"Record ID is not a HubSpot record id (digits): {quoted(record_id)}")
    first = name_text(values.get("first_name"), "First Name")
    last = name_text(values.get("last_name"), "Last Name")
    email = email_point(values.get("email"), "Email")
    if not (first or last or email):
        raise RowError("First Name, Last Name and Email are all empty: a contact needs one")
    return ContactRow(
        record_id=record_id,
        first_name=first,
        last_name=last,
        email=email,
        phones=(
            phone_point(values.get("phone_number"), "Phone Number", ctx, "work"),
            phone_point(values.get("mobile_phone_number"), "Mobile Phone Number", ctx, "mobile"),
        ),
        owner=text(values.get("contact_owner"), "Contact owner", max_length=200),
        stage=text(values.get("lifecycle_stage"), "Lifecycle Stage", max_length=40),
    )


def group_by_person(rows: list[tuple[Line, ContactRow]]) -> list[list[ContactRow]]:
    """Rows that share an e-mail or a Record ID, in file order."""
    groups: list[list[ContactRow]] = []
    index: dict[str, int] = {}
    for _, row in rows:
        number = next((index[key] for key in row.keys if key in index), len(groups))
        if number == len(groups):
            groups.append([])
        groups[number].append(row)
        index.update(dict.fromkeys(row.keys, number))
    return groups


class HubspotContacts(Source):
    key = "hubspot_contacts"
    label = "HubSpot contacts"
    description = (
        "A contacts export from HubSpot. Each contact becomes one customer, de-duplicated on "
        "e-mail: a customer who already has the e-mail (from any source) is updated rather than "
        "created again. Phone numbers, the contact owner and the lifecycle stage come along; the "
        "stage also sets the status (leads and opportunities are prospects, customers and "
        "evangelists are customers)."
    )
    source_label = "hubspot"
    person_id_field = "record_id"
    fields = (
        Field("record_id", "Record ID", required=True, aliases=("Record ID", "Contact ID")),
        Field("first_name", "First Name", aliases=("First Name", "firstname")),
        Field("last_name", "Last Name", aliases=("Last Name", "lastname")),
        Field("email", "Email", aliases=("Email", "Email Address")),
        Field("phone_number", "Phone Number", aliases=("Phone Number", "phone")),
        Field(
            "mobile_phone_number",
            "Mobile Phone Number",
            aliases=("Mobile Phone Number", "mobilephone"),
        ),
        Field(
            "contact_owner",
            "Contact owner",
            aliases=("Contact owner", "HubSpot Owner", "hubspot_owner_id"),
        ),
        Field("lifecycle_stage", "Lifecycle Stage", aliases=("Lifecycle Stage", "lifecyclestage")),
    )

    def process(self, lines: Sequence[Line], ctx: Context) -> Outcome:
        tally = Tally()
        groups = group_by_person(read_rows(lines, lambda line: read_contact(line, ctx), tally))
        everyone = [row for group in groups for row in group]
        by_id = customers_named(ctx, (row.record_id for row in everyone), source=ctx.source_label)
        holders = Holders(p for row in everyone for p in (row.email, *row.phones) if p)
        for group in groups:
            for _ in group[:-1]:
                tally.count("unchanged")
                tally.note(
                    "another row of the file has the same e-mail or Record ID; the last was used"
                )
            self._write(group, by_id, holders, ctx, tally)
        return tally.finish()

    def _write(
        self,
        group: list[ContactRow],
        by_id: dict[str, Customer],
        holders: Holders,
        ctx: Context,
        tally: Tally,
    ) -> None:
        row = group[-1]
        record_id = next((r.record_id for r in group if r.record_id in by_id), group[0].record_id)
        customer = by_id.get(record_id)
        key = (ctx.source_label, record_id)
        held = next((h for r in group if r.email and (h := holders.get(r.email))), None)
        if customer is None and held is not None:
            tally.note("matched by e-mail to an existing customer, who keeps their own id")
            # The row is about the customer who has the e-mail (or the one it was merged into).
            customer = customer_selectors.surviving(held.customer)
            key = (held.customer.source, held.customer.external_id or "")
        owner = person_named(ctx, row.owner, source=ctx.source_label, by_full_name=True)
        if row.owner and owner is None:
            tally.note(f"Contact owner {row.owner} is no Rapport user; imported without an owner")
        wanted = {
            "first_name": row.first_name,
            "last_name": row.last_name,
            "lifecycle_stage": row.stage,
            "status": STATUS_OF_STAGE.get("".join(row.stage.lower().split()).replace("-", "")),
            "owner_id": owner,
        }
        if customer is None and row.email and not (row.first_name or row.last_name):
            wanted["last_name"] = row.email.normalised.split("@")[0][:100]
        # Scalar fields come from the last row; contact points from every row, as if each had
        # been applied in turn (points are added, never removed).
        points = [p for r in group for p in (r.email, *r.phones)]
        customer_write(customer, wanted, points, key=key, ctx=ctx, tally=tally, holders=holders)


register(HubspotContacts())
