"""Revenue events from billing: orders, cancellations and accepted retention offers, each kept as
an interactions.RevenueEvent keyed by (source, event id) and joined to its customer and to the
contact that led to it.

The contact: the one the row names (call_id or interaction_id), else the customer's latest contact
that started in the 7 days up to the event. A named contact must be the customer's (or have no
customer).

What an event changes, so "Revenue influenced" and "Customers saved" read billing's facts as they
read what agents record — once, when the event is added (a re-import, or a later change to an
event, changes only the event row):
- an order starts a holding of its product on the event's day, worth its amount;
- a cancellation ends the customer's active holding of its product on the event's day;
- an accepted retention offer marks its contact's offer made and accepted.
The days those KPIs credit are then rolled up again: the customer's contacts with an offer or an
intent to leave from the longest of the offer and save windows before the event onward (a holding
is credited to an earlier offer, and decides whether an earlier intent to leave was saved), and
the marked contact's own day.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import cast

from django import forms
from django.db.models import Q
from django.utils import timezone

from rapport.customers import services as customer_services
from rapport.customers.choices import HoldingStatus
from rapport.customers.models import Customer, Holding, Product
from rapport.imports import values
from rapport.imports.sources import register, system
from rapport.imports.sources.base import Context, Field, Line, Outcome, RowError, Source
from rapport.imports.sources.lookups import (
    Planned,
    Tally,
    contact_of_row,
    customers_named,
    keyed_plan,
    keyed_write,
    moment,
    number,
    prefetch_contacts,
    read_rows,
    word,
)
from rapport.interactions.choices import RevenueEventKind
from rapport.interactions.models import Interaction, RevenueEvent
from rapport.performance import rollups

BILLING = "billing"
JOIN_WINDOW = timedelta(days=7)
CURRENCY = re.compile(r"[A-Z]{3}")
KIND_WORDS = {
    **dict.fromkeys(
        ("order", "orders", "purchase", "purchased", "sale", "new", "new order", "buy",
         "subscribe", "subscription", "activation", "upgrade", "add on", "addon"),
        RevenueEventKind.ORDER,
    ),
    **dict.fromkeys(
        ("cancellation", "cancel", "cancelled", "canceled", "churn", "churned", "termination",
         "terminate", "terminated", "disconnect", "unsubscribe"),
        RevenueEventKind.CANCELLATION,
    ),
    **dict.fromkeys(
        ("retention offer accepted", "retention accepted", "retention", "retained", "save",
         "saved", "offer accepted", "retention offer", "winback", "win back"),
        RevenueEventKind.RETENTION_ACCEPTED,
    ),
}  # fmt: skip


class RevenueOptions(forms.Form):
    customer_source = forms.CharField(
        label="Customers' ids come from",
        max_length=32,
        initial=system.DEFAULT,
        required=False,
        help_text="The source whose external ids the customer column holds (as imported).",
    )

    def clean_customer_source(self) -> str:
        return self.cleaned_data["customer_source"].strip() or system.DEFAULT


class RevenueEventsSource(Source):
    key = "revenue_events"
    label = "Revenue events (billing: orders, cancellations, retention)"
    description = (
        "One row per billing event: its id, kind (order, cancellation, retention offer "
        "accepted), the customer (their id as imported, an e-mail or a phone number), product "
        "code, amount, currency, when it happened and, if known, the call or contact that led "
        "to it. Orders start holdings, cancellations end them and accepted retention offers mark "
        "their contact, so revenue influenced and customers saved count them."
    )
    source_label = BILLING
    options_form = RevenueOptions
    fields = (
        Field(
            "event_id",
            "Event id",
            required=True,
            aliases=("Event ID", "Transaction ID", "Invoice ID", "Billing Event ID", "ID"),
        ),
        Field(
            "kind",
            "Kind",
            required=True,
            aliases=("Kind", "Type", "Event Type", "Transaction Type", "Event"),
        ),
        Field(
            "customer",
            "Customer",
            required=True,
            aliases=("Customer", "Customer ID", "Account ID", "Account Number", "Customer Email"),
        ),
        Field("product", "Product code", aliases=("Product", "Product Code", "SKU", "Plan Code")),
        Field("amount", "Amount", aliases=("Amount", "Total", "Value", "Price", "Revenue")),
        Field("currency", "Currency", aliases=("Currency", "Currency Code")),
        Field(
            "occurred_at",
            "Occurred at",
            required=True,
            aliases=("Occurred At", "Date", "Event Date", "Timestamp", "Created At", "Order Date"),
        ),
        Field("call_id", "Call id (phone switch)", aliases=("Call ID", "CallID", "UCID")),
        Field("interaction_id", "Rapport contact number", aliases=("Interaction ID",)),
    )

    def process(self, lines: Sequence[Line], ctx: Context) -> Outcome:
        tally = Tally()
        prefetch_contacts(ctx, lines)
        customers = customers_named(
            ctx,
            {(line.values.get("customer") or "").strip() for line in lines},
            source=ctx.options.get("customer_source") or system.DEFAULT,
            by_contact=True,
        )
        rows = read_rows(lines, lambda line: self._check(line, ctx, customers), tally)
        _join_latest_contacts([row for _, row in rows])
        plan = keyed_plan(RevenueEvent, rows, source=ctx.source_label, ctx=ctx, tally=tally)
        added = keyed_write(RevenueEvent, plan, ctx=ctx, tally=tally)
        if added:
            _apply(cast(list[RevenueEvent], added), tally)
        return tally.finish()

    def _check(self, line: Line, ctx: Context, customers: dict[str, Customer]) -> Planned:
        cells = line.values
        event_id = values.text(cells.get("event_id"), "event_id", max_length=100, required=True)
        kind = word(
            cells.get("kind"), "kind", KIND_WORDS, "order, cancellation or retention_offer_accepted"
        )
        customer_text = values.text(
            cells.get("customer"), "customer", max_length=320, required=True
        )
        customer = customers.get(customer_text)
        if customer is None:
            raise RowError(f"customer {values.quoted(customer_text)} is not a customer in Rapport")
        product_id = _product(ctx, cells.get("product"), kind)
        amount = number(cells.get("amount"), "amount") or Decimal("0.00")
        if kind == RevenueEventKind.ORDER and amount < 0:
            raise RowError(f"amount of an order cannot be negative: {values.quoted(str(amount))}")
        if abs(amount) >= Decimal("1e10"):
            raise RowError(f"amount is too large: {values.quoted(cells.get('amount') or '')}")
        occurred_at = moment(line, "occurred_at", ctx)
        if occurred_at > timezone.now():
            raise RowError(f"occurred_at {values.quoted(cells['occurred_at'])} is in the future")
        contact = contact_of_row(ctx, line)
        if contact is not None and contact.customer_id not in (None, customer.pk):
            raise RowError(f"the contact named is another customer's, not {customer_text}'s")
        return Planned(
            external_id=event_id,
            values={
                "kind": kind,
                "customer_id": customer.pk,
                "interaction_id": contact.id if contact else None,
                "product_id": product_id,
                "amount": amount,
                "currency": _currency(cells.get("currency")),
                "occurred_at": occurred_at,
            },
            sample=f"{kind} {event_id}: {amount} for customer {customer_text}",
        )


def _currency(text: str | None) -> str:
    code = (text or "").strip().upper() or "USD"
    if not CURRENCY.fullmatch(code):
        raise RowError(f"currency must be a three-letter code such as USD: {values.quoted(code)}")
    return code


def _product(ctx: Context, text: str | None, kind: str) -> int | None:
    code = values.text(text, "product", max_length=40)
    if not code:
        if kind != RevenueEventKind.RETENTION_ACCEPTED:
            raise RowError(f"product is missing: an {kind} starts or ends a product")
        return None
    products: dict[str, int] = ctx.cache.setdefault("revenue:products", {})
    if not products:
        products.update(Product.objects.values_list("code", "id"))
    found = products.get(code) or products.get(code.lower())
    if found is None:
        raise RowError(f"product {values.quoted(code)} is not a product code in Rapport")
    return found


def _join_latest_contacts(rows: list[Planned]) -> None:
    """For rows that name no contact: the customer's latest contact in the 7 days up to the
    event, found for the whole batch in one query."""
    unjoined = [row for row in rows if row.values["interaction_id"] is None]
    if not unjoined:
        return
    moments = [row.values["occurred_at"] for row in unjoined]
    contacts: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    found = Interaction.objects.filter(
        customer_id__in={row.values["customer_id"] for row in unjoined},
        started_at__gte=min(moments) - JOIN_WINDOW,
        started_at__lte=max(moments),
    ).values_list("customer_id", "started_at", "id")
    for customer_id, started_at, contact_id in found:
        contacts[customer_id].append((started_at, contact_id))
    for row in unjoined:
        at = row.values["occurred_at"]
        window = [c for c in contacts[row.values["customer_id"]] if at - JOIN_WINDOW <= c[0] <= at]
        if window:
            row.values["interaction_id"] = max(window)[1]


# --- Effects of added events --------------------------------------------------------------------


def _apply(added: list[RevenueEvent], tally: Tally) -> None:
    """Start and end holdings and mark accepted offers, in the order the events happened, then
    mark the days the KPIs credit for rebuilding."""
    customers = Customer.objects.in_bulk({event.customer_id for event in added})
    products = Product.objects.in_bulk({e.product_id for e in added if e.product_id})
    settings_row = rollups.measurement_settings()
    reach = max(settings_row.offer_window_days, settings_row.save_window_days)
    days: set[date] = set()
    linked: list[RevenueEvent] = []
    for event in sorted(added, key=lambda e: (e.occurred_at, e.pk)):
        day = rollups.local_day(event.occurred_at)
        customer = customers[event.customer_id]
        if event.kind == RevenueEventKind.ORDER:
            # The day is not in the future (checked), so holding_add takes it.
            event.holding = customer_services.holding_add(
                customer=customer,
                product=products[event.product_id],
                since=day,
                value=event.amount,
            )
            linked.append(event)
        elif event.kind == RevenueEventKind.CANCELLATION:
            event.holding = _end(customer, event.product_id, day)  # type: ignore[arg-type]
            if event.holding is None:
                tally.note(f"cancellation {event.external_id}: no active holding to end")
            else:
                linked.append(event)
        elif event.interaction_id is None:
            tally.note(f"retention {event.external_id}: no contact in the 7 days before it")
        else:
            days |= _mark_offer_accepted(event.interaction_id)
        days |= _credited_days(event.customer_id, day - timedelta(days=reach))
    RevenueEvent.objects.bulk_update(linked, ["holding"])
    if days:
        # Holdings are not the ledger: only the rollups need to know (ledger_changed would also
        # sweep the alerts over these days).
        rollups.days_mark_dirty(days)


def _end(customer: Customer, product_id: int, day: date) -> Holding | None:
    """The customer's active holding of the product that started by the day, latest first."""
    holding = (
        Holding.objects.filter(
            customer=customer, product_id=product_id, ended_on__isnull=True, since__lte=day
        )
        .exclude(status=HoldingStatus.CANCELLED)
        .order_by("-since", "-id")
        .first()
    )
    if holding is None:
        return None
    return customer_services.holding_end(holding=holding, on=day)


def _mark_offer_accepted(contact_id: int) -> set[date]:
    Interaction.objects.filter(pk=contact_id).update(
        offer_made=True, offer_accepted=True, updated_at=timezone.now()
    )
    started = Interaction.objects.filter(pk=contact_id).values_list("started_at", flat=True)
    return {rollups.local_day(moment) for moment in started}


def _credited_days(customer_id: int, since: date) -> set[date]:
    """The days of the customer's contacts since `since` whose figures a holding can change: an
    offer (revenue it influenced) or an intent to leave (saved or not)."""
    start, _ = rollups.day_bounds(since)
    moments = Interaction.objects.filter(
        Q(offer_made=True) | Q(contact_type__churn_intent=True),
        customer_id=customer_id,
        started_at__gte=start,
    ).values_list("started_at", flat=True)
    return {rollups.local_day(moment) for moment in moments}


register(RevenueEventsSource())
