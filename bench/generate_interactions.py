#!/usr/bin/env python
"""Fill the bench database with 10,000,000 interactions and about 500,000 cases.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench \\
    DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=bench-only \\
    .venv/bin/python bench/generate_interactions.py            # after generate_customers.py

What it does, in order:
  1. makes what the ledger points at, where missing: a 24/7 calendar, 6 teams, 10 queues
     (tiers 1 and 2), 12 contact types, a touchpoint per way in (4 phone numbers, 2 mailboxes,
     chat, SMS, social, web, a branch) and 240 agents `bench-agent-001` … (role agent, no
     password, in the queues' teams);
  2. unless the bench interactions are there already, loads them in ONE transaction with
     psycopg 3 COPY, in time order (so a customer's contacts are spread over the table as
     they would be after two years of service): the number per customer is log-normal (median
     5, a few customers with hundreds, about 9% with none), the times are uniform over
     `--months` months, weighted to opening hours; channels phone 45%, e-mail 25%, chat 15%,
     SMS 7%, social 4%, web 2%, in person 2%; each with a one-line summary. 5% of contacts open
     a case, and the customer's next 0-3 contacts within 30 days join it; recent cases are
     mostly open, old ones mostly closed (about 25,000 open in all). The secondary indexes and
     foreign keys of the two tables are dropped before COPY and rebuilt after it; on an empty
     ledger the tables are truncated in the same transaction so COPY can write frozen rows;
  3. VACUUM (ANALYZE) both tables;
  4. writes bench/out/screen_pop_phones.txt: 20,000 caller numbers drawn from the stored phone
     contacts (so a customer who calls often is drawn often), written as switches and people
     write them (E.164, national, with punctuation), URL-encoded, for bench/screen_pop.sh;
  5. reads the customer, contact and case tables and their indexes once (pg_prewarm, into the
     operating system's cache), as a server that has been running a while holds them: a few
     seconds of wrk warm-up would otherwise measure the disk (`--no-prewarm` skips it).

Idempotent: a second run finds the bench interactions (external_id "bench-…") and skips step 2.
`--reset` empties the ledger and the cases first (TRUNCATE … CASCADE: also call events,
messages, screen pops, case events, escalations), then loads them again.

The load bypasses the services on purpose: no Message rows (the summary is what lists and the
screen pop show), no CaseEvent or history rows, no SLA breach rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import sys
import time
from array import array
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from generate_customers import copy_text, drop_secondary_indexes, phone_formats  # noqa: E402

MARKER = "bench-"
PREWARMED = [
    "customers_customer",
    "customers_contactpoint",
    "customers_household",
    "customers_holding",
    "customers_product",
    "interactions_interaction",
    "cases_case",
    "accounts_user",
    "accounts_apitoken",
    "access_contacttype",
]
CHUNK = 50_000
DAY = 86_400
AGENT_PREFIX = "bench-agent-"

TEAMS = ("Front line A", "Front line B", "Billing", "Technical", "Retention", "Complaints")
# code: (name, team, tier)
QUEUES = {
    "general": ("General enquiries", "Front line A", 1),
    "general-b": ("General enquiries (overflow)", "Front line B", 1),
    "billing": ("Billing", "Billing", 1),
    "cards": ("Cards", "Billing", 1),
    "loans": ("Loans and mortgages", "Front line B", 1),
    "tech": ("Technical support", "Technical", 1),
    "retention": ("Retention", "Retention", 1),
    "complaints": ("Complaints", "Complaints", 1),
    "billing-t2": ("Billing tier 2", "Billing", 2),
    "tech-t2": ("Technical tier 2", "Technical", 2),
}
TIER_TWO = {"billing": "billing-t2", "cards": "billing-t2", "tech": "tech-t2"}
# code: (name, queue, share of contacts in percent)
CONTACT_TYPES = {
    "billing-question": ("Billing question", "billing", 16),
    "payment-problem": ("Payment problem", "billing", 9),
    "card-lost": ("Lost or stolen card", "cards", 6),
    "card-dispute": ("Card transaction dispute", "cards", 7),
    "address-change": ("Change of address", "general", 8),
    "product-info": ("Product information", "general-b", 12),
    "loan-enquiry": ("Loan enquiry", "loans", 6),
    "technical-issue": ("Online banking problem", "tech", 11),
    "account-access": ("Account access", "tech", 8),
    "cancellation": ("Cancellation", "retention", 6),
    "complaint": ("Complaint", "complaints", 5),
    "other": ("Other", "general", 6),
}
# channel: (share in percent, source, touchpoints (address, name, queue))
CHANNELS = {
    "phone": (45, "phone", [
        ("+18005550100", "Main line", "general"),
        ("+18005550101", "Billing line", "billing"),
        ("+18005550102", "Card services", "cards"),
        ("+18005550103", "Technical help", "tech"),
    ]),
    "email": (25, "email", [
        ("support@bank.example.com", "Support mailbox", "general"),
        ("billing@bank.example.com", "Billing mailbox", "billing"),
    ]),
    "chat": (15, "chat", [("web-chat", "Website chat", "general-b")]),
    "sms": (7, "sms", [("+18005550110", "SMS number", "general-b")]),
    "social": (4, "social", [("@bankexample", "Social account", "general-b")]),
    "web": (2, "desk", [("self-service", "Self-service portal", "general")]),
    "in_person": (2, "desk", [("branch-downtown", "Downtown branch", "general")]),
}  # fmt: skip

OUTCOMES_PHONE = (
    ["resolved"] * 52 + ["information"] * 20 + ["follow_up"] * 10 + ["transferred"] * 6
    + ["sale"] * 4 + ["escalated"] * 2 + ["abandoned"] * 6
)  # fmt: skip
OUTCOMES_OTHER = (
    ["resolved"] * 60 + ["information"] * 22 + ["follow_up"] * 12 + ["sale"] * 3 + ["escalated"] * 3
)
# Hours of the day (UTC, for simplicity) in percent: the centre is open 07-21, busiest mid-morning.
HOURS = [0, 0, 0, 0, 0, 0, 1, 3, 8, 10, 10, 9, 8, 8, 8, 8, 7, 6, 5, 4, 3, 2, 0, 0]

SUMMARIES = {
    "billing-question": [
        "Asked why the {month} statement shows a fee of ${amount}; explained the {product} fee.",
        "Wanted the {month} bill itemised; walked through each charge and sent a copy.",
        "Queried a ${amount} charge; it was the annual {product} fee, agreed to waive it.",
    ],
    "payment-problem": [
        "Payment of ${amount} on {day} {month} bounced; reset the direct debit and refunded the fee.",
        "Card payment declined twice; the daily limit was reached, raised it to ${amount}.",
        "Standing order did not go out on {day} {month}; re-sent it and apologised.",
    ],
    "card-lost": [
        "Reported the {card} card lost on {day} {month}; blocked it and ordered a new one.",
        "Card stolen with the wallet; blocked, no transactions after {day} {month}, new card sent.",
    ],
    "card-dispute": [
        "Does not recognise ${amount} from an online shop on {day} {month}; opened a dispute.",
        "Charged twice (${amount}) at a hotel; asked the merchant for a refund, dispute open.",
    ],
    "address-change": [
        "Moved on {day} {month}; updated the address and checked the household details.",
        "New postal address and phone number; updated both, confirmed by e-mail.",
    ],
    "product-info": [
        "Asked about {product}; explained the terms and sent the brochure.",
        "Comparing {product} with what the household has now; booked a call with an adviser.",
        "Wanted to know the {product} rate; quoted it and the ${amount} fee.",
    ],
    "loan-enquiry": [
        "Asked what ${amount}00 over 5 years would cost; gave a quote, application link sent.",
        "Mortgage payment holiday question; explained the rules, follow-up on {day} {month}.",
    ],
    "technical-issue": [
        "App crashes at login since the update on {day} {month}; reinstalled, works now.",
        "Online banking shows an old balance; cleared the cache, escalated the sync error.",
        "Cannot add a payee in the app; known fault, workaround given.",
    ],
    "account-access": [
        "Locked out after three wrong passwords; verified identity and reset access.",
        "New phone, no codes for the second factor; re-registered the device.",
    ],
    "cancellation": [
        "Wants to cancel {product}; offered a lower plan, customer will think about it.",
        "Cancelled {product} as of {day} {month}; final bill ${amount}.",
        "Threatened to leave over the fees; waived ${amount}, customer stays.",
    ],
    "complaint": [
        "Unhappy with the wait on {day} {month}; apologised and credited ${amount}.",
        "Complaint about an adviser's tone; logged for the team lead, customer called back.",
    ],
    "other": [
        "Asked for a statement for the tax return; sent the {month} statement.",
        "General question about opening hours of the branch; answered.",
    ],
}
PRODUCT_NAMES = (
    "current account", "Savings Plus", "Visa Classic", "Visa Gold", "personal loan", "mortgage",
    "home insurance", "premium support",
)  # fmt: skip
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interactions", type=int, default=10_000_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument(
        "--until",
        type=dt.date.fromisoformat,
        default=dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1),
        help="the day after the last contact (default: tomorrow, so the newest are today)",
    )
    parser.add_argument(
        "--case-rate", type=float, default=0.05, help="share of contacts opening a case"
    )
    parser.add_argument("--agents", type=int, default=240)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--samples", type=int, default=20_000, help="screen-pop request samples")
    parser.add_argument(
        "--no-prewarm", dest="prewarm", action="store_false", help="leave the OS cache as it is"
    )
    parser.add_argument(
        "--reset", action="store_true", help="empty the ledger and cases first, then load again"
    )
    return parser.parse_args()


# ----------------------------------------------------------------------------- reference data


def ensure_reference(*, agents: int) -> dict:
    """Teams, calendar, queues, contact types, touchpoints and agents, made where missing.
    Returns the ids the generator needs."""
    from django.db import transaction

    from rapport.access.models import BusinessCalendar, ContactType, Queue, Touchpoint
    from rapport.accounts.models import Team, User
    from rapport.accounts.services import user_create
    from rapport.core.roles import Role

    with transaction.atomic():
        calendar, _ = BusinessCalendar.objects.get_or_create(
            name="Bench 24/7", defaults={"always_open": True}
        )
        teams = {name: Team.objects.get_or_create(name=f"Bench {name}")[0] for name in TEAMS}
        queues = {}
        for code, (name, team, tier) in QUEUES.items():
            queues[code], _ = Queue.objects.get_or_create(
                code=code,
                defaults={"name": name, "team": teams[team], "tier": tier, "calendar": calendar},
            )
        types = {}
        for code, (name, _queue, _share) in CONTACT_TYPES.items():
            types[code], _ = ContactType.objects.get_or_create(code=code, defaults={"name": name})
        touchpoints = {}
        for channel, (_share, _source, points) in CHANNELS.items():
            for address, name, queue in points:
                touchpoints[address], _ = Touchpoint.objects.get_or_create(
                    channel=channel,
                    address=address,
                    defaults={"name": name, "queue": queues[queue]},
                )
        existing = set(
            User.objects.filter(username__startswith=AGENT_PREFIX).values_list(
                "username", flat=True
            )
        )
        team_list = list(teams.values())
        made = 0
        for n in range(1, agents + 1):
            username = f"{AGENT_PREFIX}{n:03d}"
            if username not in existing:
                user_create(
                    username=username,
                    password=None,
                    roles=[Role.AGENT],
                    first_name="Agent",
                    last_name=f"{n:03d}",
                    team=team_list[n % len(team_list)],
                )
                made += 1
    if made:
        print(f"created {made} agents {AGENT_PREFIX}001 … (role agent, no password)")
    agents_by_team: dict[int, list[int]] = {}
    for pk, team_id in User.objects.filter(username__startswith=AGENT_PREFIX).values_list(
        "pk", "team_id"
    ):
        agents_by_team.setdefault(team_id, []).append(pk)
    return {
        "queues": {code: (q.pk, q.team_id, q.tier) for code, q in queues.items()},
        "types": {code: t.pk for code, t in types.items()},
        "touchpoints": {address: t.pk for address, t in touchpoints.items()},
        "agents_by_team": {team: sorted(pks) for team, pks in agents_by_team.items()},
    }


# ----------------------------------------------------------------------------- generation


def weighted(pairs) -> list:
    """A 100-slot table from (value, percent) pairs."""
    table = [value for value, percent in pairs for _ in range(percent)]
    assert len(table) == 100, len(table)
    return table


def contact_counts(rng: random.Random, customers: int, total: int) -> array:
    """How many contacts each customer had: log-normal (median ~5, a long tail), scaled so the
    sum is exactly `total`."""
    sigma = 1.2
    mu = math.log(total / customers) - sigma * sigma / 2
    raw = [rng.lognormvariate(mu, sigma) for _ in range(customers)]
    scale = total / sum(raw)
    counts = array("l", (int(x * scale) for x in raw))
    missing = total - sum(counts)
    # The rounding remainder goes to random customers, one each.
    for index in rng.sample(range(customers), missing):
        counts[index] += 1
    return counts


class Clock:
    """Seconds since the start of the window → COPY text timestamps, from tables."""

    def __init__(self, start: dt.date, days: int):
        self.start = start
        self.days = [(start + dt.timedelta(days=d)).isoformat() for d in range(days + 400)]
        self.hms = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00" for s in range(DAY)]

    def __call__(self, t: int) -> str:
        return f"{self.days[t // DAY]} {self.hms[t % DAY]}"


def summary_pool(rng: random.Random) -> dict[str, list[str]]:
    """400 filled-in summaries per contact type, picked at random per contact."""
    pool = {}
    for code, templates in SUMMARIES.items():
        pool[code] = [
            rng.choice(templates).format(
                month=rng.choice(MONTHS),
                day=rng.randint(1, 28),
                amount=f"{rng.randint(5, 900)}.{rng.randint(0, 99):02d}",
                product=rng.choice(PRODUCT_NAMES),
                card=rng.choice(("Visa Classic", "Visa Gold")),
            )
            for _ in range(400)
        ]
    return pool


def load(*, args: argparse.Namespace, ref: dict) -> None:
    from django.db import connection, transaction
    from psycopg.copy import QueuedLibpqWriter

    from rapport.cases.models import Case
    from rapport.customers.models import Customer
    from rapport.interactions.models import Interaction

    rng = random.Random(args.seed)
    itable, ctable = Interaction._meta.db_table, Case._meta.db_table
    started = time.perf_counter()

    with connection.cursor() as cur:
        cur.execute(f"SELECT max(id) FROM {Customer._meta.db_table}")
        max_customer = cur.fetchone()[0] or 0
        cur.execute(
            "SELECT customer_id, kind, normalised FROM customers_contactpoint "
            "WHERE kind IN ('phone', 'email') ORDER BY customer_id, id"
        )
        phone = [""] * (max_customer + 1)
        email = [""] * (max_customer + 1)
        for customer_id, kind, value in cur:
            target = phone if kind == "phone" else email
            if not target[customer_id]:
                target[customer_id] = value
        cur.execute(f"SELECT id FROM {Customer._meta.db_table} WHERE erased_at IS NULL ORDER BY id")
        customer_ids = array("l", (row[0] for row in cur))
    print(f"  read {len(customer_ids):,} customers and their phones and e-mail addresses")

    # 1. who contacts us when: (time, customer) packed in one int, sorted by time
    window_days = round(args.months * 365.25 / 12)
    start = args.until - dt.timedelta(days=window_days)
    counts = contact_counts(rng, len(customer_ids), args.interactions)
    hours = [h for h, share in enumerate(HOURS) for _ in range(share)]
    day_seconds = [
        hours[int(rng.random() * len(hours))] * 3600 + rng.randrange(3600) for _ in range(8192)
    ]
    rand = rng.random
    packed = array("q")
    append = packed.append
    shift = max_customer.bit_length()
    for customer, count in zip(customer_ids, counts, strict=True):
        for _ in range(count):
            t = int(rand() * window_days) * DAY + day_seconds[int(rand() * 8192)]
            append((t << shift) | customer)
    mask = (1 << shift) - 1
    order = sorted(packed)
    del packed
    print(
        f"  drew {len(order):,} contact times over {window_days} days "
        f"(max {max(counts):,} for one customer, {sum(1 for c in counts if c == 0):,} customers "
        f"with none) in {time.perf_counter() - started:.1f} s",
        flush=True,
    )

    # 2. tables to draw from
    clock = Clock(start, window_days)
    summaries = summary_pool(rng)
    type_table = weighted((code, share) for code, (_n, _q, share) in CONTACT_TYPES.items())
    channel_table = weighted((ch, share) for ch, (share, _s, _t) in CHANNELS.items())
    queues, agents_by_team = ref["queues"], ref["agents_by_team"]
    type_queue = {code: queues[q] for code, (_n, q, _s) in CONTACT_TYPES.items()}
    channel_points = {
        ch: [(ref["touchpoints"][address], queues[q]) for address, _n, q in points]
        for ch, (_share, _s, points) in CHANNELS.items()
    }
    source_of = {ch: source for ch, (_share, source, _t) in CHANNELS.items()}
    recent_cutoff = (window_days - 45) * DAY
    recent_status = weighted(
        (("new", 10), ("open", 35), ("waiting", 15), ("resolved", 30), ("closed", 10))
    )
    old_status = weighted((("closed", 70), ("resolved", 28), ("open", 1), ("waiting", 1)))
    priorities = weighted((("low", 15), ("normal", 65), ("high", 15), ("urgent", 5)))

    icols_text = (
        "id created_at updated_at sender sender_name direction channel outcome subject summary "
        "started_at answered_at ended_at wait_seconds handle_seconds hold_seconds wrap_seconds "
        "transfers relationship_attempt compliment_received wrapped_up_at source external_id "
        "thread_refs agent_id case_id contact_type_id customer_id queue_id touchpoint_id"
    )
    icols = icols_text.split()
    ccols_text = (
        "id created_at updated_at subject description status priority channel tier opened_at "
        "first_response_due first_responded_at resolution_due resolved_at closed_at paused_at "
        "warned_first_response warned_resolution assignee_id contact_type_id customer_id "
        "objective_id opened_by_id queue_id"
    )
    ccols = ccols_text.split()

    totals = {"interactions": 0, "cases": 0, "open cases": 0, "linked": 0}
    with transaction.atomic():
        raw = connection.cursor().connection
        with raw.cursor() as cur:
            cur.execute("SET LOCAL synchronous_commit = off")
            cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
            empty = not cur.execute(f"SELECT EXISTS (SELECT 1 FROM {itable})").fetchone()[0]
            empty = (
                empty and not cur.execute(f"SELECT EXISTS (SELECT 1 FROM {ctable})").fetchone()[0]
            )
            freeze = ""
            if empty and not cascade_has_rows(cur, [itable, ctable]):
                cur.execute(f"TRUNCATE {itable}, {ctable} CASCADE")  # lets COPY write frozen rows
                freeze = " WITH (FREEZE)"
            cur.execute(f"LOCK TABLE {itable}, {ctable} IN ACCESS EXCLUSIVE MODE")
            recreate = drop_secondary_indexes(cur, [itable, ctable])
            print(
                f"  dropped {len(recreate)} secondary indexes and constraints for the load",
                flush=True,
            )
            next_id = cur.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {itable}").fetchone()[0]
            next_case = cur.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {ctable}").fetchone()[0]

            icopy = cur.copy(
                f"COPY {itable} ({', '.join(icols)}) FROM STDIN{freeze}",
                writer=QueuedLibpqWriter(cur),
            )
            lines: list[str] = []
            cases: list[str] = []
            open_case: dict[int, list] = {}  # customer → [case id, links left, opened at]
            with icopy as copy:
                for index, key in enumerate(order):
                    t, customer = key >> shift, key & mask
                    iid = next_id + index
                    ctype = type_table[int(rand() * 100)]
                    channel = channel_table[int(rand() * 100)]
                    touchpoint, (queue, team, _tier) = channel_points[channel][
                        int(rand() * len(channel_points[channel]))
                    ]
                    if rand() < 0.7:  # most contacts go to the queue of their reason
                        queue, team, _tier = type_queue[ctype]
                    team_agents = agents_by_team[team]
                    agent = team_agents[int(rand() * len(team_agents))]
                    direction = "outbound" if rand() < 0.12 else "inbound"
                    answered = ended = wrapped = "\\N"
                    wait = handle = hold = wrap = transfers = 0
                    if channel == "phone":
                        outcome = OUTCOMES_PHONE[int(rand() * 100)]
                        sender = phone[customer]
                        wait = int(rand() * rand() * 240)
                        if outcome == "abandoned":
                            agent_s = "\\N"
                            ended = clock(t + wait)
                        else:
                            agent_s = str(agent)
                            handle = 60 + int(rand() * rand() * 1500)
                            hold = int(rand() * 240) if rand() < 0.3 else 0
                            wrap = 10 + int(rand() * 110)
                            transfers = (
                                1 if outcome == "transferred" else (1 if rand() < 0.05 else 0)
                            )
                            answered = clock(t + wait)
                            ended = clock(t + wait + handle + hold)
                            wrapped = clock(t + wait + handle + hold + wrap)
                    else:
                        outcome = OUTCOMES_OTHER[int(rand() * 100)]
                        agent_s = str(agent)
                        sender = email[customer] if channel in ("email", "chat", "web") else (
                            phone[customer] if channel == "sms" else
                            f"@cust{customer}" if channel == "social" else ""
                        )  # fmt: skip
                        handle = 60 + int(rand() * 900)
                        if channel == "chat":
                            wait = int(rand() * 90)
                            answered = clock(t + wait)
                        ended = clock(t + wait + handle)
                        wrapped = ended
                    source = source_of[channel]
                    external = f"{MARKER}{iid}" if source != "desk" else ""
                    if source == "email":
                        external = f"<{MARKER}{iid}@mail.example.com>"

                    # Cases: join the customer's open one, or open one now and then.
                    case_s = "\\N"
                    held = open_case.get(customer)
                    if held is not None and held[1] > 0 and t - held[2] < 30 * DAY:
                        held[1] -= 1
                        case_s = str(held[0])
                        totals["linked"] += 1
                    elif rand() < args.case_rate:
                        case_id = next_case + totals["cases"]
                        totals["cases"] += 1
                        open_case[customer] = [case_id, (0, 0, 1, 1, 2, 3)[int(rand() * 6)], t]
                        case_s = str(case_id)
                        status = (recent_status if t >= recent_cutoff else old_status)[
                            int(rand() * 100)
                        ]
                        is_open = status in ("new", "open", "waiting")
                        totals["open cases"] += is_open
                        cq, cteam, ctier = type_queue[ctype]
                        if rand() < 0.08:  # escalated to tier 2 where there is one
                            tier2 = TIER_TWO.get(CONTACT_TYPES[ctype][1], "")
                            if tier2:
                                cq, cteam, ctier = queues[tier2]
                        assignee = (
                            "\\N" if is_open and rand() < 0.3
                            else str(agents_by_team[cteam][int(rand() * len(agents_by_team[cteam]))])
                        )  # fmt: skip
                        responded = (
                            "\\N" if status == "new" else clock(t + 600 + int(rand() * 7200))
                        )
                        resolved = closed = "\\N"
                        if not is_open:
                            resolved = clock(t + 3600 + int(rand() * 6 * DAY))
                            closed = resolved if status == "closed" else "\\N"
                        paused = clock(t + 3 * 3600) if status == "waiting" else "\\N"
                        stamp = clock(t)
                        subject = copy_text(CONTACT_TYPES[ctype][0] + ": " + summaries[ctype][
                            int(rand() * 400)][:120])  # fmt: skip
                        cases.append(
                            f"{case_id}\t{stamp}\t{stamp}\t{subject}\t\t{status}\t"
                            f"{priorities[int(rand() * 100)]}\t{channel}\t{ctier}\t{stamp}\t"
                            f"{clock(t + 4 * 3600)}\t{responded}\t{clock(t + 3 * DAY)}\t"
                            f"{resolved}\t{closed}\t{paused}\tf\tf\t{assignee}\t"
                            f"{ref['types'][ctype]}\t{customer}\t\\N\t{agent_s}\t{cq}"
                        )

                    stamp = clock(t)
                    subject = (
                        copy_text(f"Re: {CONTACT_TYPES[ctype][0]}") if channel == "email" else ""
                    )
                    attempt = ("t", "f", "\\N")[int(rand() * 3)] if agent_s != "\\N" else "\\N"
                    lines.append(
                        f"{iid}\t{stamp}\t{stamp}\t{copy_text(sender)}\t\t{direction}\t{channel}\t"
                        f"{outcome}\t{subject}\t{copy_text(summaries[ctype][int(rand() * 400)])}\t"
                        f"{stamp}\t{answered}\t{ended}\t{wait}\t{handle}\t{hold}\t{wrap}\t"
                        f"{transfers}\t{attempt}\t\\N\t{wrapped}\t{source}\t{external}\t[]\t"
                        f"{agent_s}\t{case_s}\t{ref['types'][ctype]}\t{customer}\t{queue}\t"
                        f"{touchpoint}"
                    )
                    if len(lines) >= CHUNK:
                        copy.write("\n".join(lines) + "\n")
                        totals["interactions"] += len(lines)
                        lines = []
                        if totals["interactions"] % 1_000_000 == 0:
                            elapsed = time.perf_counter() - started
                            print(
                                f"  {totals['interactions']:>10,} interactions "
                                f"{totals['cases']:>8,} cases {elapsed:6.1f} s",
                                flush=True,
                            )
                if lines:
                    copy.write("\n".join(lines) + "\n")
                    totals["interactions"] += len(lines)
            with cur.copy(f"COPY {ctable} ({', '.join(ccols)}) FROM STDIN{freeze}") as copy:
                for offset in range(0, len(cases), CHUNK):
                    copy.write("\n".join(cases[offset : offset + CHUNK]) + "\n")
            copied = time.perf_counter()
            print(f"  COPY done in {copied - started:.1f} s; rebuilding indexes …", flush=True)
            for statement in recreate:
                t0 = time.perf_counter()
                cur.execute(statement)
                if time.perf_counter() - t0 > 5:
                    print(f"    {time.perf_counter() - t0:5.1f} s  {statement[:110]}", flush=True)
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{itable}', 'id'), "
                f"(SELECT max(id) FROM {itable}))"
            )
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{ctable}', 'id'), "
                f"(SELECT max(id) FROM {ctable}))"
            )
            indexed = time.perf_counter()
    finished = time.perf_counter()
    rows = totals["interactions"] + totals["cases"]
    print(
        f"loaded {totals['interactions']:,} interactions and {totals['cases']:,} cases "
        f"({totals['open cases']:,} open; {totals['linked']:,} later contacts joined a case) = "
        f"{rows:,} rows in {finished - started:.1f} s\n"
        f"  drawing, generating and COPY{freeze or ''} {copied - started:.1f} s "
        f"({rows / (copied - started):,.0f} rows/s), rebuilding indexes and constraints "
        f"{indexed - copied:.1f} s, commit {finished - indexed:.1f} s"
    )


def cascade_has_rows(cur, tables: list[str]) -> bool:
    """Whether any table that TRUNCATE … CASCADE of `tables` would also empty holds rows."""
    cur.execute(
        """WITH RECURSIVE hit(rel) AS (
               SELECT unnest(%s::regclass[])
               UNION
               SELECT c.conrelid FROM pg_constraint c JOIN hit ON c.confrelid = hit.rel
               WHERE c.contype = 'f')
           SELECT rel::regclass::text FROM hit""",
        [tables],
    )
    for (table,) in cur.fetchall():
        if (
            table not in tables
            and cur.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]
        ):
            return True
    return False


def reset(tables: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
    print(f"emptied {', '.join(tables)} and the tables that point at them")


def vacuum_analyze(tables: list[str]) -> None:
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f"VACUUM (ANALYZE) {table}")
    print(f"VACUUM (ANALYZE) done in {time.perf_counter() - t0:.1f} s")


def write_samples(*, seed: int, size: int) -> None:
    """Caller numbers for the screen-pop benchmark, drawn from stored phone contacts."""
    import urllib.parse

    from django.db import connection

    rng = random.Random(seed + 1)
    with connection.cursor() as cur:
        # SYSTEM sampling reads whole pages: about 1% of the table, spread over the two years.
        cur.execute(
            "SELECT sender FROM interactions_interaction TABLESAMPLE SYSTEM (1) REPEATABLE (%s) "
            "WHERE channel = 'phone' AND customer_id IS NOT NULL AND sender LIKE '+1%%' "
            "ORDER BY id",
            [seed],
        )
        numbers = [row[0] for row in cur.fetchall()]
    rng.shuffle(numbers)
    numbers = numbers[:size]
    OUT.mkdir(exist_ok=True)
    path = OUT / "screen_pop_phones.txt"
    path.write_text(
        "".join(urllib.parse.quote(rng.choice(phone_formats(n)), safe="") + "\n" for n in numbers)
    )
    print(f"wrote {len(numbers):,} caller numbers to {path.relative_to(ROOT)}")


def prewarm() -> None:
    """Read the tables the benchmarks use, and their indexes, into the OS cache."""
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        cur.execute(
            """SELECT sum(pg_prewarm(rel, 'read')) FROM (
                   SELECT c.oid::regclass AS rel FROM pg_class c
                   WHERE c.relkind = 'r' AND c.relname = ANY(%(tables)s)
                   UNION ALL
                   SELECT i.indexrelid::regclass FROM pg_index i JOIN pg_class c
                       ON c.oid = i.indrelid WHERE c.relname = ANY(%(tables)s)) r""",
            {"tables": PREWARMED},
        )
        blocks = cur.fetchone()[0] or 0
    print(
        f"read {blocks * 8 / 1024:,.0f} MB of tables and indexes into the OS cache "
        f"({time.perf_counter() - t0:.0f} s)"
    )


def main() -> None:
    args = parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from rapport.cases.models import Case
    from rapport.interactions.models import Interaction

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("bench needs PostgreSQL: set DATABASE_URL=postgres://…/rapport_bench")
    if not settings.DATABASES["default"]["NAME"].endswith("_bench"):
        sys.exit("refusing to load bench data into a database not named *_bench")
    tables = [Interaction._meta.db_table, Case._meta.db_table]
    if args.reset:
        reset(tables)
    ref = ensure_reference(agents=args.agents)
    with connection.cursor() as cur:
        # The load is one transaction, so any marked row means a whole load committed.
        cur.execute(
            f"SELECT EXISTS (SELECT 1 FROM {tables[0]} WHERE source = 'phone' "
            "AND external_id LIKE %s)",
            [MARKER + "%"],
        )
        existing = cur.fetchone()[0]
    if existing:
        print("the bench interactions are already there: skipping the load (--reset to redo)")
    else:
        print(
            f"loading {args.interactions:,} interactions over {args.months} months up to "
            f"{args.until} (seed {args.seed}) with COPY …",
            flush=True,
        )
        load(args=args, ref=ref)
        vacuum_analyze(tables)
    write_samples(seed=args.seed, size=args.samples)
    if args.prewarm:
        prewarm()


if __name__ == "__main__":
    main()
