"""Six months of contacts for the demo center, planned in memory from one seeded random generator.

The planner thinks in customer issues: a customer has a reason to get in touch, comes in on a
channel at a busy hour, and the front line either settles it on the spot or opens a case that
takes more contacts (often on another channel), sometimes an escalation to a specialist tier and
now and then a second one. What comes out are rows ready for bulk insertion, with ids chosen up
front so cases, contacts, messages, escalations and timeline rows can point at each other before
any of them is written.
"""

import bisect
import functools
import itertools
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rapport.demo import catalog, phrases
from rapport.demo.center import (
    AgentInfo,
    Center,
    CustomerInfo,
    ObjectiveInfo,
    QueueInfo,
    ReasonInfo,
)

LIVE = frozenset({"phone", "chat", "in_person"})
# The channel customers first come in on. Our replies, confirmations and call-backs, and customers
# coming back on another channel, bring the totals to about catalog.CHANNEL_MIX.
FIRST_CHANNEL_MIX = [
    ("phone", 660),
    ("email", 62),
    ("chat", 180),
    ("sms", 45),
    ("social", 35),
    ("web", 24),
    ("in_person", 11),
]
DAY = 86_400
HOUR = 3_600

INTERACTION_FIELDS = (
    "id", "customer_id", "sender", "sender_name", "direction", "channel", "touchpoint_id",
    "queue_id", "agent_id", "contact_type_id", "outcome", "subject", "summary", "started_at",
    "answered_at", "ended_at", "wait_seconds", "handle_seconds", "hold_seconds", "wrap_seconds",
    "transfers", "relationship_attempt", "compliment_received", "offer_made", "offer_accepted",
    "wrapped_up_at", "case_id",
    "source", "external_id", "thread_refs", "created_at", "updated_at",
)  # fmt: skip
MESSAGE_FIELDS = (
    "id", "interaction_id", "side", "author_id", "body_text", "body_html", "sent_at",
    "external_id", "is_note",
)  # fmt: skip
CASE_FIELDS = (
    "id", "customer_id", "subject", "description", "status", "priority", "contact_type_id",
    "channel", "queue_id", "tier", "assignee_id", "opened_by_id", "opened_at",
    "first_response_due", "first_responded_at", "resolution_due", "resolved_at", "closed_at",
    "paused_at", "warned_first_response", "warned_resolution", "objective_id", "created_at",
    "updated_at",
)  # fmt: skip
EVENT_FIELDS = ("id", "case_id", "kind", "actor_id", "detail", "at")
BREACH_FIELDS = ("id", "case_id", "clock", "due_at", "recorded_at")
ESCALATION_FIELDS = (
    "id", "case_id", "reason_id", "preventable", "customer_needs", "tried", "promised",
    "from_queue_id", "to_queue_id", "from_tier", "to_tier", "escalated_by_id", "from_team_id",
    "to_agent_id", "interaction_id", "contact_type_id", "escalated_at", "received_at",
)  # fmt: skip

# Live channels: median seconds in the queue before an answer, and its spread (log scale).
WAIT = {"phone": (35, 1.0), "chat": (45, 0.9), "in_person": (240, 0.7)}
ABANDON_WAIT = (70, 0.8)
# Median handling seconds and spread; written channels count the time spent writing.
HANDLE = {
    "phone": (300, 0.55),
    "chat": (540, 0.5),
    "in_person": (600, 0.5),
    "email": (240, 0.6),
    "web": (240, 0.6),
    "sms": (110, 0.6),
    "social": (140, 0.6),
}
WRAP = {"phone": (45, 0.5), "chat": (30, 0.5), "in_person": (60, 0.5)}
WRITTEN_WRAP = (20, 0.5)
# Written channels: median business hours until an answer, and spread.
RESPONSE_HOURS = {"email": (4.0, 1.2), "web": (6.0, 1.1), "sms": (0.5, 1.0), "social": (0.6, 1.0)}
TYPE_HANDLE = {
    "technical-support": 1.4,
    "fault-report": 1.3,
    "complaint": 1.5,
    "cancel-request": 1.3,
    "general-enquiry": 0.7,
    "payment-arrangement": 1.2,
    "new-order": 1.4,
    "moving-house": 1.2,
    "change-of-plan": 1.1,
    "lost-card": 0.8,
}
# How often a live contact needs a case (written ones always get one), and how often a case is
# escalated, by reason.
CASE_RATE_LIVE = {
    "complaint": 0.3,
    "fault-report": 0.12,
    "technical-support": 0.1,
    "cancel-request": 0.1,
    "payment-arrangement": 0.1,
    "moving-house": 0.08,
    "lost-card": 0.06,
}
CASE_RATE_LIVE_OTHER = 0.02
ESCALATION_RATE = {
    "complaint": 0.22,
    "technical-support": 0.17,
    "fault-report": 0.17,
    "payment-arrangement": 0.09,
    "billing-question": 0.05,
    "cancel-request": 0.06,
}
ESCALATION_RATE_OTHER = 0.025
SECOND_ESCALATION_RATE = 0.2
# Which escalation reasons go with which contact reason.
REASONS_BY_TYPE = {
    "fault-report": [
        ("technical-expertise", 65),
        ("knowledge-gap", 10),
        ("wrong-queue", 10),
        ("manager-requested", 8),
        ("complaint", 7),
    ],
    "technical-support": [
        ("technical-expertise", 55),
        ("knowledge-gap", 25),
        ("wrong-queue", 10),
        ("manager-requested", 10),
    ],
    "billing-question": [
        ("authority-limit", 55),
        ("policy-exception", 15),
        ("manager-requested", 15),
        ("wrong-queue", 15),
    ],
    "payment-arrangement": [
        ("policy-exception", 50),
        ("authority-limit", 35),
        ("manager-requested", 15),
    ],
    "complaint": [("complaint", 75), ("manager-requested", 25)],
    "cancel-request": [("policy-exception", 40), ("manager-requested", 30), ("complaint", 30)],
}
REASONS_OTHER = [
    ("authority-limit", 25),
    ("policy-exception", 20),
    ("manager-requested", 20),
    ("wrong-queue", 20),
    ("knowledge-gap", 15),
]
SECOND_REASONS = [("complaint", 55), ("manager-requested", 45)]
# Customer contacts after the first in a case.
FOLLOW_UPS = [(0, 45), (1, 33), (2, 14), (3, 6), (4, 2)]
REPEAT_WITHOUT_CASE = 0.1
CHANNEL_SWITCH = 0.35
ABANDON_FIRST = 0.06
TRANSFER_RATE = 0.08
STALE_CASE = 0.015
# After a call that leaves work open, the agent sometimes confirms by e-mail what was agreed.
CONFIRMATION_RATE = 0.25
# Someone logging in as a demo user should find recent work of their own: in the last days they
# take this share of their team's contacts.
RECENT_LOGIN_SHARE = 0.35
RECENT_DAYS = 21
# What a reason is about, by product category (a reason not named here can be about anything).
TYPE_PRODUCTS = {
    "fault-report": {"service", "card", "account"},
    "technical-support": {"service", "account"},
    "lost-card": {"card"},
    "payment-arrangement": {"loan", "card", "service"},
    "change-of-plan": {"service", "account", "card", "insurance"},
}
AMOUNTS = ["12.50", "19.99", "24.00", "35.00", "48.20", "60.00", "75.00", "120.00", "249.00"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@dataclass
class Plan:
    """Rows in the column order of the *_FIELDS tuples above."""

    interactions: list[tuple] = field(default_factory=list)
    messages: list[tuple] = field(default_factory=list)
    cases: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    escalations: list[tuple] = field(default_factory=list)
    breaches: list[tuple] = field(default_factory=list)


@dataclass(frozen=True)
class FirstIds:
    """The first free id of each table the plan writes to."""

    interaction: int = 1
    message: int = 1
    case: int = 1
    event: int = 1
    escalation: int = 1
    breach: int = 1


@dataclass(slots=True)
class _Contact:
    id: int
    channel: str
    queue: QueueInfo
    agent: AgentInfo | None
    started: datetime
    answered: datetime | None
    wrapped: datetime
    outcome: str


@dataclass
class _Escalation:
    id: int
    at: datetime
    by: AgentInfo
    reason: ReasonInfo
    to_queue: QueueInfo
    received: datetime | None
    to_agent: AgentInfo | None


@dataclass
class _Case:
    id: int
    channel: str
    queue: QueueInfo
    first_queue: QueueInfo
    priority: str
    objective: ObjectiveInfo
    opened_at: datetime
    opened_by: AgentInfo | None
    subject: str
    description: str
    contacts: list[_Contact] = field(default_factory=list)
    responded: _Contact | None = None
    assignee: AgentInfo | None = None
    escalations: list[_Escalation] = field(default_factory=list)


@dataclass
class _Issue:
    customer: CustomerInfo
    kind: str
    words: dict[str, str]
    needs_case: bool
    case: _Case | None = None
    subject: str = ""
    thread_ref: str = ""  # the last e-mail we sent in this conversation, for In-Reply-To


@dataclass(frozen=True)
class _Slots:
    """Hours of the history window with their relative volume, for weighted sampling."""

    starts: list[datetime]
    cumulative: list[float]


class ContactPlanner:
    def __init__(
        self,
        center: Center,
        *,
        rng: random.Random,
        first: date,
        end: datetime,
        mail_domain: str,
        ids: FirstIds,
        demo_logins: frozenset[str] = frozenset(),
    ) -> None:
        self.center = center
        self.rng = rng
        self.first = first
        self.end = end
        self.mail_domain = mail_domain
        self.zone = ZoneInfo(catalog.TIME_ZONE)
        self.plan = Plan()
        self.count = 0
        self._ids = {
            name: itertools.count(getattr(ids, name))
            for name in ("interaction", "message", "case", "event", "escalation", "breach")
        }
        self._slots: dict[tuple[str, str], _Slots] = {}
        self._hour_weights = {
            True: list(itertools.accumulate(catalog.HOUR_VOLUME_LIVE)),
            False: list(itertools.accumulate(catalog.HOUR_VOLUME_WRITTEN)),
        }
        self._type_names = {code: name for code, name, _d in catalog.CONTACT_TYPES}
        self._holidays = {date.fromisoformat(day) for day, _n in catalog.HOLIDAYS}
        self._outages = {date.fromisoformat(day) for day in catalog.OUTAGE_DAYS}
        # Customers differ a lot in how often they get in touch; a few are regulars.
        status_factor = {"customer": 1.0, "prospect": 0.35, "former": 0.25}
        segment_factor = {"small_business": 1.4, "corporate": 1.6, "public_sector": 1.3}
        weights = [
            rng.lognormvariate(0, 0.6)
            * status_factor.get(c.status, 1.0)
            * segment_factor.get(c.segment, 1.0)
            for c in center.customers
        ]
        self._customers = center.customers
        self._customer_weights = list(itertools.accumulate(weights))
        social = [(c, w) for c, w in zip(center.customers, weights, strict=True) if c.handle]
        self._social = [c for c, _w in social]
        self._social_weights = list(itertools.accumulate(w for _c, w in social))
        self._logins = {
            agent.team_id: agent
            for agents in center.agents.values()
            for agent in agents
            if agent.username in demo_logins
        }
        self._recent = end - timedelta(days=RECENT_DAYS)
        # Agents have their own pace and warmth, and some take more contacts than others.
        self._pace: dict[int, float] = {}
        self._warmth: dict[int, float] = {}
        self._agent_weights: dict[int, list[float]] = {}
        for team_id, agents in center.agents.items():
            for agent in agents:
                self._pace[agent.id] = rng.lognormvariate(0, 0.12)
                self._warmth[agent.id] = rng.uniform(0.3, 0.85)
            self._agent_weights[team_id] = list(
                itertools.accumulate(rng.lognormvariate(0, 0.25) for _ in agents)
            )

    # the whole plan ---------------------------------------------------------------------------
    def run(self, interactions: int) -> Plan:
        """About `interactions` contacts (the last issue may add a few more)."""
        # The first issues open on each channel in turn, so even a small plan has every channel.
        forced: Iterator[str] = iter([channel for channel, _share in FIRST_CHANNEL_MIX])
        while self.count < interactions:
            self._issue(next(forced, None))
        return self.plan

    def _issue(self, channel: str | None) -> None:
        rng = self.rng
        channel = channel or _weighted(rng, FIRST_CHANNEL_MIX)
        customer = self._customer(channel)
        kind = _weighted(
            rng, catalog.CONTACT_TYPE_MIX.get(customer.status, catalog.CONTACT_TYPE_MIX["customer"])
        )
        queue, priority = self._route(customer, kind)
        needs_case = channel not in LIVE or rng.random() < CASE_RATE_LIVE.get(
            kind, CASE_RATE_LIVE_OTHER
        )
        issue = _Issue(
            customer=customer, kind=kind, words=self._words(customer, kind), needs_case=needs_case
        )
        reason: ReasonInfo | None = None
        if needs_case:
            follow_ups = int(_weighted(rng, FOLLOW_UPS))
            if rng.random() < ESCALATION_RATE.get(kind, ESCALATION_RATE_OTHER):
                reason = self._reason(kind, queue)
        else:
            follow_ups = 1 if rng.random() < REPEAT_WITHOUT_CASE else 0
        current = queue
        escalate_at = -1
        if reason is not None and reason.code == "wrong-queue":
            # The customer picked the wrong option or mailbox; the first agent passes it on.
            current = self._wrong_queue(queue)
            escalate_at = 0
        elif reason is not None:
            escalate_at = rng.randint(0, follow_ups)
        count = escalate_at + 1 if reason is not None else follow_ups + 1
        at = self._start(channel, current, kind)
        previous: _Contact | None = None
        complete = True
        for index in range(count):
            if previous is not None:
                if rng.random() < CHANNEL_SWITCH:
                    channel = self._switch(channel, customer)
                at = self._later(previous.wrapped, channel, current, within_week=not needs_case)
            last = index == count - 1
            if index == escalate_at:
                outcome = "escalated"
            elif not last:
                outcome = "follow_up" if needs_case else rng.choice(["information", "resolved"])
            else:
                outcome = self._final_outcome(kind)
            contact = self._inbound(
                issue, channel, current, at, outcome, priority, repeat=index > 0
            )
            if contact is None or contact.answered is None:
                complete = False
                break
            previous = contact
        if complete and reason is not None and previous is not None:
            complete = self._escalate(issue, previous, reason, depth=1)
        if issue.case is not None:
            self._case_rows(issue, issue.case, complete=complete)

    # choices --------------------------------------------------------------------------------
    def _customer(self, channel: str) -> CustomerInfo:
        if channel == "social" and self._social:
            return _pick_cumulative(self.rng, self._social, self._social_weights)
        return _pick_cumulative(self.rng, self._customers, self._customer_weights)

    def _route(self, customer: CustomerInfo, kind: str) -> tuple[QueueInfo, str]:
        """The routing rules of catalog.ROUTING_RULES, in rank order."""
        for _rank, segment, tier, contact_type, queue, priority in catalog.ROUTING_RULES:
            if (
                (not segment or segment == customer.segment)
                and (not tier or tier == customer.value_tier)
                and (not contact_type or contact_type == kind)
            ):
                return self.center.queues[queue], priority
        return self.center.queues[catalog.CONTACT_TYPE_QUEUE[kind]], "normal"

    def _wrong_queue(self, right: QueueInfo) -> QueueInfo:
        others = [
            q
            for code, q in self.center.queues.items()
            if q.tier == 1 and q.code != right.code and code != "priority"
        ]
        return self.rng.choice(others)

    def _reason(self, kind: str, queue: QueueInfo) -> ReasonInfo:
        options = REASONS_BY_TYPE.get(kind, REASONS_OTHER)
        if queue.tier > 1 or queue.code == "priority":
            options = [(code, share) for code, share in options if code != "wrong-queue"]
        return self.center.reasons[_weighted(self.rng, options)]

    def _final_outcome(self, kind: str) -> str:
        if kind == "new-order":
            return _weighted(self.rng, [("sale", 65), ("information", 25), ("resolved", 10)])
        if kind == "change-of-plan":
            return _weighted(self.rng, [("sale", 40), ("resolved", 40), ("information", 20)])
        if kind == "general-enquiry":
            return _weighted(self.rng, [("information", 70), ("resolved", 30)])
        return _weighted(self.rng, [("resolved", 82), ("information", 18)])

    def _switch(self, channel: str, customer: CustomerInfo) -> str:
        options = [
            (c, share)
            for c, share in catalog.CHANNEL_MIX
            if c != channel and (c != "social" or customer.handle)
        ]
        return _weighted(self.rng, options)

    def _agent(self, queue: QueueInfo, at: datetime) -> AgentInfo:
        """Someone of the queue's team who already worked here at that time."""
        agents = self.center.agents[queue.team_id]
        weights = self._agent_weights[queue.team_id]
        login = self._logins.get(queue.team_id)
        if login and at > self._recent and self.rng.random() < RECENT_LOGIN_SHARE:
            return login
        for _ in range(4):
            agent = _pick_cumulative(self.rng, agents, weights)
            if agent.started <= at:
                return agent
        return min(agents, key=lambda a: a.started)

    def _words(self, customer: CustomerInfo, kind: str) -> dict[str, str]:
        """What fills the templates for one issue: a product the customer holds (one that fits
        the reason), an amount, names."""
        rng = self.rng
        fits = TYPE_PRODUCTS.get(kind)
        held = [name for name, category in customer.products if not fits or category in fits]
        offered = [name for name, category in self.center.products if not fits or category in fits]
        words = {
            "product": rng.choice(held or offered),
            "amount": rng.choice(AMOUNTS),
            "first": customer.first_name,
            "agent": "",
            "day": "",
            "ref": "",
        }
        for key, whose in (("topic", "my"), ("your_topic", "your"), ("their_topic", "their")):
            words[key] = phrases.TOPIC[kind].format_map({**words, "my": whose})
        return words

    # time -----------------------------------------------------------------------------------
    def _start(self, channel: str, queue: QueueInfo, kind: str) -> datetime:
        live = channel in LIVE
        calendar = ("always" if queue.always_open else "service") if live else "written"
        profile = "normal"
        if kind in {"fault-report", "technical-support"} and self.rng.random() < 0.06:
            profile = "outage"
        elif kind in {"billing-question", "payment-arrangement"}:
            profile = "billing"
        slots = self._slot_table(calendar, profile)
        index = bisect.bisect(slots.cumulative, self.rng.random() * slots.cumulative[-1])
        index = min(index, len(slots.starts) - 1)
        return slots.starts[index] + timedelta(seconds=self.rng.randrange(HOUR))

    def _slot_table(self, calendar: str, profile: str) -> _Slots:
        key = (calendar, profile)
        if key not in self._slots:
            days = (self.end.date() - self.first).days
            starts: list[datetime] = []
            weights: list[float] = []
            for offset in range(days):
                day = self.first + timedelta(days=offset)
                weight = catalog.WEEKDAY_VOLUME[day.weekday()] * (1 + 0.08 * offset / days)
                if profile == "billing" and day.day <= 5:
                    weight *= 2
                if profile == "outage" and day not in self._outages:
                    continue
                for hour in self._hours_open(calendar, day):
                    volume = (
                        catalog.HOUR_VOLUME_WRITTEN
                        if calendar == "written"
                        else catalog.HOUR_VOLUME_LIVE
                    )[hour]
                    local = datetime(day.year, day.month, day.day, hour, tzinfo=self.zone)
                    start = local.astimezone(UTC)
                    if start + timedelta(hours=1) > self.end:
                        continue
                    starts.append(start)
                    weights.append(weight * volume * (0.5 if day in self._holidays else 1))
            self._slots[key] = _Slots(starts=starts, cumulative=list(itertools.accumulate(weights)))
        return self._slots[key]

    def _hours_open(self, calendar: str, day: date) -> range:
        if calendar != "service":
            return range(24)
        if day in self._holidays or day.weekday() not in catalog.SERVICE_HOURS:
            return range(0)
        opens, closes = catalog.SERVICE_HOURS[day.weekday()]
        return range(opens, closes)

    def _open_time(self, queue: QueueInfo, at: datetime) -> datetime:
        """The moment a live contact can happen: now if the queue is open, else soon after it opens."""
        if queue.always_open:
            return at
        opened = queue.hours.next_open(at)
        if opened != at:
            opened = queue.hours.add(opened, self.rng.randrange(90 * 60))
        return opened.astimezone(UTC)

    def _later(
        self,
        after: datetime,
        channel: str,
        queue: QueueInfo,
        *,
        within_week: bool,
        typical_days: float = 1.2,
    ) -> datetime:
        """When the customer comes back: a day or so later, at an hour people get in touch."""
        limit = 6.5 * DAY if within_week else 12 * DAY
        at = after + timedelta(seconds=_lognormal(self.rng, typical_days * DAY, 0.9, 1800, limit))
        live = channel in LIVE
        local = at.astimezone(self.zone)
        hour = _pick_cumulative(self.rng, list(range(24)), self._hour_weights[live])
        moment = local.replace(
            hour=hour, minute=self.rng.randrange(60), second=self.rng.randrange(60)
        )
        if moment < local:
            moment += timedelta(days=1)
        at = moment.astimezone(UTC)
        return self._open_time(queue, at) if live else at

    # contacts -------------------------------------------------------------------------------
    def _inbound(
        self,
        issue: _Issue,
        channel: str,
        queue: QueueInfo,
        at: datetime,
        outcome: str,
        priority: str,
        *,
        repeat: bool,
        agent: AgentInfo | None = None,
    ) -> _Contact | None:
        """A contact the customer starts; None when it would fall after the reference time."""
        if at >= self.end:
            return None
        rng = self.rng
        if channel == "phone" and not repeat and rng.random() < ABANDON_FIRST:
            self._abandoned(issue, queue, at - timedelta(seconds=rng.randint(180, 2400)))
        hold = 0
        answered: datetime | None
        if channel in LIVE:
            median, sigma = WAIT[channel]
            if queue.code == "priority":
                median = median // 2
            answered = at + timedelta(seconds=_lognormal(rng, median, sigma, 3, 1500))
            agent = agent or self._agent(queue, at)
            handle = self._handle(channel, issue.kind, agent, at)
            if channel == "phone" and rng.random() < 0.25:
                hold = _lognormal(rng, 50, 0.7, 10, 900)
        else:
            median_hours, sigma = RESPONSE_HOURS[channel]
            delay = _lognormal(rng, median_hours * HOUR, sigma, 120, 20 * DAY)
            answered = queue.hours.add(at, delay).astimezone(UTC)
            if answered >= self.end:
                answered = None
                agent = None
                handle = 0
            else:
                case = issue.case
                if (
                    agent is None
                    and case
                    and case.assignee
                    and case.assignee.team_id == queue.team_id
                ):
                    agent = case.assignee if rng.random() < 0.7 else None
                agent = agent or self._agent(queue, answered)
                handle = self._handle(channel, issue.kind, agent, answered)
        transfers = 0
        if channel == "phone" and rng.random() < TRANSFER_RATE:
            transfers = 1 if rng.random() < 0.85 else 2
            handle += 60 * transfers
            if not issue.needs_case and rng.random() < 0.1:
                outcome = "transferred"
        if answered is None:
            ended = at
            wrap = 0
        else:
            ended = answered + timedelta(seconds=handle + hold)
            median, sigma = WRAP.get(channel, WRITTEN_WRAP)
            wrap = _lognormal(rng, median, sigma, 5, 900)
        wrapped = ended + timedelta(seconds=wrap)
        if wrapped >= self.end:
            return None
        contact = _Contact(
            id=next(self._ids["interaction"]),
            channel=channel,
            queue=queue,
            agent=agent,
            started=at,
            answered=answered,
            wrapped=wrapped,
            outcome=outcome if answered is not None else "",
        )
        case = self._case_for(issue, contact, priority)
        words = issue.words
        words["ref"] = f"C-{case.id}" if case else ""
        words["agent"] = agent.first_name if agent else ""
        words["day"] = WEEKDAYS[(at - timedelta(days=rng.randint(1, 3))).weekday()]
        said = rng.choice(phrases.FOLLOW_UP if repeat else phrases.OPENING[issue.kind]).format_map(
            words
        )
        subject = ""
        thread_refs: list[str] = []
        external_id = f"demo-{contact.id}"
        if channel in {"email", "web"}:
            subject = self._subject(issue, case, email=channel == "email")
            if channel == "email":
                external_id = f"<demo.{contact.id}@{self.mail_domain}>"
                thread_refs = [issue.thread_ref] if issue.thread_ref else []
        if case is not None and not case.description:
            case.description = said
            case.subject = issue.subject or rng.choice(phrases.SUBJECTS[issue.kind]).format_map(
                words
            )
        messages: list[tuple[str, AgentInfo | None, str, datetime, str, bool]] = []
        if channel != "in_person":
            messages.append(("customer", None, said, at, "", False))
        if agent is not None and answered is not None:
            words["day"] = WEEKDAYS[(answered + timedelta(days=rng.randint(1, 3))).weekday()]
            if channel in {"phone", "in_person"}:
                note = rng.choice(phrases.CALL_NOTE[outcome]).format_map(words)
                messages.append(("agent", agent, note, ended, "", True))
            elif channel not in {"email", "web"}:
                reply = rng.choice(phrases.REPLY[outcome]).format_map(words)
                messages.append(("agent", agent, reply, answered, "", False))
        relationship = compliment = offer = accepted = None
        if agent is not None and answered is not None:
            relationship = rng.random() < self._warmth[agent.id]
            chance = 0.02 + 0.05 * (outcome in {"resolved", "sale"}) + 0.05 * relationship
            compliment = rng.random() < chance * (0.4 if issue.kind == "complaint" else 1)
            # Agents who build the relationship make more offers; a sale is an accepted one.
            offer = outcome == "sale" or rng.random() < (0.18 if relationship else 0.06)
            accepted = outcome == "sale" or (offer and rng.random() < 0.22)
            if channel in {"chat", "sms", "social"} and (compliment or rng.random() < 0.4):
                last_words = rng.choice(phrases.THANKS if compliment else phrases.CLOSING)
                messages.append(("customer", None, last_words.format_map(words), ended, "", False))
        summary = said if channel != "in_person" else messages[-1][2] if messages else ""
        self._interaction_row(
            contact,
            customer=issue.customer,
            direction="inbound",
            kind=issue.kind,
            subject=subject,
            summary=summary,
            ended=ended,
            wait=int((answered - at).total_seconds()) if answered else 0,
            handle=handle,
            hold=hold,
            wrap=wrap,
            transfers=transfers,
            relationship=relationship,
            compliment=compliment,
            offer=offer,
            accepted=accepted,
            case=case,
            external_id=external_id,
            thread_refs=thread_refs,
            messages=messages,
            wrapped_up=contact.wrapped if agent is not None and answered is not None else None,
        )
        if agent is not None and answered is not None:
            if channel in {"email", "web"}:
                # Answered from the case, as an e-mail of its own (what case_reply records).
                reply = rng.choice(phrases.REPLY[outcome]).format_map(words)
                self._email_out(
                    issue, queue, agent, ended, reply,
                    in_reply_to=external_id if channel == "email" else "",
                )  # fmt: skip
            elif case is not None and outcome == "follow_up" and rng.random() < CONFIRMATION_RATE:
                text = rng.choice(phrases.CONFIRMATION).format_map(words)
                self._email_out(issue, queue, agent, contact.wrapped, text, in_reply_to="")
        return contact

    def _email_out(
        self,
        issue: _Issue,
        queue: QueueInfo,
        agent: AgentInfo,
        at: datetime,
        text: str,
        *,
        in_reply_to: str,
    ) -> None:
        """An e-mail we send within a case; like any e-mail sent from Rapport it is a contact of
        its own, threaded under the customer's last e-mail, and nobody wraps it up."""
        case = issue.case
        contact = _Contact(
            id=next(self._ids["interaction"]),
            channel="email",
            queue=queue,
            agent=agent,
            started=at,
            answered=at,
            wrapped=at,
            outcome="",
        )
        self._case_for(issue, contact, case.priority if case else "normal")
        message_id = f"<demo.{contact.id}@{self.mail_domain}>"
        refs = [ref for ref in dict.fromkeys([issue.thread_ref, in_reply_to]) if ref]
        issue.thread_ref = message_id
        self._interaction_row(
            contact,
            customer=issue.customer,
            direction="outbound",
            kind=issue.kind,
            subject=self._subject(issue, case),
            summary=text,
            ended=at,
            wait=0,
            handle=0,
            hold=0,
            wrap=0,
            transfers=0,
            relationship=None,
            compliment=None,
            case=case,
            external_id=message_id,
            thread_refs=refs,
            messages=[("agent", agent, text, at, message_id, False)],
            wrapped_up=None,
        )

    def _outbound(
        self,
        issue: _Issue,
        channel: str,
        queue: QueueInfo,
        agent: AgentInfo,
        at: datetime,
        outcome: str,
    ) -> _Contact | None:
        """A specialist calls or writes to the customer after an escalation."""
        rng = self.rng
        case = issue.case
        assert case is not None
        handle = int(self._handle(channel, issue.kind, agent, at) * 1.3)
        if outcome == "no_answer":
            handle = 0
        answered = None if outcome == "no_answer" else at + timedelta(seconds=rng.randint(5, 25))
        ended = (answered or at + timedelta(seconds=30)) + timedelta(seconds=handle)
        wrap = _lognormal(rng, *WRAP.get(channel, WRITTEN_WRAP), 5, 900)
        wrapped = ended + timedelta(seconds=wrap)
        if wrapped >= self.end:
            return None
        contact = _Contact(
            id=next(self._ids["interaction"]),
            channel=channel,
            queue=queue,
            agent=agent,
            started=at,
            answered=answered,
            wrapped=wrapped,
            outcome=outcome,
        )
        self._case_for(issue, contact, case.priority)
        words = issue.words
        words.update(ref=f"C-{case.id}", agent=agent.first_name)
        words["day"] = WEEKDAYS[(at + timedelta(days=rng.randint(1, 3))).weekday()]
        subject = ""
        external_id = f"demo-{contact.id}"
        thread_refs: list[str] = []
        if channel == "phone":
            template = (
                phrases.CALL_NOTE["no_answer"] if outcome == "no_answer" else phrases.CALLBACK_NOTE
            )
            text = rng.choice(template).format_map(words)
            message = ("agent", agent, text, ended, "", True)
        else:
            subject = self._subject(issue, case)
            external_id = f"<demo.{contact.id}@{self.mail_domain}>"
            thread_refs = [issue.thread_ref] if issue.thread_ref else []
            issue.thread_ref = external_id
            text = rng.choice(phrases.CALLBACK_EMAIL).format_map(words)
            message = ("agent", agent, text, ended, external_id, False)
        reached = answered is not None
        self._interaction_row(
            contact,
            customer=issue.customer,
            direction="outbound",
            kind=issue.kind,
            subject=subject,
            summary=text,
            ended=ended,
            wait=0,
            handle=handle,
            hold=0,
            wrap=wrap,
            transfers=0,
            relationship=(rng.random() < self._warmth[agent.id]) if reached else None,
            compliment=(rng.random() < 0.05) if reached else None,
            case=case,
            external_id=external_id,
            thread_refs=thread_refs,
            messages=[message],
            wrapped_up=wrapped,
        )
        return contact

    def _abandoned(self, issue: _Issue, queue: QueueInfo, at: datetime) -> None:
        """A call the customer gave up on in the queue; it belongs to no case."""
        if at.date() < self.first:
            return
        wait = _lognormal(self.rng, *ABANDON_WAIT, 3, 1200)
        ended = at + timedelta(seconds=wait)
        contact = _Contact(
            id=next(self._ids["interaction"]),
            channel="phone",
            queue=queue,
            agent=None,
            started=at,
            answered=None,
            wrapped=ended,
            outcome="abandoned",
        )
        said = self.rng.choice(phrases.OPENING[issue.kind]).format_map(issue.words)
        self._interaction_row(
            contact,
            customer=issue.customer,
            direction="inbound",
            kind="",
            subject="",
            summary=said,
            ended=ended,
            wait=wait,
            handle=0,
            hold=0,
            wrap=0,
            transfers=0,
            relationship=None,
            compliment=None,
            case=None,
            external_id=f"demo-{contact.id}",
            thread_refs=[],
            messages=[("customer", None, said, at, "", False)],
            wrapped_up=None,
        )

    def _handle(self, channel: str, kind: str, agent: AgentInfo, at: datetime) -> int:
        median, sigma = HANDLE[channel]
        # New agents take longer; the difference fades over their first months.
        tenure = max(0.0, (at - agent.started).total_seconds() / DAY)
        learning = 1 + 0.35 * math.exp(-tenure / 120)
        typical = median * TYPE_HANDLE.get(kind, 1.0) * self._pace[agent.id] * learning
        return _lognormal(self.rng, typical, sigma, 20, 4 * HOUR)

    def _subject(self, issue: _Issue, case: _Case | None, *, email: bool = True) -> str:
        """The conversation's subject; later e-mails answer it and quote the case reference."""
        if not issue.subject:
            issue.subject = self.rng.choice(phrases.SUBJECTS[issue.kind]).format_map(issue.words)
            return issue.subject
        if not email:
            return issue.subject
        reference = f" [C-{case.id}]" if case else ""
        return f"Re: {issue.subject}{reference}"

    def _interaction_row(
        self,
        contact: _Contact,
        *,
        customer: CustomerInfo,
        direction: str,
        kind: str,
        subject: str,
        summary: str,
        ended: datetime,
        wait: int,
        handle: int,
        hold: int,
        wrap: int,
        transfers: int,
        relationship: bool | None,
        compliment: bool | None,
        case: _Case | None,
        external_id: str,
        thread_refs: list[str],
        messages: list[tuple[str, AgentInfo | None, str, datetime, str, bool]],
        wrapped_up: datetime | None,
        offer: bool | None = None,
        accepted: bool | None = None,
    ) -> None:
        channel = contact.channel
        sender = {
            "phone": customer.phone,
            "sms": customer.phone,
            "social": f"@{customer.handle}" if customer.handle else "",
            "in_person": "",
        }.get(channel, customer.email)
        agent = contact.agent
        self.plan.interactions.append(
            (
                contact.id,
                customer.id,
                sender,
                customer.name,
                direction,
                channel,
                self._touchpoint(channel, kind),
                contact.queue.id,
                agent.id if agent else None,
                self.center.contact_types[kind] if kind else None,
                contact.outcome,
                subject[:255],
                " ".join(summary.split())[:300],
                contact.started,
                contact.answered,
                ended,
                wait,
                handle,
                hold,
                wrap,
                transfers,
                relationship,
                compliment,
                offer,
                accepted,
                wrapped_up,
                case.id if case else None,
                "demo",
                external_id,
                thread_refs,
                contact.started,
                contact.wrapped,
            )
        )
        self.count += 1
        for side, author, text, sent_at, message_id, is_note in messages:
            self.plan.messages.append(
                (
                    next(self._ids["message"]),
                    contact.id,
                    side,
                    author.id if author else None,
                    text,
                    "",
                    sent_at,
                    message_id,
                    is_note,
                )
            )

    def _touchpoint(self, channel: str, kind: str) -> int | None:
        points = self.center.touchpoints.get(channel, [])
        if not points:
            return None
        if channel == "phone":
            sales = kind in {"new-order", "change-of-plan"}
            return next(
                (pk for address, pk in points if address.endswith("150") == sales), points[0][1]
            )
        if channel == "email":
            billing = kind in {"billing-question", "payment-arrangement"}
            return next(
                (pk for address, pk in points if address.startswith("billing@") == billing),
                points[0][1],
            )
        return self.rng.choice(points)[1]

    # escalations ----------------------------------------------------------------------------
    def _escalate(
        self, issue: _Issue, contact: _Contact, reason: ReasonInfo, *, depth: int
    ) -> bool:
        """Hand the case on; the receiving team calls or writes back. True when it got settled."""
        rng = self.rng
        case = issue.case
        assert case is not None and contact.agent is not None
        to_queue = self.center.queues[reason.queue or catalog.CONTACT_TYPE_QUEUE[issue.kind]]
        at = contact.wrapped
        # Specialists read the history and check things before they call.
        business_delay = _lognormal(rng, 6 * HOUR, 0.9, 1800, 36 * HOUR)
        call_at = to_queue.hours.add(at, business_delay).astimezone(UTC)
        to_agent = self._agent(to_queue, call_at)
        received: datetime | None = max(
            at + timedelta(seconds=60), call_at - timedelta(seconds=rng.randint(120, 1800))
        )
        if received is not None and received >= self.end:
            received = None
        escalation = _Escalation(
            id=next(self._ids["escalation"]),
            at=at,
            by=contact.agent,
            reason=reason,
            to_queue=to_queue,
            received=received,
            to_agent=to_agent if received else None,
        )
        self._escalation_row(issue, case, contact, escalation)
        case.escalations.append(escalation)
        case.queue = to_queue
        case.assignee = escalation.to_agent
        if received is None:
            return False
        channel = "phone" if rng.random() < 0.75 else "email"
        if channel == "phone" and rng.random() < 0.2:
            missed = self._outbound(issue, "phone", to_queue, to_agent, call_at, "no_answer")
            if missed is None:
                return False
            call_at = self._open_time(
                to_queue, missed.wrapped + timedelta(hours=rng.randint(2, 26))
            )
        chain = depth == 1 and to_queue.tier < 3 and reason.code != "wrong-queue"
        chain = chain and rng.random() < SECOND_ESCALATION_RATE
        # Specialists often need to investigate and come back.
        outcome = "escalated" if chain else _weighted(rng, [("resolved", 55), ("follow_up", 45)])
        callback = self._outbound(issue, channel, to_queue, to_agent, call_at, outcome)
        if callback is None:
            return False
        if chain:
            second = self.center.reasons[_weighted(rng, SECOND_REASONS)]
            return self._escalate(issue, callback, second, depth=2)
        if outcome == "follow_up":
            # The customer answers the specialist, who settles it.
            reply_channel = "email" if channel == "email" or rng.random() < 0.4 else "phone"
            # The customer tries what the specialist suggested, or waits for the fix.
            at = self._later(
                callback.wrapped, reply_channel, to_queue, within_week=True, typical_days=2.5
            )
            final = self._inbound(
                issue, reply_channel, to_queue, at, self._final_outcome(issue.kind), case.priority,
                repeat=True, agent=to_agent,
            )  # fmt: skip
            return final is not None and final.answered is not None
        return True

    def _escalation_row(
        self, issue: _Issue, case: _Case, contact: _Contact, escalation: _Escalation
    ) -> None:
        rng = self.rng
        words = issue.words
        words["day"] = WEEKDAYS[(escalation.at + timedelta(days=rng.randint(1, 3))).weekday()]
        code = escalation.reason.code
        by = escalation.by
        self.plan.escalations.append(
            (
                escalation.id,
                case.id,
                escalation.reason.id,
                escalation.reason.preventable,
                rng.choice(phrases.ESCALATION_NEEDS[code]).format_map(words),
                rng.choice(phrases.ESCALATION_TRIED[code]).format_map(words),
                rng.choice(phrases.ESCALATION_PROMISED).format_map(words),
                case.queue.id,
                escalation.to_queue.id,
                case.queue.tier,
                escalation.to_queue.tier,
                by.id,
                by.team_id,
                escalation.to_agent.id if escalation.to_agent else None,
                contact.id,
                self.center.contact_types[issue.kind],
                escalation.at,
                escalation.received,
            )
        )

    # cases ----------------------------------------------------------------------------------
    def _case_for(self, issue: _Issue, contact: _Contact, priority: str) -> _Case | None:
        """The issue's case, opened with its first contact when the issue needs one. Anything
        written opens one too, as every e-mail or message we receive does."""
        if not issue.needs_case:
            if contact.channel in LIVE:
                return None
            issue.needs_case = True
        case = issue.case
        if case is None:
            live = contact.channel in LIVE
            case = _Case(
                id=next(self._ids["case"]),
                channel=contact.channel,
                queue=contact.queue,
                first_queue=contact.queue,
                priority=self._case_priority(issue.kind, priority),
                objective=self.center.objectives[(issue.kind, contact.channel)],
                # An agent opens the case while talking; a written contact opens it on arrival.
                opened_at=(contact.answered or contact.started) if live else contact.started,
                opened_by=contact.agent if live else None,
                subject="",
                description="",
            )
            issue.case = case
        case.contacts.append(contact)
        if case.responded is None and contact.agent is not None and contact.answered is not None:
            case.responded = contact
            case.assignee = case.assignee or contact.agent
        return case

    def _case_priority(self, kind: str, routed: str) -> str:
        if self.rng.random() < 0.01:
            return "urgent"
        if kind == "complaint" and routed == "normal":
            return "high"
        if routed == "normal" and self.rng.random() < 0.08:
            return "low"
        return routed

    def _case_rows(self, issue: _Issue, case: _Case, *, complete: bool) -> None:
        rng = self.rng
        end = self.end
        last = case.contacts[-1]
        status, resolved, closed, paused = "open", None, None, None
        assignee = case.assignee
        if complete and rng.random() >= STALE_CASE:
            resolved = last.wrapped + timedelta(seconds=rng.randint(0, 600))
            if resolved >= end:
                resolved = None
            else:
                status = "resolved"
                closing = resolved + timedelta(days=7, seconds=rng.randint(0, 6 * HOUR))
                if closing < end and rng.random() < 0.85:
                    status, closed = "closed", closing
        elif not complete:
            if case.responded is None:
                status, assignee = "new", None
            elif case.escalations and case.escalations[-1].received is None:
                status, assignee = "open", None
            elif last.outcome == "follow_up" and rng.random() < 0.5:
                status, paused = "waiting", last.wrapped
        objective = case.objective
        first_due = objective.hours.add(case.opened_at, objective.first_response_minutes * 60)
        resolution_due = objective.hours.add(case.opened_at, objective.resolution_minutes * 60)
        responded_at = case.responded.answered if case.responded else None
        breaches = []
        for clock, due, done in (
            ("first_response", first_due, responded_at),
            ("resolution", resolution_due, resolved),
        ):
            # The SLA clock job records a breach within a minute of the deadline, so by the
            # reference time every clock that ran out has its breach.
            limit = min(t for t in (done, paused, end) if t is not None)
            if due < limit:
                recorded = min(
                    due + timedelta(seconds=rng.randint(5, 59)), limit - timedelta(seconds=1)
                )
                breaches.append((clock, due, max(due, recorded)))
        events: list[tuple[datetime, str, AgentInfo | None, dict[str, Any]]] = [
            (case.opened_at, "opened", case.opened_by, {"queue": case.first_queue.name})
        ]
        for contact in case.contacts:
            events.append(
                (
                    max(contact.started, case.opened_at),
                    "contact",
                    contact.agent if contact.answered else None,
                    {"interaction": contact.id, "channel": contact.channel},
                )
            )
        if case.responded is not None and responded_at is not None:
            agent = case.responded.agent
            events.append((responded_at, "responded", agent, {}))
            events.append(
                (
                    responded_at,
                    "assigned",
                    agent,
                    {"previous": "", "assignee": agent.name if agent else ""},
                )
            )
            events.append(
                (
                    responded_at,
                    "status",
                    agent,
                    {"previous": "new", "status": "open", "reopened": False},
                )
            )
        previous = case.responded.agent if case.responded else None
        for escalation in case.escalations:
            events.append(
                (
                    escalation.at,
                    "escalated",
                    escalation.by,
                    {
                        "escalation": escalation.id,
                        "to_queue": escalation.to_queue.name,
                        "reason": escalation.reason.name,
                    },
                )
            )
            if escalation.received is not None and escalation.to_agent is not None:
                events.append(
                    (
                        escalation.received,
                        "assigned",
                        escalation.to_agent,
                        {
                            "previous": previous.name if previous else "",
                            "assignee": escalation.to_agent.name,
                        },
                    )
                )
                previous = escalation.to_agent
        if paused is not None:
            events.append(
                (
                    paused,
                    "status",
                    last.agent,
                    {"previous": "open", "status": "waiting", "reopened": False},
                )
            )
        if resolved is not None:
            events.append(
                (
                    resolved,
                    "status",
                    last.agent,
                    {"previous": "open", "status": "resolved", "reopened": False},
                )
            )
        if closed is not None:
            events.append(
                (
                    closed,
                    "status",
                    None,
                    {"previous": "resolved", "status": "closed", "reopened": False},
                )
            )
        for clock, due, recorded in breaches:
            events.append(
                (
                    recorded,
                    "sla_breach",
                    None,
                    {"clock": clock, "due": due.astimezone(UTC).isoformat()},
                )
            )
        events.sort(key=lambda event: event[0])
        for at, kind, actor, detail in events:
            self.plan.events.append(
                (next(self._ids["event"]), case.id, kind, actor.id if actor else None, detail, at)
            )
        for clock, due, recorded in breaches:
            self.plan.breaches.append((next(self._ids["breach"]), case.id, clock, due, recorded))
        breached = {clock for clock, _due, _recorded in breaches}
        self.plan.cases.append(
            (
                case.id,
                issue.customer.id,
                case.subject[:255],
                case.description,
                status,
                case.priority,
                self.center.contact_types[issue.kind],
                case.channel,
                case.queue.id,
                case.queue.tier,
                assignee.id if assignee and status != "new" else None,
                case.opened_by.id if case.opened_by else None,
                case.opened_at,
                first_due,
                responded_at,
                resolution_due,
                resolved,
                closed,
                paused,
                "first_response" in breached,
                "resolution" in breached,
                objective.id,
                case.opened_at,
                events[-1][0],
            )
        )


def _weighted(rng: random.Random, options: list[tuple[Any, int]]) -> Any:
    values, cumulative = _running_totals(tuple(options))
    return values[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


@functools.cache
def _running_totals(options: tuple[tuple[Any, int], ...]) -> tuple[tuple, list[float]]:
    values, weights = zip(*options, strict=True)
    return values, list(itertools.accumulate(weights))


def _pick_cumulative(rng: random.Random, items: Sequence, cumulative: Sequence[float]) -> Any:
    index = bisect.bisect(cumulative, rng.random() * cumulative[-1])
    return items[min(index, len(items) - 1)]


def _lognormal(rng: random.Random, median: float, sigma: float, low: float, high: float) -> int:
    """Durations are skewed: most are near the median, a few are much longer."""
    return int(min(high, max(low, median * math.exp(rng.gauss(0, sigma)))))
