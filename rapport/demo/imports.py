"""Imports and duplicates in the demo center (the "imports and duplicates" stage of seed_demo).

Everything here goes through the product's own services, as an admin would use them:

- External accounts: every agent and supervisor has an id (361…) in Zendesk, the WFM system, the
  call recorder and HubSpot, so imported rows that name them find the Rapport user.
- Import jobs, each uploaded, dry-run and run through the import engine. No worker runs while the
  demo loads, so the engine's task body (job_execute) runs here, in this process; the tasks the
  services also queue find their job finished and do nothing.
  - two weeks of WFM schedules (CSV, its mapping saved; an agent who has left is still in it)
    and adherence (XLSX; one date typed as text);
  - billing's revenue events (JSON lines): orders after contacts where an offer was made,
    cancellations after requests to leave, accepted retention offers, web orders, one account
    Rapport does not have. They start and end holdings and mark offers accepted, so
    "Revenue influenced" and "Customers saved" have imported inputs: this stage runs before
    the KPI rollups, which then include them;
  - a HubSpot contacts export of about 150 rows: a few e-mails that already belong to customers
    (updated, never created again), one contact exported twice, three bad rows;
  - about 60 tickets from the Zendesk the center used before Rapport, from people HubSpot
    brought in (one date that does not exist, one deleted ticket);
  - an agent-state file queued and then cancelled, and a branch system's customer file left at
    the mapping step, so the list shows every state an admin leaves a job in.
- Duplicates: about 40 records keyed in at branches that are near-copies of existing customers
  (typos, nicknames, first and last name swapped, day and month of birth swapped, another
  e-mail or none, the same household), and spouses who share a household but are different
  people. A batch match run (the scoring engine, a few seconds) queues the likely pairs with
  their explanations; two pairs are merged and one merge undone. Nothing merges without review:
  the automatic-merge confidence stays empty.

Deterministic from the seed; the files are dated relative to the reference time.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import phonenumbers
from django.core.files.base import ContentFile
from django.db.models import Q
from faker import Faker
from openpyxl import Workbook

from rapport.access.models import Queue
from rapport.accounts.models import ExternalAccount, User
from rapport.core.roles import Role
from rapport.customers import services as customer_services
from rapport.customers.choices import ContactKind, CustomerKind, CustomerStatus, HoldingStatus
from rapport.customers.models import ContactPoint, Customer, Holding, Household, Product
from rapport.demo import catalog
from rapport.identity.choices import FoundBy, PairStatus, RunState
from rapport.identity.models import MatchPair, MatchRun
from rapport.identity.services import merges as merge_services
from rapport.identity.services import pairs as pair_services
from rapport.identity.services import runs as run_services
from rapport.identity.services.settings import identity_settings
from rapport.imports.choices import JobState
from rapport.imports.models import ImportJob
from rapport.imports.services import jobs as job_services
from rapport.interactions.models import Interaction

DAY = datetime.timedelta(days=1)
# Digits of each system's ids for people: 361, then a number without leading zeros.
SYSTEM_ID_DIGITS = {"zendesk": 12, "wfm": 7, "recording": 8, "hubspot": 9}
# Records keyed in at branches: the near-copies and the spouses come from there.
BRANCH = "branch"
DUPLICATES = 40
# Branch numbers: the copies count up from BR000001, the spouses from here.
SPOUSES_FROM = "BR900000"
SPOUSES = [("Daniel", "Danielle", "Okonkwo"), ("Chris", "Christine", "Halvorsen")]
# Given names with a short form people go by (both are one person to the matching engine).
NICKNAMES = {
    "Robert": "Bob", "William": "Bill", "Richard": "Rick", "James": "Jim", "Michael": "Mike",
    "Elizabeth": "Liz", "Jennifer": "Jenny", "Katherine": "Kate", "Margaret": "Peggy",
    "Christopher": "Chris", "Joseph": "Joe", "Thomas": "Tom", "Daniel": "Dan", "Matthew": "Matt",
    "Anthony": "Tony", "Nicholas": "Nick", "Jonathan": "Jon", "Steven": "Steve",
    "Timothy": "Tim", "Kimberly": "Kim", "Rebecca": "Becky", "Benjamin": "Ben", "Andrew": "Andy",
    "Samantha": "Sam", "Patricia": "Pat", "Jessica": "Jess", "Zachary": "Zach",
    "Alexander": "Alex", "Charles": "Charlie", "Edward": "Ted", "Gregory": "Greg",
    "Jacqueline": "Jackie", "Deborah": "Debbie", "Susan": "Sue", "Victoria": "Vicky",
}  # fmt: skip
VARIANTS = ("nickname", "last name typo", "swapped", "first name typo", "birthday swapped")
# Contacts and their share of a HubSpot export.
HUBSPOT_NEW = 139
HUBSPOT_KNOWN = 6
HUBSPOT_STAGES = [
    ("Lead", 35), ("Marketing Qualified Lead", 20), ("Sales Qualified Lead", 10),
    ("Opportunity", 10), ("Customer", 15), ("Subscriber", 10),
]  # fmt: skip
# People who have left: no Rapport account has these (a leading zero never comes up above).
LEFT_THE_COMPANY = {"hubspot": "Dana Whitlock", "zendesk": "361000000417", "wfm": "3610904"}
ZENDESK_TICKETS = 58
ZENDESK_SUBJECTS = [
    # subject, description, group, tags
    ("Card declined at the till", "My card was declined twice today although I have money in "
     "the account.", "Billing", "card declined"),
    ("Charged twice for one payment", "I see the same payment two times on my statement.",
     "Billing", "billing refund_request"),
    ("Cannot log in to online banking", "It says my password is wrong but I reset it "
     "yesterday.", "Technical", "login online_banking"),
    ("App crashes when I open statements", "The app closes as soon as I tap Statements.",
     "Technical", "app bug"),
    ("Change of address", "We moved last month, please update my address.", "Support",
     "address_change"),
    ("Question about my mortgage rate", "When does my fixed rate end and what happens then?",
     "Support", "mortgage"),
    ("Lost my card", "I think I left my card at a restaurant, please block it.", "Support",
     "lost_card urgent"),
    ("Travel insurance claim", "How do I claim for a cancelled flight?", "Support",
     "insurance claim"),
    ("Complaint about branch staff", "I was treated rudely at the High Street branch.",
     "Escalations", "complaint"),
    ("Fee I did not expect", "Why was I charged a monthly fee on my Everyday Account?",
     "Billing", "fees"),
    ("Phone plan roaming charges", "I was charged roaming in a country that should be included.",
     "Billing", "roaming phone_plan"),
    ("Close my savings account", "Please close my Easy Saver and move the money to my current "
     "account.", "Support", "closure"),
]  # fmt: skip
# Zendesk groups and the queue each one's tickets join; Escalations has none of its own and
# joins ZENDESK_QUEUE.
ZENDESK_GROUPS = {"Support": "general", "Billing": "billing", "Technical": "faults"}
ZENDESK_QUEUE = "general"
VIA = ["Mail", "Mail", "Web Form", "Phone call (inbound)", "Chat", "Twitter"]
SATISFACTION = ["good", "good", "good", "bad", "offered", "unoffered"]
WFM_DAYS = 14
SHIFT_STARTS = [7, 8, 8, 9, 9, 10, 11]
SHIFT_MINUTES = 510
# Billing's JSON keys, in the order its API writes them.
REVENUE_KEYS = (
    "transaction_id", "type", "account_number", "product_code", "amount", "currency",
    "occurred_at", "interaction_id",
)  # fmt: skip


def imports_load(*, seed: int, reference_time: datetime.datetime) -> dict[str, int]:
    """Load the imports and duplicates of the demo; returns what was made, by kind."""
    admin = User.objects.get(username="admin")
    rng = random.Random(f"{seed}:imports")
    fake = Faker("en_US")
    fake.seed_instance(f"{seed}:imports")
    reference_day = reference_time.date()
    made = {"external accounts": external_accounts_link(random.Random(f"{seed}:accounts"))}
    jobs = [
        wfm_schedules_import(admin, rng, reference_day),
        wfm_adherence_import(admin, rng, reference_day),
        revenue_import(admin, rng, reference_time),
        hubspot_import(admin, rng, fake, reference_day),
        zendesk_import(admin, rng, reference_day),
        agent_states_cancelled(admin, rng, reference_day),
        branch_file_uploaded(admin, rng, fake),
    ]
    made["import jobs"] = len(jobs)
    made["duplicates planted"] = duplicates_plant(random.Random(f"{seed}:duplicates"))
    made["spouses planted"] = spouses_plant(random.Random(f"{seed}:spouses"), fake)
    made.update(duplicates_review(admin))
    return made


# --- people in other systems ---------------------------------------------------------------


def external_accounts_link(rng: random.Random) -> int:
    """An id in each other system for every agent and supervisor."""
    staff = list(
        User.objects.filter(groups__name__in=[Role.AGENT, Role.SUPERVISOR])
        .distinct()
        .order_by("username")
    )
    accounts = []
    for system, digits in SYSTEM_ID_DIGITS.items():
        numbers = rng.sample(range(10 ** (digits - 4), 10 ** (digits - 3)), len(staff))
        accounts += [
            ExternalAccount(source=system, external_id=f"361{number}", user=user)
            for user, number in zip(staff, numbers, strict=True)
        ]
    ExternalAccount.objects.bulk_create(accounts)
    return len(accounts)


def _ids_in(system: str, *, role: str = Role.AGENT) -> dict[int, str]:
    """{user id: their id in the system} for the users with the role, by user name."""
    return dict(
        ExternalAccount.objects.filter(source=system, user__groups__name=role)
        .order_by("user__username")
        .values_list("user_id", "external_id")
    )


# --- running a job as an admin would --------------------------------------------------------


def _import(
    by: User, name: str, content: bytes, source_type: str, save_as: str = "", **choices: Any
) -> ImportJob:
    """Upload, dry-run and run a file, keeping the mapping under `save_as` if given; the engine's
    work runs here (see the module docstring)."""
    job = _uploaded(by, name, content, source_type, **choices)
    if save_as:
        job = job_services.job_configure(job=job, by=by, mapping=job.mapping, save_as=save_as)
    job = _checked(by, job)
    job_services.job_run(job=job, by=by)
    return _expect(job_services.job_execute(job_id=job.pk), JobState.DONE)


def _uploaded(by: User, name: str, content: bytes, source_type: str, **choices: Any) -> ImportJob:
    return job_services.job_create(
        by=by, upload=ContentFile(content, name=name), source_type=source_type, **choices
    )


def _checked(by: User, job: ImportJob) -> ImportJob:
    job_services.job_dry_run(job=job, by=by)
    return _expect(job_services.job_execute(job_id=job.pk), JobState.CHECKED)


def _expect(job: ImportJob, state: str) -> ImportJob:
    if job.state != state:
        raise RuntimeError(
            f"The demo's {job.source_type} import {job.filename} is {job.state}, not {state}: "
            f"{job.failure or 'see its errors'}"
        )
    return job


def _csv(headers: Sequence[str], rows: Iterable[Sequence[Any]], delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _xlsx(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _jsonl(rows: Iterable[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(row) + "\n" for row in rows).encode("utf-8")


def _weighted(rng: random.Random, options: Sequence[tuple[str, int]]) -> str:
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights=weights)[0]


# --- workforce management -------------------------------------------------------------------


def _work_days(reference_day: datetime.date) -> list[datetime.date]:
    return [reference_day - DAY * n for n in range(WFM_DAYS, 0, -1)]


def _shift(*, coaching: bool) -> list[tuple[str, int, int]]:
    """(activity, minutes from the start, minutes long) of one eight-and-a-half hour shift."""
    blocks = [("Open", 0, 120), ("Break", 120, 15), ("Open", 135, 105), ("Lunch", 240, 30)]
    if coaching:
        return [*blocks, ("Coaching", 270, 60), ("Open", 330, 180)]
    return [*blocks, ("Open", 270, 240)]


def _schedule_rows(
    rng: random.Random, agents: dict[int, str], reference_day: datetime.date
) -> list[list[str]]:
    rows = []
    for day in _work_days(reference_day):
        for agent in agents.values():
            if day.weekday() >= 5:
                rows.append(_block(agent, day, 9 * 60, 8 * 60, "Day Off"))
                continue
            hour = rng.choice(SHIFT_STARTS)
            for activity, offset, minutes in _shift(coaching=rng.random() < 0.1):
                rows.append(_block(agent, day, hour * 60 + offset, minutes, activity))
    return rows


def _block(agent: str, day: datetime.date, start: int, minutes: int, activity: str) -> list[str]:
    begins = datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(minutes=start)
    ends = begins + datetime.timedelta(minutes=minutes)
    return [agent, day.isoformat(), f"{begins:%Y-%m-%d %H:%M}", f"{ends:%Y-%m-%d %H:%M}", activity]


def wfm_schedules_import(by: User, rng: random.Random, reference_day: datetime.date) -> ImportJob:
    """Two weeks of every agent's schedule, plus a leaver still on the roster (two bad rows).
    The mapping is saved, as an admin does for a file that comes every week."""
    agents = _ids_in("wfm")
    rows = _schedule_rows(rng, agents, reference_day)
    leaver_day = reference_day - DAY * 3
    rows.insert(5, _block(LEFT_THE_COMPANY["wfm"], leaver_day, 8 * 60, 240, "Open"))
    rows.insert(6, _block(LEFT_THE_COMPANY["wfm"], leaver_day, 12 * 60, 30, "Lunch"))
    first = reference_day - DAY * WFM_DAYS
    content = _csv(["Agent ID", "Date", "Start Time", "End Time", "Activity"], rows)
    name = f"wfm-schedule-{first}-to-{reference_day - DAY}.csv"
    return _import(by, name, content, "wfm_schedules", save_as="WFM weekly schedule export")


def wfm_adherence_import(by: User, rng: random.Random, reference_day: datetime.date) -> ImportJob:
    """Adherence for the scheduled days as the WFM system's workbook has it; one date was typed
    as text in day-first order, which the ISO reading refuses."""
    agents = _ids_in("wfm")
    rows: list[list[Any]] = []
    for day in _work_days(reference_day):
        if day.weekday() >= 5:
            continue
        for agent in agents.values():
            percent = round(min(100.0, rng.gauss(91, 4)), 1)
            rows.append([agent, day, SHIFT_MINUTES, percent])
    typed = rows[len(rows) // 2]
    rows[len(rows) // 2] = [typed[0], f"{typed[1]:%d/%m/%Y}", *typed[2:]]
    content = _xlsx("Adherence", ["Agent ID", "Date", "Scheduled Minutes", "Adherence %"], rows)
    return _import(by, f"wfm-adherence-{reference_day:%Y-%m}.xlsx", content, "wfm_adherence")


def agent_states_cancelled(by: User, rng: random.Random, reference_day: datetime.date) -> ImportJob:
    """An ACD state log checked, queued and cancelled: it was the wrong week."""
    states = ["Ready", "Talk", "ACW", "Ready", "Talk", "ACW", "Not Ready", "Logged Out"]
    rows = []
    day = reference_day - DAY * 40
    for agent in list(_ids_in("wfm").values())[:12]:
        at = datetime.datetime.combine(day, datetime.time(8, rng.randint(0, 20)))
        for state in states:
            rows.append([agent, state, f"{at:%Y-%m-%d %H:%M:%S}"])
            at += datetime.timedelta(minutes=rng.randint(2, 50))
    content = _csv(["Agent ID", "State", "Timestamp"], rows)
    job = _uploaded(by, f"acd-agent-states-{day}.csv", content, "wfm_agent_states")
    job = _checked(by, job)
    job = job_services.job_run(job=job, by=by)
    return _expect(job_services.job_cancel(job=job, by=by), JobState.CANCELLED)


# --- billing --------------------------------------------------------------------------------


def revenue_import(by: User, rng: random.Random, reference_time: datetime.datetime) -> ImportJob:
    """Billing's events of the last months, keyed by the customers' account numbers."""
    events = [
        *_orders_after_offers(rng, reference_time),
        *_requests_to_leave(rng, reference_time),
        *_web_orders(rng, reference_time),
    ]
    # An account billing has and Rapport does not: refused with its line.
    events.append(
        _event("Order", "D9999417", reference_time - DAY * 20, "rewards-card", Decimal("96.00"))
    )
    events.sort(key=lambda event: event["occurred_at"])
    for number, event in enumerate(events, start=4100):
        event["transaction_id"] = f"INV-{event['occurred_at'][:4]}-{number:06d}"
    content = _jsonl({key: event[key] for key in REVENUE_KEYS if key in event} for event in events)
    return _import(
        by,
        f"billing-events-{reference_time:%Y-%m}.jsonl",
        content,
        "revenue_events",
        options={"customer_source": "demo"},
    )


def _moment(at: datetime.datetime) -> str:
    return at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _price(rng: random.Random, product: Product) -> Decimal:
    yearly = product.monthly_price * 12
    return (yearly or Decimal(rng.randint(15, 90) * 10)).quantize(Decimal("1.00"))


def _demo_contacts(
    *, since: datetime.datetime, until: datetime.datetime, **flags: Any
) -> list[tuple[int, int, str | None, datetime.datetime]]:
    """(contact, customer, account number, start) of demo customers' contacts, oldest first."""
    return list(
        Interaction.objects.filter(
            customer__source="demo",
            customer__merged_into__isnull=True,
            started_at__gte=since,
            started_at__lte=until,
            **flags,
        )
        .order_by("started_at", "id")
        .values_list("id", "customer_id", "customer__external_id", "started_at")
    )


def _active_holdings(customer_ids: set[int]) -> dict[int, list[str]]:
    held: dict[int, list[str]] = defaultdict(list)
    rows = (
        Holding.objects.filter(customer_id__in=customer_ids, ended_on__isnull=True)
        .exclude(status=HoldingStatus.CANCELLED)
        .order_by("customer_id", "id")
        .values_list("customer_id", "product__code")
    )
    for customer_id, code in rows:
        held[customer_id].append(code)
    return held


def _orders_after_offers(rng: random.Random, reference_time: datetime.datetime) -> list[dict]:
    """About 40 orders placed within the offer window after a contact where an offer was made;
    an order placed during the call carries the contact's number."""
    offers = _demo_contacts(
        since=reference_time - DAY * 100, until=reference_time - DAY * 2, offer_made=True
    )
    chosen = sorted(rng.sample(offers, min(40, len(offers))), key=lambda row: row[3])
    held = _active_holdings({row[1] for row in chosen})
    products = list(Product.objects.order_by("code"))
    events = []
    for contact_id, customer_id, account, started_at in chosen:
        wanted = [p for p in products if p.code not in held[customer_id]] or products
        product = rng.choice(wanted)
        later = DAY * rng.choice([0, 0, 1, 2, 4, 6, 9, 14, 21]) + datetime.timedelta(
            minutes=rng.randint(10, 300)
        )
        at = min(started_at + later, reference_time - datetime.timedelta(hours=1))
        event = _event("Order", account, at, product.code, _price(rng, product))
        if later < DAY:
            event["interaction_id"] = str(contact_id)
        events.append(event)
    return events


def _requests_to_leave(rng: random.Random, reference_time: datetime.datetime) -> list[dict]:
    """After contacts from customers who wanted to leave: some accepted a retention offer (the
    contact's number comes with it), some cancelled everything they held."""
    asked = _demo_contacts(
        since=reference_time - DAY * 150,
        until=reference_time - DAY * 30,
        contact_type__churn_intent=True,
    )
    chosen = sorted(rng.sample(asked, min(14, len(asked))), key=lambda row: row[3])
    held = _active_holdings({row[1] for row in chosen})
    events = []
    for index, (contact_id, customer_id, account, started_at) in enumerate(chosen):
        at = started_at + datetime.timedelta(hours=rng.randint(1, 60))
        if index % 3 != 2:
            discount = Decimal(-rng.choice([30, 45, 60, 90])).quantize(Decimal("1.00"))
            event = _event("Retention Offer Accepted", account, at, "", discount)
            event["interaction_id"] = str(contact_id)
            events.append(event)
            continue
        gone = started_at + DAY * rng.randint(3, 25)
        events += [
            _event("Cancellation", account, gone, code, Decimal("0.00"))
            for code in held[customer_id]
        ]
    return events


def _web_orders(rng: random.Random, reference_time: datetime.datetime) -> list[dict]:
    """Orders on the website: billing names no contact for them (the import joins one only when
    the customer happened to be in touch in the week before)."""
    customers = list(
        Customer.objects.filter(source="demo", status=CustomerStatus.CUSTOMER)
        .order_by("external_id")
        .values_list("external_id", flat=True)[:400]
    )
    products = list(Product.objects.order_by("code"))
    orders = []
    for account in rng.sample(customers, min(6, len(customers))):
        product = rng.choice(products)
        at = (
            reference_time - DAY * rng.randint(3, 80) - datetime.timedelta(hours=rng.randint(0, 23))
        )
        orders.append(_event("Order", account, at, product.code, _price(rng, product)))
    return orders


def _event(
    kind: str, account: str | None, at: datetime.datetime, product: str, amount: Decimal
) -> dict[str, Any]:
    event = {"type": kind, "account_number": account or "", "occurred_at": _moment(at)}
    if product:
        event["product_code"] = product
    return event | {"amount": str(amount), "currency": "USD"}


# --- the helpdesk used before Rapport -------------------------------------------------------


def zendesk_import(by: User, rng: random.Random, reference_day: datetime.date) -> ImportJob:
    """Old tickets from people HubSpot brought in, found by their e-mail, each assigned to an
    agent of the team whose queue its group's tickets join (by Zendesk agent id)."""
    known = list(
        ContactPoint.objects.filter(kind=ContactKind.EMAIL, customer__source="hubspot")
        .order_by("normalised")
        .values_list("customer__first_name", "customer__last_name", "value")
    )
    assignees = _assignees_by_group()
    requester_ids: dict[str, str] = {}
    rows = []
    opened = datetime.datetime.combine(reference_day, datetime.time(9)) - DAY * 640
    for number in range(ZENDESK_TICKETS):
        opened += datetime.timedelta(hours=rng.randint(60, 250))
        first, last, email = rng.choice(known)
        requester_id = requester_ids.setdefault(email, f"36{rng.randint(10**9, 10**10 - 1)}")
        requester = (first, last, email, requester_id)
        rows.append(_ticket(rng, 48_211 + number * 7, opened, requester, assignees))
    rows[17][13] = "2025-02-30 09:12:44"  # a date that does not exist: refused with its line
    rows[41][3] = "deleted"  # Zendesk exports deleted tickets too; they are not cases
    headers = [
        "Id", "Summary", "Description", "Status", "Priority", "Via", "Requester", "Requester id",
        "Requester email", "Assignee id", "Group", "Tags", "Satisfaction Score", "Created at",
        "Updated at", "Solved at",
    ]  # fmt: skip
    return _import(
        by,
        "zendesk-tickets-export.csv",
        _csv(headers, rows),
        "zendesk_tickets",
        options={"queue": ZENDESK_QUEUE, "group_queues": ZENDESK_GROUPS},
    )


def _assignees_by_group() -> dict[str, list[str]]:
    """Zendesk ids of the agents of the team that owns the queue each group's tickets join."""
    teams = dict(Queue.objects.values_list("code", "team_id"))
    ids: dict[int | None, list[str]] = defaultdict(list)
    accounts = ExternalAccount.objects.filter(source="zendesk", user__groups__name=Role.AGENT)
    for team_id, external_id in accounts.order_by("external_id").values_list(
        "user__team_id", "external_id"
    ):
        ids[team_id].append(external_id)
    groups = {group for _subject, _text, group, _tags in ZENDESK_SUBJECTS}
    return {group: ids[teams.get(ZENDESK_GROUPS.get(group, ZENDESK_QUEUE))] for group in groups}


def _ticket(
    rng: random.Random,
    ticket_id: int,
    opened: datetime.datetime,
    requester: tuple[str, str, str, str],
    assignees: dict[str, list[str]],
) -> list[str]:
    first, last, email, requester_id = requester
    subject, description, group, tags = rng.choice(ZENDESK_SUBJECTS)
    status = _weighted(rng, [("closed", 80), ("solved", 14), ("open", 3), ("pending", 3)])
    solved = opened + datetime.timedelta(hours=rng.randint(1, 120))
    done = status in ("closed", "solved")
    updated = solved + DAY * 4 if status == "closed" else solved
    team = assignees[group]
    assignee = rng.choice(team) if team and rng.random() < 0.9 else LEFT_THE_COMPANY["zendesk"]
    stamp = "%Y-%m-%d %H:%M:%S"
    return [
        str(ticket_id),
        subject,
        f"{description}\n\n{first}",
        status,
        _weighted(rng, [("normal", 70), ("low", 10), ("high", 15), ("urgent", 5)]),
        rng.choice(VIA),
        f"{first} {last}",
        requester_id,
        email,
        assignee,
        group,
        tags,
        rng.choice(SATISFACTION) if done else "unoffered",
        f"{opened:{stamp}}",
        f"{updated:{stamp}}",
        f"{solved:{stamp}}" if done else "",
    ]


# --- the CRM marketing used ------------------------------------------------------------------


def hubspot_import(
    by: User, rng: random.Random, fake: Faker, reference_day: datetime.date
) -> ImportJob:
    """A HubSpot contacts export: new contacts, a few whose e-mail Rapport already has (written
    in another case), one contact exported twice, and three rows HubSpot let people save."""
    taken = set(
        ContactPoint.objects.filter(kind=ContactKind.PHONE).values_list("normalised", flat=True)
    )
    owners = [_full_name(user) for user in _sales_people()] or ["Ada Admin"]
    rows = [_contact(rng, fake, taken, owners, reference_day) for _ in range(HUBSPOT_NEW)]
    twice = list(rows[20])
    twice[3] = twice[3].upper()  # the same e-mail, written in capitals
    twice[5], twice[7] = _phone(rng, taken, "+1 {a} {e} {l}"), "Opportunity"
    rows.insert(97, twice)
    for offset, existing in enumerate(_known_contacts(rng, owners, reference_day)):
        rows.insert(9 + offset * 23, existing)
    bad = [_contact(rng, fake, taken, owners, reference_day) for _ in range(3)]
    bad[0][1:4] = ["Maria", "Delgado", "maria.delgado@gmail"]  # no top-level domain
    bad[1][4] = "call after 5pm"  # a note in the phone field
    bad[2][1:4] = ["", "", ""]  # a phone number and nothing to call the contact by
    for at, row in zip((31, 64, 118), bad, strict=True):
        rows.insert(at, row)
    for number, row in enumerate(rows):
        row[0] = str(51_203_448_001 + number * 37)
    rows[13][6] = LEFT_THE_COMPANY["hubspot"]
    headers = [
        "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Mobile Phone Number",
        "Contact owner", "Lifecycle Stage", "Create Date", "Last Activity Date", "City",
        "State/Region", "Postal Code",
    ]  # fmt: skip
    name = f"hubspot-crm-exports-all-contacts-{reference_day - DAY * 2}.csv"
    return _import(by, name, _csv(headers, rows), "hubspot_contacts")


def _sales_people() -> list[User]:
    return list(
        User.objects.filter(team__name="Lakeside", groups__name=Role.AGENT).order_by("username")
    )


def _full_name(user: User) -> str:
    return f"{user.first_name} {user.last_name}"


def _phone(rng: random.Random, taken: set[str], shape: str) -> str:
    """A valid number nobody in Rapport has yet, written the way the shape says."""
    while True:
        area = rng.choice(catalog.AREA_CODES)
        exchange, line = rng.randint(200, 999), rng.randint(0, 9999)
        e164 = f"+1{area}{exchange}{line:04d}"
        if e164 in taken or not phonenumbers.is_valid_number(phonenumbers.parse(e164)):
            continue
        taken.add(e164)
        return shape.format(a=area, e=exchange, l=f"{line:04d}")


def _contact(
    rng: random.Random,
    fake: Faker,
    taken: set[str],
    owners: list[str],
    reference_day: datetime.date,
) -> list[str]:
    first, last = fake.first_name(), fake.last_name()
    domain = rng.choice(["example.org", "example.net", "mail.example.org"])
    email = f"{first}.{last}{rng.randint(1, 99)}@{domain}".lower().replace("'", "")
    created = reference_day - DAY * rng.randint(30, 900)
    return [
        "",
        first,
        last,
        email,
        _phone(rng, taken, "({a}) {e}-{l}") if rng.random() < 0.6 else "",
        _phone(rng, taken, "{a}.{e}.{l}") if rng.random() < 0.3 else "",
        rng.choice(owners) if rng.random() < 0.8 else "",
        _weighted(rng, HUBSPOT_STAGES),
        f"{created} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}",
        f"{created + DAY * rng.randint(0, 25)}",
        fake.city(),
        fake.state_abbr(),
        fake.postcode(),
    ]


def _known_contacts(
    rng: random.Random, owners: list[str], reference_day: datetime.date
) -> list[list[str]]:
    """Customers Rapport has, exported from HubSpot with their e-mail in another case: they are
    updated (stage and owner), never created a second time."""
    people = list(
        ContactPoint.objects.filter(
            kind=ContactKind.EMAIL,
            customer__source="demo",
            customer__kind=CustomerKind.PERSON,
            customer__status=CustomerStatus.CUSTOMER,
        )
        .order_by("normalised")
        .values_list("customer__first_name", "customer__last_name", "value")[:300]
    )
    rows = []
    for first, last, email in rng.sample(people, min(HUBSPOT_KNOWN, len(people))):
        local, _, domain = email.partition("@")
        rows.append(
            [
                "",
                first,
                last,
                f"{local.capitalize()}@{domain.upper()}",
                "",
                "",
                rng.choice(owners),
                "Customer",
                f"{reference_day - DAY * rng.randint(200, 900)} 10:00",
                f"{reference_day - DAY * rng.randint(2, 30)}",
                "",
                "",
                "",
            ]
        )
    return rows


# --- a file left at the mapping step ---------------------------------------------------------


def branch_file_uploaded(by: User, rng: random.Random, fake: Faker) -> ImportJob:
    """The branch system's customer file: its column names are its own, so the customer id and
    e-mail columns wait for an admin to map them."""
    rows = []
    for number in range(1, 41):
        born = fake.date_between_dates(datetime.date(1940, 1, 1), datetime.date(2005, 12, 31))
        rows.append(
            [
                f"BR{7_000 + number * 3:06d}",
                fake.last_name().upper(),
                fake.first_name().upper(),
                f"{born:%d/%m/%Y}",
                _phone(rng, set(), "{a}-{e}-{l}"),
                f"{fake.user_name()}@example.net",
                rng.choice(["HS01", "HS01", "MK02", "RV03"]),
            ]
        )
    headers = ["CUST_NO", "SURNAME", "FORENAME", "BIRTH_DT", "TEL_HOME", "EMAIL_ADDR", "BRANCH_CD"]
    return _uploaded(
        by, "branch-customers-legacy.csv", _csv(headers, rows, delimiter=";"), "customers"
    )


# --- duplicates -----------------------------------------------------------------------------


def duplicates_plant(rng: random.Random) -> int:
    """Near-copies of existing customers, keyed in at a branch by someone who did not find the
    customer: same household and birthday, the name written another way, another e-mail or
    none (an e-mail or phone belongs to one customer only)."""
    plan = _copies_planned(rng)
    found = Customer.objects.select_related("household").prefetch_related("contact_points")
    originals = found.in_bulk([pk for pk, _variant in plan])
    for number, (pk, variant) in enumerate(plan, start=1):
        original = originals[pk]
        first, last, born = _written_otherwise(rng, original, variant)
        customer_services.customer_create(
            first_name=first,
            last_name=last,
            date_of_birth=born,
            household=original.household if rng.random() < 0.85 else None,
            status=original.status,
            source=BRANCH,
            external_id=f"BR{number:06d}",
            contact_points=_other_email(rng, original, number),
        )
    return len(plan)


def _copies_planned(rng: random.Random) -> list[tuple[int, str]]:
    """(customer to copy, how the copy differs), in the order the branch keyed them in; each
    way of differing about as often, a nickname only for names that have one."""
    candidates = list(
        Customer.objects.filter(
            source="demo",
            kind=CustomerKind.PERSON,
            date_of_birth__isnull=False,
            household__isnull=False,
        )
        .order_by("external_id")
        .values_list("pk", "first_name")
    )
    count = max(3, min(DUPLICATES, len(candidates) // 25))
    nicknamed = [pk for pk, first in candidates if first in NICKNAMES]
    share = count // len(VARIANTS)
    plan = [(pk, "nickname") for pk in rng.sample(nicknamed, min(len(nicknamed), share))]
    picked = {pk for pk, _variant in plan}
    others = rng.sample([pk for pk, _first in candidates if pk not in picked], count - len(plan))
    rest = VARIANTS[1:]
    plan += [(pk, rest[index % len(rest)]) for index, pk in enumerate(others)]
    rng.shuffle(plan)
    return plan


def _written_otherwise(
    rng: random.Random, original: Customer, variant: str
) -> tuple[str, str, datetime.date]:
    first, last, born = original.first_name, original.last_name, original.date_of_birth
    assert born is not None
    if variant == "nickname" and first in NICKNAMES:
        return NICKNAMES[first], last, born
    if variant == "swapped":
        return last, first, born
    if variant == "first name typo":
        return _typo(rng, first), last, born
    if variant == "birthday swapped" and born.day <= 12 and born.day != born.month:
        return first, last, born.replace(month=born.day, day=born.month)
    return first, _typo(rng, last), born


def _typo(rng: random.Random, name: str) -> str:
    """Two neighbouring letters swapped (never the first), else one letter left out."""
    if len(name) < 4:
        return name + name[-1]
    at = rng.randint(1, len(name) - 2)
    if name[at] != name[at + 1]:
        return name[:at] + name[at + 1] + name[at] + name[at + 2 :]
    return name[:at] + name[at + 1 :]


def _other_email(
    rng: random.Random, original: Customer, number: int
) -> list[customer_services.ContactPointInput]:
    emails = [p.normalised for p in original.contact_points.all() if p.kind == ContactKind.EMAIL]
    roll = rng.random()
    if roll < 0.4 or not emails:
        return []
    local = emails[0].split("@")[0]
    if roll < 0.7:
        value = f"{local}@branchmail.example.org"  # the same name before the @
    else:
        value = f"{original.first_name}.{original.last_name}{number}@example.net".lower()
    return [customer_services.ContactPointInput(kind=ContactKind.EMAIL, value=value)]


def spouses_plant(rng: random.Random, fake: Faker) -> int:
    """Couples at one address: same surname, different people. The matching engine must not
    pair them, even where the first names look alike (Daniel and Danielle)."""
    made = 0
    for his, hers, surname in SPOUSES:
        home = customer_services.household_create(
            name=f"The {surname} household",
            address_line1=fake.street_address(),
            postal_code=fake.postcode(),
            city=fake.city(),
            region=fake.state_abbr(),
            country="US",
        )
        born = fake.date_between_dates(datetime.date(1960, 1, 1), datetime.date(1990, 12, 31))
        for index, first in enumerate((his, hers)):
            made += _spouse(first, surname, born - DAY * (index * rng.randint(400, 2500)), home)
    partners = Customer.objects.filter(
        source="demo",
        kind=CustomerKind.PERSON,
        household__isnull=False,
        date_of_birth__isnull=False,
    ).order_by("external_id")
    for partner in rng.sample(list(partners[:500]), min(3, partners.count())):
        assert partner.date_of_birth is not None and partner.household is not None
        born = partner.date_of_birth + DAY * rng.choice([-1, 1]) * rng.randint(500, 3000)
        made += _spouse(fake.first_name(), partner.last_name, born, partner.household)
    return made


def _spouse(first: str, last: str, born: datetime.date, home: Household) -> int:
    number = (
        900_000 + Customer.objects.filter(source=BRANCH, external_id__gt=SPOUSES_FROM).count() + 1
    )
    customer_services.customer_create(
        first_name=first,
        last_name=last,
        date_of_birth=born,
        household=home,
        status=CustomerStatus.CUSTOMER,
        source=BRANCH,
        external_id=f"BR{number:06d}",
        contact_points=[
            customer_services.ContactPointInput(
                kind=ContactKind.EMAIL, value=f"{first}.{last}.{number}@example.net".lower()
            )
        ],
    )
    return 1


def duplicates_review(admin: User) -> dict[str, int]:
    """A batch run over every customer, then an admin merges the two likeliest branch pairs and
    undoes the second merge, so the merge list shows a merge and an undone one."""
    identity_settings()  # the defaults: review from 0.8, never merge without review
    run = run_services.run_start(by=admin, engine=FoundBy.SCORING, enqueue=False)
    done = run_services.run_execute(run_id=run.pk)
    if done is None or done.state != RunState.DONE:
        failure = done.failure if done is not None else "the run is gone"
        raise RuntimeError(f"The demo's match run did not finish: {failure}")
    merges = [
        pair_services.pair_merge(pair=pair, by=admin) for pair in _likeliest_branch_pairs(done)
    ]
    if len(merges) == 2:
        merge_services.merge_undo(merge=merges[1], by=admin)
    return {"pairs found": done.pairs_found, "merges": len(merges)}


def _likeliest_branch_pairs(run: MatchRun, wanted: int = 2) -> list[MatchPair]:
    """The run's best open pairs with a branch record, no customer in two of them."""
    branch_ids = Customer.objects.filter(source=BRANCH).values("pk")
    pairs = (
        MatchPair.objects.filter(run=run, status=PairStatus.OPEN)
        .filter(Q(left__in=branch_ids) | Q(right__in=branch_ids))
        .order_by("-score", "id")
    )
    chosen: list[MatchPair] = []
    seen: set[int] = set()
    for pair in pairs[:20]:
        if len(chosen) < wanted and not {pair.left_id, pair.right_id} & seen:
            chosen.append(pair)
            seen |= {pair.left_id, pair.right_id}
    return chosen
