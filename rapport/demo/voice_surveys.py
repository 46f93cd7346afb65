"""The demo's surveys: the draw over every handled contact, invitations, answers with verbatims,
and the gaming checks over the last full month.

The draw uses the product's ticket, rate and exclusion rules (rapport/surveys/draw.py) with a seed
fixed from the demo's seed, in the order the draw service settles contacts (by start), so every
recorded decision re-derives. Scores follow the ledger: resolved contacts and compliments score
high; escalations, transfers, repeat contacts, long waits and negative words score low; each agent
has a small lean of their own. The gaming agents' answers are made the way their gaming works.
"""

import datetime
import hashlib
import random
from dataclasses import dataclass

import phonenumbers
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from rapport.accounts.models import User
from rapport.customers.choices import ConsentPurpose, ContactKind
from rapport.customers.models import Consent, ContactPoint
from rapport.demo import bulk, phrases
from rapport.demo.voice_ledger import Contact, Gamers, Ledger, gamers_find
from rapport.insights.text import TextScore, text_score
from rapport.interactions.choices import Outcome
from rapport.surveys import draw
from rapport.surveys.choices import FlagState, GamingCheck, InvitationState, InviteChannel
from rapport.surveys.models import Draw, DrawSettings, GamingFlag, Invitation, Question, Response
from rapport.surveys.services.gaming import gaming_checks_run, gaming_flag_review
from rapport.surveys.services.responses import device_hash, network_hash

DRAW_FIELDS = (
    "id", "interaction_id", "agent_id", "day", "stratum", "seed", "rate", "ticket", "excluded",
    "selected", "drawn_at",
)  # fmt: skip
INVITATION_FIELDS = (
    "id", "draw_id", "survey_id", "interaction_id", "customer_id", "agent_id", "team_id", "channel",
    "address", "nonce", "state", "error", "sent_at", "opened_at", "answered_at", "expires_at",
    "created_at", "updated_at",
)  # fmt: skip
RESPONSE_FIELDS = (
    "id", "invitation_id", "survey_id", "interaction_id", "agent_id", "team_id", "day", "channel",
    "contact_type_id", "csat", "nps", "ces", "answers", "verbatim", "sentiment", "intents",
    "device", "network", "created_at", "updated_at",
)  # fmt: skip
# How the draw service settles a contact nobody wrapped up (see services/draw.py).
GRACE = datetime.timedelta(minutes=15)
OPEN_AFTER = datetime.timedelta(days=2)
# Customers who told us not to survey them (by e-mail and SMS): about one in fifty.
DECLINED_SHARE = 0.02
FAILED_SHARE = 0.006
ANSWER_RATE = 0.3
# The gaming agents' invitations are answered far more often: by the agent themselves, or by
# customers they pressed for it.
GAMER_ANSWER_RATE = {"begging": 0.45, "clustering": 0.8, "improbable": 0.85}
CLUSTERED_SHARE = 0.75
CONTRADICTING_SHARE = 0.3
VERBATIM_RATE = 0.55
# How the contact's outcome leaves the customer feeling (see `_mood`).
MOOD = {
    Outcome.RESOLVED: 1.05,
    Outcome.SALE: 1.15,
    Outcome.INFORMATION: 0.85,
    Outcome.FOLLOW_UP: 0.15,
    Outcome.TRANSFERRED: -0.3,
    Outcome.ESCALATED: -0.6,
}
USER_AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_{minor} like Mac OS X) Mobile/15E148 Safari/604.{n}",
    "Mozilla/5.0 (Linux; Android 14; SM-S91{minor}B) Chrome/124.0.{n}.60 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0.{n}.91 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_{minor}) Version/17.4 Safari/605.1.{n}",
]


@dataclass(frozen=True)
class Reach:
    channel: str
    address: str
    declined: bool


@dataclass(frozen=True)
class Setup:
    settings: DrawSettings
    seed: str
    survey_id: int
    questions: dict[str, int]  # kind → question id
    expiry: datetime.timedelta


def surveys_load(
    rng: random.Random, seed: int, ledger: Ledger, gamers: Gamers, reference_time: datetime.datetime
) -> dict[str, int]:
    setup = _setup(seed)
    reach = _reach(rng)
    draws, selected = _draws(ledger, setup, reach, reference_time)
    invitations, answered = _invitations(
        rng, setup, ledger, gamers, reach, selected, reference_time
    )
    responses = _responses(rng, setup, ledger, gamers, answered)
    return {"draws": draws, "invitations": invitations, "responses": responses}


def _setup(seed: int) -> Setup:
    settings_row = DrawSettings.objects.select_related("survey").order_by("pk").first()
    assert settings_row is not None and settings_row.survey is not None
    # Fixed from the demo's seed, so the same seed gives the same draw.
    settings_row.seed = hashlib.sha256(f"rapport-demo-draw:{seed}".encode()).hexdigest()[:32]
    settings_row.save(update_fields=["seed", "updated_at"])
    questions = {
        kind: pk
        for pk, kind in Question.objects.filter(survey=settings_row.survey)
        .order_by("-order", "-id")
        .values_list("pk", "kind")
    }
    return Setup(
        settings=settings_row,
        seed=settings_row.seed,
        survey_id=settings_row.survey.pk,
        questions=questions,
        expiry=datetime.timedelta(days=settings_row.expiry_days),
    )


# --- Who can be invited --------------------------------------------------------------------------


def _reach(rng: random.Random) -> dict[int, Reach]:
    """Each customer's way to be invited, as `reach_of` decides it: e-mail first, else SMS to a
    mobile; a few customers declined surveys on both."""
    emails: dict[int, str] = {}
    mobiles: dict[int, str] = {}
    points = ContactPoint.objects.filter(kind__in=[ContactKind.EMAIL, ContactKind.PHONE]).order_by(
        "-preferred", "-verified", "id"
    )
    for customer_id, kind, normalised, label in points.values_list(
        "customer_id", "kind", "normalised", "label"
    ):
        if kind == ContactKind.EMAIL:
            emails.setdefault(customer_id, normalised)
        elif _is_mobile(normalised, label):
            mobiles.setdefault(customer_id, normalised)
    declined = _declines_add(rng, sorted(emails.keys() | mobiles.keys()))
    reach = {}
    for customer_id in emails.keys() | mobiles.keys():
        if customer_id in declined:
            reach[customer_id] = Reach("", "", True)
        elif customer_id in emails:
            reach[customer_id] = Reach(InviteChannel.EMAIL, emails[customer_id], False)
        else:
            reach[customer_id] = Reach(InviteChannel.SMS, mobiles[customer_id], False)
    return reach


def _is_mobile(normalised: str, label: str) -> bool:
    if "mobile" in label.lower() or "cell" in label.lower():
        return True
    try:
        number = phonenumbers.parse(normalised, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE


def _declines_add(rng: random.Random, customers: list[int]) -> set[int]:
    declined = {c for c in customers if rng.random() < DECLINED_SHARE}
    recorded = datetime.datetime(2026, 1, 15, 12, tzinfo=datetime.UTC)
    bulk_create_with_history(
        [
            Consent(
                customer_id=customer_id,
                channel=channel,
                purpose=ConsentPurpose.SURVEYS,
                granted=False,
                source="preference centre",
                recorded_at=recorded,
            )
            for customer_id in sorted(declined)
            for channel in ("email", "sms")
        ],
        Consent,
        batch_size=2000,
    )
    return declined


# --- The draw ----------------------------------------------------------------------------------


def _drawn_at(contact: Contact, reference_time: datetime.datetime) -> datetime.datetime | None:
    """When the draw service would have drawn the contact; None when not yet."""
    if contact.wrapped_up_at is not None:
        return contact.wrapped_up_at
    if contact.ended_at is not None and contact.ended_at + GRACE <= reference_time:
        return contact.ended_at + GRACE
    if contact.ended_at is None and contact.started_at + OPEN_AFTER <= reference_time:
        return contact.started_at + OPEN_AFTER
    return None


def _draws(
    ledger: Ledger, setup: Setup, reach: dict[int, Reach], reference_time: datetime.datetime
) -> tuple[int, list[tuple[int, Contact, datetime.datetime]]]:
    """Every handled contact drawn, in the order of their start (the cooldown counts from the
    last contact selected for the customer); returns the selected (draw id, contact, drawn at)."""
    rows: list[tuple] = []
    selected = []
    last_selected: dict[int, datetime.datetime] = {}
    cooldown = datetime.timedelta(days=setup.settings.cooldown_days)
    excluded_types = set(setup.settings.excluded_contact_types.values_list("pk", flat=True))
    # Contacts wrapped up through the services were drawn live: their decisions stand.
    live = dict(Draw.objects.values_list("interaction_id", "selected"))
    rates = {c: draw.rate_for(setup.settings, c) for c in {c.channel for c in ledger.contacts}}
    next_id = bulk.next_id(Draw)
    for contact in ledger.contacts:
        drawn_at = _drawn_at(contact, reference_time)
        if drawn_at is None:
            continue
        if contact.id in live:
            if live[contact.id] and contact.customer_id is not None:
                last_selected[contact.customer_id] = contact.started_at
            continue
        way = reach.get(contact.customer_id or 0, Reach("", "", False))
        previous = last_selected.get(contact.customer_id or 0)
        facts = draw.Facts(
            has_customer=contact.customer_id is not None,
            direction=contact.direction,
            outcome=contact.outcome,
            answered=contact.answered_at is not None,
            handle_seconds=contact.handle_seconds,
            has_agent=contact.agent_id is not None or contact.id in ledger.agent_spoke,
            contact_type_excluded=contact.contact_type_id in excluded_types,
            reachable=bool(way.channel),
            declined=way.declined,
            in_cooldown=previous is not None and previous >= contact.started_at - cooldown,
        )
        excluded = draw.exclusion_for(facts)
        rate = rates[contact.channel]
        ticket = draw.ticket(setup.seed, contact.id)
        chosen = draw.selected(ticket_value=ticket, rate=rate, excluded=excluded)
        draw_id = next_id + len(rows)
        rows.append(
            (
                draw_id, contact.id, contact.agent_id, contact.day,
                draw.stratum_of(contact), setup.seed, rate, ticket, excluded, chosen, drawn_at,
            )
        )  # fmt: skip
        if chosen:
            last_selected[contact.customer_id or 0] = contact.started_at
            selected.append((draw_id, contact, drawn_at))
    bulk.rows_insert(Draw, DRAW_FIELDS, rows)
    bulk.sequences_reset(Draw)
    return len(rows), selected


# --- Invitations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    invitation_id: int
    contact: Contact
    customer_id: int
    at: datetime.datetime
    gamer: str


def _invitations(rng, setup, ledger, gamers, reach, selected, reference_time):
    """Each selected contact's invitation, sent a few minutes after the draw; about three in ten
    answered (mostly the same day), the rest opened or not and left to expire."""
    gamer_of = {agent_id: kind for kind, agent_id in gamers.ids().items()}
    rows: list[tuple] = []
    answered: list[Answered] = []
    next_id = bulk.next_id(Invitation)
    for draw_id, contact, drawn_at in selected:
        way = reach[contact.customer_id]
        invitation_id = next_id + len(rows)
        sent = drawn_at + datetime.timedelta(seconds=rng.randint(30, 600))
        expires = drawn_at + setup.expiry
        gamer = gamer_of.get(contact.agent_id, "")
        state, error, opened, replied = _fate(rng, gamer, sent, expires, reference_time)
        rows.append(
            (
                invitation_id, draw_id, setup.survey_id, contact.id, contact.customer_id,
                contact.agent_id, ledger.team_of_agent.get(contact.agent_id), way.channel,
                way.address, f"{rng.getrandbits(128):032x}", state, error,
                None if error else sent, opened, replied, expires, drawn_at,
                replied or opened or (expires if state == InvitationState.EXPIRED else sent),
            )
        )  # fmt: skip
        if replied is not None:
            answered.append(Answered(invitation_id, contact, contact.customer_id, replied, gamer))
    bulk.rows_insert(Invitation, INVITATION_FIELDS, rows)
    bulk.sequences_reset(Invitation)
    return len(rows), answered


def _fate(rng, gamer: str, sent, expires, now):
    """(state, error, opened at, answered at) of one invitation by `now`."""
    if rng.random() < FAILED_SHARE:
        return InvitationState.FAILED, "The mail server refused the address (550).", None, None
    delay = datetime.timedelta(minutes=min(rng.lognormvariate(4.5, 1.3), 6 * 24 * 60))
    opened = sent + delay
    if rng.random() < GAMER_ANSWER_RATE.get(gamer, ANSWER_RATE):
        replied = opened + datetime.timedelta(seconds=rng.randint(40, 400))
        if replied < min(expires, now):
            return InvitationState.ANSWERED, "", opened, replied
        if opened < now:
            return InvitationState.OPENED, "", opened, None
        return InvitationState.SENT, "", None, None
    was_opened = rng.random() < 0.25 and opened < min(expires, now)
    if expires <= now:
        return InvitationState.EXPIRED, "", opened if was_opened else None, None
    if was_opened:
        return InvitationState.OPENED, "", opened, None
    return InvitationState.SENT, "", None, None


# --- Answers ------------------------------------------------------------------------------------


def _responses(rng, setup: Setup, ledger: Ledger, gamers: Gamers, answered: list[Answered]) -> int:
    bias = {agent_id: rng.gauss(0, 0.2) for agent_id in sorted(ledger.team_of_agent)}
    scored: dict[str, TextScore] = {}
    cluster = _cluster_hashes(gamers)
    rows: list[tuple] = []
    next_id = bulk.next_id(Response)
    for answer in answered:
        contact = answer.contact
        csat, nps, ces, verbatim = _answer(rng, answer, ledger, bias)
        device, network = _hashes(rng, answer.customer_id)
        if answer.gamer == "clustering" and rng.random() < CLUSTERED_SHARE:
            # The agent answers the invitation themselves, on their own phone.
            csat, nps, ces, device, network = 5, 10, 7, *cluster
            verbatim = rng.choice(["", "", "Great service!", "Perfect, thank you."])
        if verbatim and verbatim not in scored:
            scored[verbatim] = text_score(verbatim)
        score = scored[verbatim] if verbatim else None
        answers: dict[str, int | str] = {
            str(setup.questions[k]): v
            for k, v in (("csat", csat), ("ces", ces), ("nps", nps))
            if v is not None and k in setup.questions
        }
        if verbatim and "text" in setup.questions:
            answers[str(setup.questions["text"])] = verbatim
        rows.append(
            (
                next_id + len(rows), answer.invitation_id, setup.survey_id, contact.id,
                contact.agent_id, ledger.team_of_agent.get(contact.agent_id or 0),
                contact.day, contact.channel, contact.contact_type_id,
                csat, nps, ces, answers, verbatim, score.compound if score else None,
                list(score.intents) if score else [], device, network, answer.at, answer.at,
            )
        )  # fmt: skip
    bulk.rows_insert(Response, RESPONSE_FIELDS, rows)
    bulk.sequences_reset(Response)
    return len(rows)


def _mood(rng: random.Random, contact: Contact, ledger: Ledger, bias: dict[int, float]) -> float:
    """How the contact went for the customer, about −2 … +2."""
    mood = MOOD.get(Outcome(contact.outcome), 0.3) + bias.get(contact.agent_id or 0, 0.0)
    score = ledger.scores.get(contact.id)
    if score is not None:
        # Customers open with the problem ("it's not working"): their words weigh, but less
        # than how the contact went.
        mood += 0.35 * score.compound
    previous = ledger.previous_inbound.get(contact.id)
    if previous is not None and contact.started_at - previous.started_at <= datetime.timedelta(
        days=7
    ):
        mood -= 0.5
    if contact.wait_seconds > 300:
        mood -= 0.35
    mood -= 0.35 * contact.transfers
    if contact.compliment_received:
        mood += 0.8
    return mood + rng.gauss(0, 0.6)


def _answer(rng, answer: Answered, ledger: Ledger, bias) -> tuple[int, int | None, int | None, str]:
    mood = _mood(rng, answer.contact, ledger, bias)
    if answer.gamer == "begging":
        mood += 0.6
    csat = 5 if mood > 0.9 else 4 if mood > 0.2 else 3 if mood > -0.35 else 2 if mood > -0.9 else 1
    nps = _clamp(round(7 + 2.0 * mood + rng.gauss(0, 1)), 0, 10)
    ces = _clamp(round(5 + 1.3 * mood + rng.gauss(0, 0.8)), 1, 7)
    verbatim = _verbatim(rng, csat, answer.contact) if rng.random() < VERBATIM_RATE else ""
    if answer.gamer == "improbable":
        csat, nps, ces = (
            (5 if rng.random() < 0.85 else 4),
            rng.choice([9, 10, 10]),
            rng.randint(6, 7),
        )
        if rng.random() < CONTRADICTING_SHARE:
            verbatim = rng.choice(phrases.SURVEY_NEGATIVE)
    return (
        csat,
        nps if rng.random() < 0.85 else None,
        ces if rng.random() < 0.8 else None,
        verbatim,
    )


def _verbatim(rng: random.Random, csat: int, contact: Contact) -> str:
    if csat >= 4:
        praise = contact.compliment_received or rng.random() < 0.25
        return rng.choice(phrases.SURVEY_COMPLIMENT if praise else phrases.SURVEY_POSITIVE)
    if csat == 3:
        return rng.choice(phrases.SURVEY_EFFORT)
    return rng.choice(phrases.SURVEY_NEGATIVE if rng.random() < 0.75 else phrases.SURVEY_EFFORT)


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def _hashes(rng: random.Random, customer_id: int) -> tuple[str, str]:
    """The customer's own phone or computer, on their home network or their mobile operator's."""
    template = USER_AGENTS[customer_id % len(USER_AGENTS)]
    agent = template.format(minor=customer_id % 7, n=customer_id)
    if rng.random() < 0.7:
        address = f"10.{customer_id // 250 % 250}.{customer_id % 250}.{rng.randint(2, 250)}"
    else:
        address = f"172.{16 + customer_id % 16}.{rng.randint(0, 255)}.{rng.randint(2, 250)}"
    return device_hash(agent), network_hash(address)


def _cluster_hashes(gamers: Gamers) -> tuple[str, str]:
    pk = gamers.clustering.pk if gamers.clustering else 0
    return (
        device_hash(f"Mozilla/5.0 (Linux; Android 13; Pixel 6a) Chrome/123.0.{pk}.1 Mobile"),
        network_hash(f"192.168.{pk % 250}.17"),
    )


# --- Gaming checks ------------------------------------------------------------------------------


def last_full_month(reference_time: datetime.datetime) -> tuple[datetime.date, datetime.date]:
    first_this_month = timezone.localdate(reference_time).replace(day=1)
    end = first_this_month - datetime.timedelta(days=1)
    return end.replace(day=1), end


def _to_dismiss(flags: list[GamingFlag], gamers: Gamers) -> tuple[GamingFlag, str] | None:
    """What QA dismissed: the clustering agent's improbable scores, already under review as the
    clustering (the same answers)."""
    clustering = gamers.clustering.pk if gamers.clustering else None
    for flag in flags:
        if flag.kind == GamingCheck.IMPROBABLE and flag.agent_id == clustering:
            return flag, "The same answers as this agent's clustering flag; reviewed there."
    return None


def gaming_load(reference_time: datetime.datetime) -> int:
    """The checks over the last full month as QA would run them; QA has confirmed the begging
    (the words are the evidence) and dismissed one finding (`_to_dismiss`); the rest wait."""
    start, end = last_full_month(reference_time)
    analyst = User.objects.get(username="qa_analyst")
    flags = gaming_checks_run(start=start, end=end, by=analyst)
    begging = next((f for f in flags if f.kind == GamingCheck.BEGGING), None)
    if begging is not None:
        gaming_flag_review(
            flag=begging,
            by=analyst,
            state=FlagState.CONFIRMED,
            note="Read the chats: the agent asks for a 10 in the reply itself. Coaching booked.",
        )
    dismissed = _to_dismiss(flags, gamers_find())
    if dismissed is not None:
        flag, note = dismissed
        gaming_flag_review(flag=flag, by=analyst, state=FlagState.DISMISSED, note=note)
    return GamingFlag.objects.filter(period_start=start, period_end=end).count()
