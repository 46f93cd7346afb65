"""Zendesk ticket exports (CSV from the admin's export, or JSON lines from the API, where via,
satisfaction_rating and tags arrive as JSON): each ticket becomes a case, idempotent by
(zendesk, id).

The requester is the customer imported from Zendesk with that requester_id, else the customer who
already has the requester's e-mail, else a new customer marked for review (named from
requester_name, else the e-mail, else the id). The assignee becomes the case's assignee when their
Zendesk id (or e-mail, username or unique full name) names a Rapport user; otherwise the case is
imported unassigned and the samples say so. The queue comes from the group (the "group_queues"
option: {group id: queue code}), else the "queue" option, else the first front-line queue.

Status: new → new, open and hold → open (on hold waits for a third party, not the customer),
pending → waiting, solved → resolved, closed → closed. A solved ticket is resolved at solved_at; a
closed one also closed at updated_at, the last change Zendesk made to it. Zendesk's own words
(status, via, satisfaction, tags as a list) are kept in the case's external fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms

from rapport.access import selectors as access_selectors
from rapport.access.choices import Channel, Priority
from rapport.access.models import Queue
from rapport.cases.choices import CaseStatus
from rapport.cases.models import Case
from rapport.customers import selectors as customer_selectors
from rapport.customers.models import Customer
from rapport.imports.sources import register
from rapport.imports.sources.base import Context, Field, Line, Outcome, RowError, Source
from rapport.imports.sources.lookups import (
    ExportedCase,
    Holders,
    Point,
    QueueOptionsForm,
    Tally,
    customer_save,
    customers_named,
    email_point,
    json_or_text,
    last_wins,
    multiline,
    person_named,
    queue_for,
    read_rows,
    split_name,
    write_case,
)
from rapport.imports.values import parse_choice, parse_datetime, quoted, text

STATUSES: dict[str, str] = {
    "new": CaseStatus.NEW,
    "open": CaseStatus.OPEN,
    "hold": CaseStatus.OPEN,
    "on-hold": CaseStatus.OPEN,
    "pending": CaseStatus.WAITING,
    "solved": CaseStatus.RESOLVED,
    "closed": CaseStatus.CLOSED,
}
PRIORITIES = {p: p for p in Priority.values}
SATISFACTION = {word: word for word in ("good", "bad", "offered", "unoffered")}
# The first word of Zendesk's via channel; the rest (api, rule, mobile_sdk …) are web.
VIA: dict[str, str] = {
    "web": Channel.WEB,
    "email": Channel.EMAIL,
    "mail": Channel.EMAIL,
    "phone": Channel.PHONE,
    "voice": Channel.PHONE,
    "chat": Channel.CHAT,
    "messaging": Channel.CHAT,
    "native": Channel.CHAT,
    "sms": Channel.SMS,
    "text": Channel.SMS,
    "twitter": Channel.SOCIAL,
    "facebook": Channel.SOCIAL,
    "instagram": Channel.SOCIAL,
    "whatsapp": Channel.SOCIAL,
}


def zendesk_id(value: str | None, name: str, *, required: bool = False) -> str:
    cleaned = text(value, name, max_length=100, required=required)
    if cleaned and not (cleaned.isascii() and cleaned.isdigit()):
        raise RowError(f"{name} is not a Zendesk id (digits): {quoted(cleaned)}")
    return cleaned


def read_via(value: str | None) -> tuple[str, str]:
    """(channel, Zendesk's word) from 'email', 'Web Form', 'Phone call (inbound)' or
    {"channel": "voice", …}."""
    via = json_or_text(value)
    word = str(via.get("channel", "") if isinstance(via, dict) else via).strip()
    first = word.lower().replace("_", " ").replace("-", " ").split(" ")[0]
    return VIA.get(first, Channel.WEB), word


def read_satisfaction(value: str | None) -> str:
    rating = json_or_text(value)
    score = rating.get("score", "") if isinstance(rating, dict) else rating
    return parse_choice(str(score), "satisfaction_rating", choices=SATISFACTION) or ""


def read_tags(value: str | None) -> list[str]:
    """A JSON list, or words separated by spaces or commas; each tag once, in order."""
    tags = json_or_text(value)
    words = tags if isinstance(tags, list) else str(tags).replace(",", " ").split()
    return list(dict.fromkeys(str(word).strip() for word in words if str(word).strip()))


@dataclass(frozen=True)
class TicketRow(ExportedCase):
    requester_id: str
    requester_email: Point | None
    requester_name: str
    assignee: str
    group: str


def read_ticket(line: Line, ctx: Context) -> TicketRow:
    values = line.values
    status = parse_choice(values.get("status"), "status", choices=STATUSES, default=CaseStatus.NEW)
    channel, via = read_via(values.get("via"))
    opened, updated, solved = (
        parse_datetime(values.get(name), name, date_format=ctx.date_format)
        for name in ("created_at", "updated_at", "solved_at")
    )
    if opened is None:
        raise RowError("created_at is missing")
    resolved = (solved or updated) if status in (CaseStatus.RESOLVED, CaseStatus.CLOSED) else None
    if status in (CaseStatus.RESOLVED, CaseStatus.CLOSED) and resolved is None:
        raise RowError(f"solved_at is missing for a ticket whose status is {values['status']}")
    if resolved and resolved < opened:
        raise RowError("solved_at is before created_at")
    description = multiline(values.get("description"))
    subject = " ".join(multiline(values.get("subject")).split())
    extra = {
        "status": (values.get("status") or "").strip().lower(),
        "via": via,
        "satisfaction_rating": read_satisfaction(values.get("satisfaction_rating")),
        "tags": read_tags(values.get("tags")),
    }
    return TicketRow(
        id=zendesk_id(values.get("id"), "id", required=True),
        subject=(subject or description.split("\n")[0])[:255] or "(no subject)",
        description=description,
        requester_id=zendesk_id(values.get("requester_id"), "requester_id"),
        requester_email=email_point(values.get("requester_email"), "requester_email"),
        requester_name=text(values.get("requester_name"), "requester_name", max_length=200),
        assignee=text(values.get("assignee_id"), "assignee_id", max_length=200),
        group=text(values.get("group_id"), "group_id", max_length=100),
        status=status or CaseStatus.NEW,
        priority=parse_choice(
            values.get("priority"), "priority", choices=PRIORITIES, default=Priority.NORMAL
        )
        or Priority.NORMAL,
        channel=channel,
        opened_at=opened,
        resolved_at=resolved,
        closed_at=(updated or solved) if status == CaseStatus.CLOSED else None,
        external_fields={name: value for name, value in extra.items() if value},
    )


class GroupQueuesField(forms.Field):
    """{group id: queue code}, written one group per line as "group id = queue code" (a dict is
    taken as it is, so options already cleaned go through again)."""

    widget = forms.Textarea(attrs={"rows": 4})

    def to_python(self, value: Any) -> dict[str, str]:
        if isinstance(value, dict):
            return {str(group).strip(): str(code).strip() for group, code in value.items()}
        pairs: dict[str, str] = {}
        for number, written in enumerate(str(value or "").splitlines(), 1):
            group, _, code = written.partition("=")
            if group.strip() or code.strip():
                if not (group.strip() and code.strip()):
                    raise forms.ValidationError(f"Line {number}: write group id = queue code.")
                pairs[group.strip()] = code.strip()
        return pairs

    def validate(self, value: dict[str, str]) -> None:
        known = set(access_selectors.queues_all().values_list("code", flat=True))
        unknown = sorted(set(value.values()) - known)
        if unknown:
            raise forms.ValidationError(f"No queue has the code {', '.join(unknown)}.")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return "\n".join(f"{group} = {code}" for group, code in value.items())
        return value


class TicketOptionsForm(QueueOptionsForm):
    group_queues = GroupQueuesField(
        label="Queue of each Zendesk group",
        required=False,
        help_text="One group per line: group id = queue code. Other groups go to the queue above.",
    )


class ZendeskTickets(Source):
    key = "zendesk_tickets"
    label = "Zendesk tickets"
    description = (
        "A ticket export from Zendesk (CSV or JSON lines). Each ticket becomes a case of its "
        "requester (a new customer, marked for review, when the requester is not known yet), "
        "assigned to the agent linked to the Zendesk assignee, in the queue of its group. "
        "Imported cases are history: no SLA clocks run for them. Satisfaction, channel and tags "
        "are kept with the case."
    )
    source_label = "zendesk"
    person_id_field = "requester_id"
    options_form = TicketOptionsForm
    fields = (
        Field("id", "Ticket ID", required=True, aliases=("Id", "Ticket ID", "ticket_id")),
        Field("subject", "Subject", aliases=("Summary",)),
        Field("description", "Description"),
        Field("requester_id", "Requester ID", aliases=("Requester id",)),
        Field("requester_email", "Requester e-mail", aliases=("Requester email",)),
        Field("requester_name", "Requester name", aliases=("Requester",)),
        Field("assignee_id", "Assignee", aliases=("Assignee id", "Assignee")),
        Field("group_id", "Group", aliases=("Group id", "Group")),
        Field("status", "Status"),
        Field("priority", "Priority"),
        Field("via", "Via", aliases=("Channel",)),
        Field(
            "satisfaction_rating",
            "Satisfaction",
            aliases=("Satisfaction Score", "Satisfaction"),
        ),
        Field("tags", "Tags"),
        Field("created_at", "Created at", required=True, aliases=("Created at",)),
        Field("updated_at", "Updated at", aliases=("Updated at",)),
        Field("solved_at", "Solved at", aliases=("Solved at",)),
    )

    def process(self, lines: Sequence[Line], ctx: Context) -> Outcome:
        tally = Tally()
        rows = read_rows(lines, lambda line: read_ticket(line, ctx), tally)
        rows = last_wins(rows, lambda row: row.id, tally)
        kept = [row for _, row in rows]
        requesters = customers_named(ctx, (r.requester_id for r in kept), source=ctx.source_label)
        holders = Holders(r.requester_email for r in kept if r.requester_email)
        found = Case.objects.filter(source=ctx.source_label, external_id__in=[r.id for r in kept])
        existing = {case.external_id: case for case in found}
        for line, row in rows:
            with tally.row(line):
                queue = self._queue(row, ctx, tally)
                customer = self._requester(row, requesters, holders, ctx, tally)
                write_case(
                    existing.get(row.id),
                    row,
                    customer_id=customer.pk if customer else None,
                    assignee_id=self._assignee(row, ctx, tally),
                    queue=queue,
                    ctx=ctx,
                    tally=tally,
                )
        return tally.finish()

    @staticmethod
    def _queue(row: TicketRow, ctx: Context, tally: Tally) -> Queue:
        group_queues: dict[str, str] = ctx.options.get("group_queues") or {}
        queue = queue_for(ctx, group_queues.get(row.group, ""))
        if group_queues and row.group and row.group not in group_queues:
            tally.note(f"group {row.group} has no queue of its own; put in {queue.name}")
        return queue

    @staticmethod
    def _assignee(row: TicketRow, ctx: Context, tally: Tally) -> int | None:
        user = person_named(ctx, row.assignee, source=ctx.source_label, by_full_name=True)
        if row.assignee and user is None:
            tally.note(f"assignee {row.assignee} has no Rapport account; imported unassigned")
        return user

    @staticmethod
    def _requester(
        row: TicketRow,
        requesters: dict[str, Customer],
        holders: Holders,
        ctx: Context,
        tally: Tally,
    ) -> Customer | None:
        """The requester's customer; one made here joins `requesters`, so their next ticket in
        the batch finds it (in a dry run too)."""
        held = holders.get(row.requester_email) if row.requester_email else None
        found = customer_selectors.surviving(held.customer) if held else None
        if not row.requester_id:
            return found
        if row.requester_id not in requesters:
            if found is None:
                found = new_requester(row, holders, ctx)
                tally.note("the requester was unknown: a customer was made for review")
            requesters[row.requester_id] = found
        return requesters[row.requester_id]


def new_requester(row: TicketRow, holders: Holders, ctx: Context) -> Customer:
    first, last = split_name(row.requester_name)
    if not last and row.requester_email:
        last = row.requester_email.normalised.split("@")[0][:100]
    customer = Customer(
        source=ctx.source_label,
        external_id=row.requester_id,
        first_name=first,
        last_name=last or f"Zendesk requester {row.requester_id}",
        needs_review=True,
    )
    customer_save(customer, ctx)
    if row.requester_email:
        holders.add(customer, row.requester_email, ctx)
    return customer


register(ZendeskTickets())
