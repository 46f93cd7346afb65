"""Contact points for customers that are already in Rapport: one phone, e-mail, social handle or
postal address per row, for the customer with that (customer_source, customer_external_id).

A point is matched on its kind and normalised value (and network, for a social handle): one the
customer already has is unchanged, or updated when the row gives it another label or makes it
preferred; one that belongs to another customer is refused, naming who has it. Making a point
preferred clears the mark on the customer's other points of that kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapport.core.errors import ValidationFailed
from rapport.customers.choices import ContactKind, SocialNetwork
from rapport.customers.models import ContactPoint, Customer
from rapport.customers.normalise import normalise_contact
from rapport.imports.sources import register, system
from rapport.imports.sources.base import Context, Field, Line, Outcome, RowError, Source
from rapport.imports.sources.lookups import (
    Holders,
    Point,
    Tally,
    Verdict,
    customers_named,
    last_wins,
    read_rows,
    same,
    taken,
)
from rapport.imports.values import parse_bool, parse_choice, quoted, text

KINDS: dict[str, str] = {
    "phone": ContactKind.PHONE,
    "mobile": ContactKind.PHONE,
    "tel": ContactKind.PHONE,
    "email": ContactKind.EMAIL,
    "e-mail": ContactKind.EMAIL,
    "social": ContactKind.SOCIAL,
    "postal": ContactKind.POSTAL,
    "address": ContactKind.POSTAL,
}
NETWORKS = {value: value for value in SocialNetwork.values if value} | {"twitter": "x"}
WORDS: dict[str, str] = {ContactKind.PHONE: "phone number", ContactKind.EMAIL: "e-mail address"}


@dataclass(frozen=True)
class PointRow:
    customer: tuple[str, str]  # (source, external id)
    point: Point
    preferred: bool | None  # None: the file does not say


def read_point(line: Line, ctx: Context) -> PointRow:
    values = line.values
    kind = parse_choice(values.get("kind"), "kind", choices=KINDS)
    if kind is None:
        raise RowError("kind is missing")
    value = text(values.get("value"), "value", max_length=320, required=True)
    network = parse_choice(values.get("network"), "network", choices=NETWORKS, default="") or ""
    if kind == ContactKind.SOCIAL and not network:
        raise RowError(f"network is missing for the social handle {quoted(value)}")
    try:
        normalised = normalise_contact(kind, value, region=ctx.default_region)
    except ValidationFailed:
        raise RowError(f"value is not a valid {WORDS.get(kind, kind)}: {quoted(value)}") from None
    preferred = (values.get("preferred") or "").strip()
    return PointRow(
        customer=(
            text(values.get("customer_source"), "customer_source", max_length=32) or system.DEFAULT,
            text(
                values.get("customer_external_id"),
                "customer_external_id",
                max_length=100,
                required=True,
            ),
        ),
        point=Point(
            kind,
            value,
            normalised,
            text(values.get("label"), "label", max_length=40),
            network if kind == ContactKind.SOCIAL else "",
        ),
        preferred=parse_bool(preferred, "preferred") if preferred else None,
    )


def customers_for(ctx: Context, keys: set[tuple[str, str]]) -> dict[tuple[str, str], Customer]:
    found: dict[tuple[str, str], Customer] = {}
    for source in {source for source, _ in keys}:
        ids = (external_id for named_in, external_id in keys if named_in == source)
        found |= {(source, i): c for i, c in customers_named(ctx, ids, source=source).items()}
    return found


class ContactPoints(Source):
    key = "contact_points"
    label = "Contact points"
    description = (
        "Phones, e-mail addresses, social handles and postal addresses of customers who are in "
        "Rapport already, one per row, found by the id their source system gave them. A point the "
        "customer has already is left as it is (or gets the new label); one that belongs to "
        "another customer is refused."
    )
    source_label = system.DEFAULT
    fields = (
        Field(
            "customer_external_id",
            "Customer ID",
            required=True,
            aliases=("Customer ID", "external_id", "customer_id"),
        ),
        Field(
            "customer_source",
            "Customer source",
            aliases=("source",),
            help="The system that gave the id (salesforce, hubspot …); blank means import.",
        ),
        Field("kind", "Kind", required=True, aliases=("type", "contact_type")),
        Field("value", "Value", required=True, aliases=("contact", "phone_or_email")),
        Field("network", "Network", help="For a social handle: x, facebook, instagram …"),
        Field("label", "Label", aliases=("description",)),
        Field("preferred", "Preferred", aliases=("primary", "is_primary")),
    )

    def process(self, lines: Sequence[Line], ctx: Context) -> Outcome:
        tally = Tally()
        rows = read_rows(lines, lambda line: read_point(line, ctx), tally)
        rows = last_wins(rows, lambda row: (row.customer, row.point.key), tally)
        customers = customers_for(ctx, {row.customer for _, row in rows})
        holders = Holders(row.point for _, row in rows)
        for line, row in rows:
            with tally.row(line):
                customer = customers.get(row.customer)
                if customer is None:
                    source, external_id = row.customer
                    raise RowError(
                        f"customer_external_id {quoted(external_id)} names no customer "
                        f"from {source}"
                    )
                self._write(customer, row, holders, ctx, tally)
        return tally.finish()

    @staticmethod
    def _write(
        customer: Customer, row: PointRow, holders: Holders, ctx: Context, tally: Tally
    ) -> None:
        held = holders.get(row.point)
        change = f"{row.point.kind} {row.point.value} of {customer.display_name}"
        if held is None:
            held = holders.add(customer, row.point, ctx, preferred=bool(row.preferred))
            verdict: Verdict = "added"
        elif not same(held.customer, customer):
            raise RowError(f"value: {taken(held)}")
        else:
            label = row.point.label or held.label
            preferred = held.preferred if row.preferred is None else row.preferred
            if (label, preferred) == (held.label, held.preferred):
                tally.count("unchanged")
                return
            held.label, held.preferred = label, preferred
            verdict = "updated"
            if not ctx.dry_run:
                held.save()
        if held.preferred and not ctx.dry_run:
            others = ContactPoint.objects.filter(customer=customer, kind=held.kind, preferred=True)
            for other in others.exclude(pk=held.pk):
                other.preferred = False
                other.save()  # one by one, so each change is in the contact point's history
        tally.count(verdict, change)


register(ContactPoints())
