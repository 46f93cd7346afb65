"""Load a realistic, deterministic demo center: staff, customers, households, products, the
customer access strategy and six months of contacts, cases and escalations."""

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import phonenumbers
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from faker import Faker
from simple_history.utils import bulk_create_with_history

from rapport.access.models import ContactType, Queue
from rapport.accounts import services as account_services
from rapport.accounts.choices import AgentState
from rapport.accounts.models import AgentStateChange, Skill, User
from rapport.cases.models import Case, CaseEvent, Escalation, SlaBreach
from rapport.core.roles import Role
from rapport.customers import services as customer_services
from rapport.customers.models import Consent, ContactPoint, Customer, Holding, Household, Product
from rapport.demo import bulk, catalog, contacts, imports, learning, people, voice
from rapport.demo.center import access_strategy_create, center_load
from rapport.interactions import services as interaction_services
from rapport.interactions.choices import Direction, Outcome, Side, Source
from rapport.interactions.models import Interaction, Message
from rapport.performance.services import measures

ROLE_USERS = [
    ("agent", Role.AGENT, "Alex", "Agent"),
    ("supervisor", Role.SUPERVISOR, "Sam", "Supervisor"),
    ("trainer", Role.TRAINER, "Terry", "Trainer"),
    ("qa_analyst", Role.QA_ANALYST, "Quinn", "Analyst"),
    ("marketer", Role.MARKETER, "Morgan", "Marketer"),
    ("executive", Role.EXECUTIVE, "Evelyn", "Executive"),
    ("admin", Role.ADMIN, "Ada", "Admin"),
]
# Logins beyond one per role: username, role, first name, last name, team, what they show.
EXTRA_LOGINS = [
    ("agent2", Role.AGENT, "Jordan", "Reyes", "Technical specialists", "a tier-2 agent"),
]
AGENTS_PER_TEAM = 8
# Fixed, so the same seed gives the same center whatever day it is loaded.
REFERENCE_DAY = date(2026, 11, 1)
REFERENCE_TIME = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
# The contact history covers the six months before the reference day.
HISTORY_START = date(2026, 5, 1)
# SQLite page cache for the load: about the size of the whole demo database.
SQLITE_CACHE_KIB = 128 * 1024
# A few people we have never heard of got in touch over the last weekend (sent through the
# services, so they became prospects marked for review): channel, sender, name, touchpoint,
# subject, text.
UNKNOWN_SENDERS = [
    ("email", "jamie.lowe@example.net", "Jamie Lowe", "support@{mail_domain}", "Switching to you",
     "Hi, I'm thinking of moving my accounts to you. Do you have a business account with no fees?"),
    ("email", "p.okafor@example.org", "Precious Okafor", "billing@{mail_domain}", "Invoice",
     "Hello, I received an invoice from you but I'm not a customer. Is this a mistake?"),
    ("sms", "+16305550142", "", "+12125550188", "",
     "Hi is this the number for new phone plans? What's the cheapest one"),
    ("sms", "+16305550177", "", "+12125550188", "",
     "Got a text from this number about a payment. Who is this?"),
    ("social", "@newcomer_dan", "Dan Whitfield", "@rapportservice", "",
     "@rapportservice do you do student accounts? Asking for my son."),
]  # fmt: skip
UNKNOWN_CALLERS = ["+16305550119", "+16305550163", "+16305550191"]


class Command(BaseCommand):
    help = "Load the demo center (idempotent: does nothing if the demo staff exists)."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=5000)
        parser.add_argument(
            "--interactions",
            type=int,
            default=100_000,
            help="About how many contacts to load over the six months (0 for none).",
        )
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, customers: int, interactions: int, seed: int, **options):
        if User.objects.filter(username="admin").exists():
            self.stdout.write(
                "Demo center already loaded (start from an empty database to reload)."
            )
            return
        if customers < 10:
            raise CommandError("Use at least 10 customers.")
        if interactions < 0:
            raise CommandError("The number of interactions cannot be negative.")
        self._started, self._cpu = time.perf_counter(), time.process_time()
        rng = random.Random(seed)
        fake = Faker("en_US")
        fake.seed_instance(seed)
        # Later stages draw from their own generators, so adding one leaves the earlier ones as
        # they were: the same seed still gives the same staff and customers.
        specialists_rng = random.Random(f"{seed}:specialists")
        contacts_rng = random.Random(f"{seed}:contacts")
        if connection.vendor == "sqlite":
            # The whole load is one transaction; with SQLite's small default page cache it would
            # spill its pages to disk over and over. This connection only, for this command.
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        with transaction.atomic():
            with self._stage("staff"):
                self._staff(rng, fake)
            with self._stage("customers"):
                products = self._products()
                self._customers(rng, fake, products, customers)
            with self._stage("specialist teams"):
                self._specialists(specialists_rng, seed)
            with self._stage("access strategy"):
                access_strategy_create(mail_domain=settings.RAPPORT_MAIL_DOMAIN)
            if interactions:
                self._contacts(contacts_rng, interactions)
            with self._stage("unknown senders"):
                self._unknown_senders()
            with self._stage("QA, goals and recognition"):
                people.people_side_load(
                    rng=random.Random(f"{seed}:people"), reference_day=REFERENCE_DAY
                )
            # Stages of its own (words, draw, alerts …), each timed: the load's other big part.
            voice.voice_load(seed=seed, reference_time=REFERENCE_TIME, stage=self._stage)
            with self._stage("passwords"):
                demo_staff = User.objects.filter(email__endswith="@rapport.example")
                demo_staff.update(password=make_password(settings.RAPPORT_DEMO_PASSWORD))
            # Before the rollups, so they (and the cohort curves) see new hires' first weeks.
            with self._stage("new hires"):
                learning.new_hires_load(seed=seed, reference_day=REFERENCE_DAY)
            # Before the rollups too: the billing events it imports start and end holdings, which
            # "Revenue influenced" and "Customers saved" read.
            with self._stage("imports and duplicates"):
                imports.imports_load(seed=seed, reference_time=REFERENCE_TIME)
        with self._stage("KPI rollups"):
            measures.rollups_rebuild_now()
            people.goal_figures_fill()
        # After the rollups: the gap sweep reads them, so assignments cite real figures.
        with self._stage("learning"), transaction.atomic():
            learning.learning_load(seed=seed, reference_time=REFERENCE_TIME)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo center loaded: {customers} customers, "
                f"{Interaction.objects.count()} interactions, {Case.objects.count()} cases, "
                f"{Escalation.objects.count()} escalations in {self._elapsed():.1f} s "
                f"(cpu {time.process_time() - self._cpu:.1f} s)."
            )
        )

    @contextmanager
    def _stage(self, name: str) -> Iterator[None]:
        self.stdout.write(f"  {name} …", ending="")
        self.stdout.flush()
        began, cpu = time.perf_counter(), time.process_time()
        yield
        # CPU time too: on a busy machine it tells the work apart from the waiting.
        self.stdout.write(
            f" {time.perf_counter() - began:.1f} s (cpu {time.process_time() - cpu:.1f} s)"
        )
        self.stdout.flush()

    def _elapsed(self) -> float:
        return time.perf_counter() - self._started

    # people -----------------------------------------------------------------
    def _staff(self, rng: random.Random, fake: Faker) -> None:
        # Hashed once and given to every demo user: hashing is deliberately slow.
        password = None
        users = {
            username: account_services.user_create(
                username=username,
                password=password,
                roles=[role],
                first_name=first,
                last_name=last,
                email=f"{username}@rapport.example",
            )
            for username, role, first, last in ROLE_USERS
        }
        skills = [Skill.objects.create(name=name) for name in catalog.SKILLS]
        for index, team_name in enumerate(catalog.TEAMS):
            if index == 0:
                lead = users["supervisor"]
            else:
                first, last = fake.first_name(), fake.last_name()
                lead = account_services.user_create(
                    username=f"sup.{team_name.lower()}",
                    password=password,
                    roles=[Role.SUPERVISOR],
                    first_name=first,
                    last_name=last,
                    email=f"sup.{team_name.lower()}@rapport.example",
                )
            team = account_services.team_create(name=team_name, supervisor=lead)
            lead.team = team
            lead.save(update_fields=["team"])
            members = [users["agent"]] if index == 0 else []
            while len(members) < AGENTS_PER_TEAM:
                first, last = fake.first_name(), fake.last_name()
                username = f"{first}.{last}".lower().replace("'", "")
                if User.objects.filter(username=username).exists():
                    continue
                members.append(
                    account_services.user_create(
                        username=username,
                        password=password,
                        roles=[Role.AGENT],
                        first_name=first,
                        last_name=last,
                        email=f"{username}@rapport.example",
                    )
                )
            for agent in members:
                agent.team = team
                agent.started_on = REFERENCE_DAY - timedelta(days=rng.randint(30, 2000))
                agent.save(update_fields=["team", "started_on"])
                for skill in rng.sample(skills, rng.randint(1, 3)):
                    account_services.agent_skill_set(
                        agent=agent, skill=skill, level=rng.randint(1, 3)
                    )
                self._state_history(rng, agent)

    def _specialists(self, rng: random.Random, seed: int) -> None:
        """Teams that take escalations, each with a supervisor and agents; one is a demo login."""
        fake = Faker("en_US")
        fake.seed_instance(f"{seed}:specialists")
        skills = list(Skill.objects.order_by("name"))
        extra = {
            team: (username, role, first, last)
            for username, role, first, last, team, _w in EXTRA_LOGINS
        }
        for team_name, size in catalog.SPECIALIST_TEAMS.items():
            slug = slugify(team_name)
            lead = account_services.user_create(
                username=f"sup.{slug}",
                password=None,
                roles=[Role.SUPERVISOR],
                first_name=fake.first_name(),
                last_name=fake.last_name(),
                email=f"sup.{slug}@rapport.example",
            )
            team = account_services.team_create(name=team_name, supervisor=lead)
            lead.team = team
            lead.save(update_fields=["team"])
            members = []
            if team_name in extra:
                username, role, first, last = extra[team_name]
                members.append(
                    account_services.user_create(
                        username=username,
                        password=None,
                        roles=[role],
                        first_name=first,
                        last_name=last,
                        email=f"{username}@rapport.example",
                    )
                )
            while len(members) < size:
                first, last = fake.first_name(), fake.last_name()
                username = f"{first}.{last}".lower().replace("'", "")
                if User.objects.filter(username=username).exists():
                    continue
                members.append(
                    account_services.user_create(
                        username=username,
                        password=None,
                        roles=[Role.AGENT],
                        first_name=first,
                        last_name=last,
                        email=f"{username}@rapport.example",
                    )
                )
            for agent in members:
                agent.team = team
                # Specialists are experienced: they came up through the front line.
                agent.started_on = REFERENCE_DAY - timedelta(days=rng.randint(400, 3000))
                agent.save(update_fields=["team", "started_on"])
                for skill in rng.sample(skills, rng.randint(2, 4)):
                    account_services.agent_skill_set(
                        agent=agent, skill=skill, level=rng.randint(2, 3)
                    )
                self._state_history(rng, agent)

    # contacts ---------------------------------------------------------------------------------
    def _contacts(self, rng: random.Random, interactions: int) -> None:
        with self._stage("contacts planned"):
            planner = contacts.ContactPlanner(
                center_load(),
                rng=rng,
                first=HISTORY_START,
                end=REFERENCE_TIME,
                mail_domain=settings.RAPPORT_MAIL_DOMAIN,
                ids=contacts.FirstIds(
                    interaction=bulk.next_id(Interaction),
                    message=bulk.next_id(Message),
                    case=bulk.next_id(Case),
                    event=bulk.next_id(CaseEvent),
                    escalation=bulk.next_id(Escalation),
                    breach=bulk.next_id(SlaBreach),
                ),
                demo_logins=frozenset(
                    [username for username, *_ in ROLE_USERS]
                    + [username for username, *_ in EXTRA_LOGINS]
                ),
            )
            plan = planner.run(interactions)
        # Cases first: contacts point at them, escalations and timelines at both.
        for label, model, fields, rows in (
            ("cases", Case, contacts.CASE_FIELDS, plan.cases),
            ("interactions", Interaction, contacts.INTERACTION_FIELDS, plan.interactions),
            ("messages", Message, contacts.MESSAGE_FIELDS, plan.messages),
            ("escalations", Escalation, contacts.ESCALATION_FIELDS, plan.escalations),
            ("case timelines", CaseEvent, contacts.EVENT_FIELDS, plan.events),
            ("SLA breaches", SlaBreach, contacts.BREACH_FIELDS, plan.breaches),
        ):
            with self._stage(f"{len(rows):>7,} {label}"):
                bulk.rows_insert(model, fields, rows)
        bulk.sequences_reset(Case, Interaction, Message, Escalation, CaseEvent, SlaBreach)

    def _unknown_senders(self) -> None:
        """Strangers who wrote or called in the last days: prospects for someone to review."""
        domain = settings.RAPPORT_MAIL_DOMAIN
        for index, (channel, sender, name, to, subject, text) in enumerate(UNKNOWN_SENDERS):
            # Since Saturday's closing: they wait for Monday, within their response times.
            sent_at = REFERENCE_TIME - timedelta(hours=2 + 3 * index, minutes=7 * index)
            interaction_services.inbound_receive(
                inbound=interaction_services.InboundMessage(
                    channel=channel,
                    source=Source.DEMO,
                    conversation_id=f"demo-unknown-{index + 1}",
                    sender_kind={"email": "email", "sms": "phone"}.get(channel, "social"),
                    sender=sender,
                    sender_network="x" if channel == "social" else "",
                    sender_name=name,
                    sent_at=sent_at,
                    touchpoint=to.format(mail_domain=domain),
                    subject=subject,
                    text=text,
                )
            )
        queue = Queue.objects.filter(code="sales").select_related("team").first()
        agent = (
            User.objects.filter(team=queue.team, groups__name=Role.AGENT)
            .order_by("username")
            .first()
            if queue
            else None
        )
        new_order = ContactType.objects.filter(code="new-order").first()
        for index, number in enumerate(UNKNOWN_CALLERS):
            caller = customer_services.customer_for_sender(kind="phone", raw=number)
            started = REFERENCE_TIME - timedelta(days=2 + index, hours=9 - index)
            answered = started + timedelta(seconds=40)
            ended = answered + timedelta(seconds=260)
            call = Interaction.objects.create(
                customer=caller,
                sender=number,
                direction=Direction.INBOUND,
                channel="phone",
                queue=queue,
                agent=agent,
                contact_type=new_order,
                outcome=Outcome.INFORMATION,
                summary="Caller asked about plans and prices; did not want to give details yet.",
                started_at=started,
                answered_at=answered,
                ended_at=ended,
                wait_seconds=40,
                handle_seconds=260,
                wrap_seconds=30,
                relationship_attempt=True,
                compliment_received=False,
                wrapped_up_at=ended + timedelta(seconds=30),
                source=Source.DEMO,
                external_id=f"demo-unknown-call-{index + 1}",
            )
            Message.objects.create(
                interaction=call,
                side=Side.AGENT,
                author=agent,
                body_text="New caller, asked about plans and prices. Sent the brochure link.",
                sent_at=ended,
                is_note=True,
            )

    def _state_history(self, rng: random.Random, agent: User) -> None:
        """A working day of state changes ending a little before now."""
        # Up to 14 changes of at most 40 minutes each: the day ends before now.
        at = timezone.now() - timedelta(hours=10)
        previous = AgentState.OFFLINE
        changes = []
        for _ in range(rng.randint(6, 14)):
            state = rng.choice(
                [
                    AgentState.AVAILABLE,
                    AgentState.ON_CONTACT,
                    AgentState.WRAP_UP,
                    AgentState.IDLE,
                    AgentState.BREAK,
                ]
            )
            if state == previous:
                continue
            at += timedelta(minutes=rng.randint(3, 40))
            changes.append(
                AgentStateChange(
                    agent=agent, state=state, previous_state=previous, changed_at=at, source="demo"
                )
            )
            previous = state
        AgentStateChange.objects.bulk_create(changes)
        User.objects.filter(pk=agent.pk).update(agent_state=previous, agent_state_since=at)

    # customers --------------------------------------------------------------
    def _products(self) -> list[Product]:
        return [
            Product.objects.create(code=code, name=name, category=category, monthly_price=price)
            for code, name, category, price in catalog.PRODUCTS
        ]

    def _customers(self, rng, fake, products, count: int) -> None:
        households = self._households(fake, round(count * 0.6))
        phones = _valid_phones(rng, count)
        people: list[Customer] = []
        plans: list[list[Holding]] = []
        for i in range(count):
            household = households[i] if i < len(households) else rng.choice(households)
            last = household.name.removeprefix("The ").removesuffix(" household")
            if rng.random() < 0.15:
                last = fake.last_name()
            organisation = rng.random() < 0.04
            status = _weighted(rng, [("customer", 82), ("prospect", 10), ("former", 8)])
            plan = [] if status == "prospect" else _holdings_plan(rng, products, status)
            customer = Customer(
                kind="organisation" if organisation else "person",
                first_name="" if organisation else fake.first_name(),
                last_name="" if organisation else last,
                organisation_name=fake.company() if organisation else "",
                date_of_birth=None
                if organisation
                else fake.date_between_dates(date(1936, 1, 1), date(2007, 12, 31)),
                language=_weighted(rng, catalog.LANGUAGES),
                segment="corporate" if organisation else _weighted(rng, catalog.SEGMENTS),
                value_tier=_weighted(rng, catalog.TIERS),
                status=status,
                household=None if organisation else household,
                source="demo",
                external_id=f"D{i + 1:07d}",
                lifetime_value=sum(h.value * rng.randint(1, 8) for h in plan),
            )
            customer_services.set_name_keys(customer)
            people.append(customer)
            plans.append(plan)
        bulk_create_with_history(people, Customer, batch_size=1000)
        people = list(Customer.objects.filter(source="demo").order_by("external_id"))
        points, holdings, consents = [], [], []
        for i, (customer, plan) in enumerate(zip(people, plans, strict=True)):
            points.extend(_contact_points(rng, fake, customer, i, phones[i]))
            for holding in plan:
                holding.customer = customer
                holdings.append(holding)
            consents.extend(_consents(rng, customer))
        bulk_create_with_history(points, ContactPoint, batch_size=2000)
        bulk_create_with_history(holdings, Holding, batch_size=2000)
        bulk_create_with_history(consents, Consent, batch_size=2000)

    def _households(self, fake, count: int) -> list[Household]:
        households = [
            Household(
                name=f"The {fake.last_name()} household",
                address_line1=fake.street_address(),
                postal_code=fake.postcode(),
                city=fake.city(),
                region=fake.state_abbr(),
                country="US",
            )
            for _ in range(count)
        ]
        bulk_create_with_history(households, Household, batch_size=1000)
        return list(Household.objects.order_by("id"))


def _holdings_plan(rng: random.Random, products: list[Product], status: str) -> list[Holding]:
    """One to four products; a former customer's all ended, after they started."""
    plan = []
    for product in rng.sample(products, rng.randint(1, 4)):
        since = REFERENCE_DAY - timedelta(days=rng.randint(50, 3650))
        ended = status == "former"
        plan.append(
            Holding(
                product=product,
                since=since,
                status="cancelled" if ended else rng.choice(["active"] * 12 + ["suspended"]),
                ended_on=since + timedelta(days=rng.randint(20, (REFERENCE_DAY - since).days))
                if ended
                else None,
                value=(product.monthly_price * 12 or Decimal(rng.randint(50, 900))).quantize(
                    Decimal("1.00")
                ),
            )
        )
    return plan


def _contact_points(rng, fake, customer: Customer, index: int, phone: str) -> list[ContactPoint]:
    local = f"{fake.user_name().lower()}{index}"
    points = [
        ContactPoint(
            customer=customer,
            kind="email",
            value=f"{local}@example.com",
            normalised=f"{local}@example.com",
            preferred=True,
            verified=rng.random() < 0.7,
            label="home",
        ),
        ContactPoint(
            customer=customer,
            kind="phone",
            value=_human_format(rng, phone),
            normalised=phone,
            preferred=True,
            verified=rng.random() < 0.6,
            label=rng.choice(["mobile", "home", "work"]),
        ),
    ]
    if rng.random() < 0.1:
        points.append(
            ContactPoint(
                customer=customer,
                kind="social",
                network="x",
                value=f"@{local}",
                normalised=local,
                label="social",
            )
        )
    return points


def _consents(rng: random.Random, customer: Customer) -> list[Consent]:
    recorded = REFERENCE_TIME - timedelta(days=rng.randint(1, 900))
    consents = []
    for channel in ("email", "sms", "phone"):
        consents.append(
            Consent(
                customer=customer,
                channel=channel,
                purpose="service",
                granted=True,
                source="account opening",
                recorded_at=recorded,
            )
        )
        consents.append(
            Consent(
                customer=customer,
                channel=channel,
                purpose="marketing",
                granted=rng.random() < 0.45,
                source="preference centre",
                recorded_at=recorded,
            )
        )
    return consents


def _weighted(rng: random.Random, options: list[tuple[str, int]]) -> str:
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights=weights)[0]


def _valid_phones(rng: random.Random, count: int) -> list[str]:
    """Distinct E.164 numbers that phonenumbers accepts as valid."""
    numbers: set[str] = set()
    ordered: list[str] = []
    while len(ordered) < count:
        candidate = (
            f"+1{rng.choice(catalog.AREA_CODES)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
        )
        if candidate in numbers or not phonenumbers.is_valid_number(phonenumbers.parse(candidate)):
            continue
        numbers.add(candidate)
        ordered.append(candidate)
    return ordered


def _human_format(rng: random.Random, e164: str) -> str:
    """How people write numbers: the same number in several shapes, as typed into old systems."""
    area, exchange, line = e164[2:5], e164[5:8], e164[8:]
    return rng.choice(
        [
            f"({area}) {exchange}-{line}",
            f"{area}-{exchange}-{line}",
            f"{area}.{exchange}.{line}",
            f"+1 {area} {exchange} {line}",
        ]
    )
