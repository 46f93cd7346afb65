"""The survey draw: one recorded decision per contact, re-derivable from its seed.

`draw_for` runs when an agent wraps a contact up; `draws_sweep` runs on the clock and draws every
contact that is ready but not drawn (call records imported in bulk, contacts nobody wrapped up).
A contact is ready at wrap-up or, never wrapped up, after its channel's idle time
(`draw.IDLE_BEFORE_DRAW`); the rules then read it like any other contact, so not wrapping up
never suppresses a survey: it only delays the draw, and the ticket — from seed and id — is the
same whenever the draw is taken. Whether a written contact was handled, and by whom, is read from
the ledger (`_replies`): the agent's messages in its thread or case count, wrapped up or not; the
draw and its invitation name that agent, so the gaming checks see who had the contact.

The per-customer cooldown counts contacts by when they *started*: a contact is in cooldown when
the customer was selected for a contact that started in the cooldown days before it. A contact is
therefore drawn only once every earlier contact its cooldown reaches (`_chain`) is ready too; those
are drawn first, oldest first. So every draw sees the final decisions of all earlier contacts, and
the selected set is the same whatever the order and timing of wrap-ups: an agent can delay a
customer's next draw by at most the idle time of an earlier contact left open, never move an
invitation from one contact to another.
"""

import datetime
import hashlib
import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from rapport.access.choices import Channel
from rapport.access.models import ContactType
from rapport.core.audit import audit_record
from rapport.core.errors import Conflict, ValidationFailed
from rapport.customers.choices import ConsentChannel, ConsentPurpose, ContactKind
from rapport.customers.models import Consent, ContactPoint, Customer
from rapport.interactions.choices import Direction, Side
from rapport.interactions.models import Interaction, Message
from rapport.surveys import draw
from rapport.surveys.choices import InvitationState, InviteChannel
from rapport.surveys.models import Draw, DrawSettings, Invitation, Survey
from rapport.surveys.selectors.design import draw_settings_get

logger = logging.getLogger(__name__)

MOBILE_LABELS = ("mobile", "cell")
MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE,)


# --- Reaching the customer ------------------------------------------------------------------------


@dataclass(frozen=True)
class Reach:
    channel: str  # InviteChannel, or "" when there is no way to invite
    address: str
    declined: bool  # a way existed but the customer declined surveys on it


def _declined_channels(customer: Customer) -> set[str]:
    """Channels on which the newest surveys consent is a refusal (no record means not refused:
    a service survey is asked unless the customer said no)."""
    newest: dict[str, bool] = {}
    rows = Consent.objects.filter(customer=customer, purpose=ConsentPurpose.SURVEYS).order_by(
        "channel", "-recorded_at", "-id"
    )
    for consent in rows:
        newest.setdefault(consent.channel, consent.granted)
    return {channel for channel, granted in newest.items() if not granted}


def _is_mobile(point: ContactPoint) -> bool:
    if any(word in point.label.lower() for word in MOBILE_LABELS):
        return True
    try:
        number = phonenumbers.parse(point.normalised, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) in MOBILE_TYPES


def reach_of(customer: Customer) -> Reach:
    """E-mail if the customer has an address; else SMS to a mobile; preferred points first."""
    declined = _declined_channels(customer)
    points = list(
        ContactPoint.objects.filter(
            customer=customer, kind__in=[ContactKind.EMAIL, ContactKind.PHONE]
        ).order_by("-preferred", "-verified", "id")
    )
    emails = [p for p in points if p.kind == ContactKind.EMAIL]
    mobiles = [p for p in points if p.kind == ContactKind.PHONE and _is_mobile(p)]
    refused = False
    if emails:
        if ConsentChannel.EMAIL not in declined:
            return Reach(InviteChannel.EMAIL, emails[0].normalised, False)
        refused = True
    if mobiles:
        if ConsentChannel.SMS not in declined:
            return Reach(InviteChannel.SMS, mobiles[0].normalised, False)
        refused = True
    return Reach("", "", refused)


# --- Who handled it -------------------------------------------------------------------------------


def _replies(interaction: Interaction) -> list[tuple[datetime.datetime, int | None]]:
    """The agents' messages answering the contact, as (sent at, agent): on the contact itself (a
    chat or SMS transcript), on an outbound e-mail threaded under it, or on its case since it
    started. Read from the ledger, so an agent's reply counts whether or not they wrapped up."""
    mine = Q(interaction=interaction)
    if interaction.case_id is not None:
        mine |= Q(
            interaction__case_id=interaction.case_id,
            interaction__started_at__gte=interaction.started_at,
        )
    threaded = _threaded_replies(interaction)
    if threaded:
        mine |= Q(interaction_id__in=threaded)
    rows = Message.objects.filter(mine, side=Side.AGENT, is_note=False).values_list(
        "sent_at", "author_id", "interaction__agent_id"
    )
    return [(sent_at, author or agent) for sent_at, author, agent in rows]


def _threaded_replies(interaction: Interaction) -> list[int]:
    """Outbound contacts whose thread names this one (an e-mail's In-Reply-To or References)."""
    if not interaction.external_id or interaction.customer_id is None:
        return []
    outbound = Interaction.objects.filter(
        customer_id=interaction.customer_id,
        direction=Direction.OUTBOUND,
        started_at__gte=interaction.started_at,
    ).values_list("pk", "thread_refs")
    return [pk for pk, refs in outbound if interaction.external_id in (refs or [])]


def _agent_of(interaction: Interaction, replies: list[tuple[datetime.datetime, int | None]]):
    """The contact's agent; else the agent who replied last in its thread (who had it)."""
    if interaction.agent_id is not None:
        return interaction.agent_id
    named = [(sent_at, agent) for sent_at, agent in replies if agent is not None]
    return max(named, key=lambda row: row[0])[1] if named else None


# --- When it is drawn -----------------------------------------------------------------------------


def _ready_at(interaction: Interaction) -> datetime.datetime:
    if interaction.wrapped_up_at is not None:
        return interaction.wrapped_up_at
    last = Message.objects.filter(interaction=interaction, is_note=False).aggregate(
        last=Max("sent_at")
    )["last"]
    return draw.ready_at(
        channel=interaction.channel,
        direction=interaction.direction,
        started_at=interaction.started_at,
        ended_at=interaction.ended_at,
        wrapped_up_at=interaction.wrapped_up_at,
        last_message_at=last,
    )


def _chain(interaction: Interaction, cooldown_days: int) -> list[Interaction]:
    """The customer's undrawn inbound contacts that started before this one and that its cooldown
    reaches (directly, or through another of them), oldest first: all must be drawn before it.
    An outbound contact is never selected, so it reads no cooldown and waits for nothing.
    Contacts older than the draw's horizon are history (before surveys, old imports): the clock
    never draws them and no chain reaches them, so they neither hold a contact back nor get a late
    invitation. (One an agent wraps up that late is drawn on its own.)"""
    if interaction.direction == Direction.OUTBOUND:
        return []
    if interaction.customer_id is None or not cooldown_days:
        return []
    window = datetime.timedelta(days=cooldown_days)
    key = (interaction.started_at, interaction.pk)
    undrawn = (
        Interaction.objects.filter(
            customer_id=interaction.customer_id,
            started_at__lte=interaction.started_at,
            started_at__gte=timezone.now() - draw.DRAW_HORIZON,
            survey_draw__isnull=True,
        )
        .exclude(direction=Direction.OUTBOUND)
        .exclude(pk=interaction.pk)
        .order_by("-started_at", "-id")
    )
    chain: list[Interaction] = []
    reach = interaction.started_at - window
    for other in undrawn.iterator():
        if (other.started_at, other.pk) > key:
            continue
        if other.started_at < reach:
            break
        chain.append(other)
        reach = other.started_at - window
    return chain[::-1]


def _waiting(interaction: Interaction, chain: list[Interaction], now: datetime.datetime) -> bool:
    """Whether the contact, or an earlier contact in its cooldown chain, is not ready yet."""
    return any(_ready_at(other) > now for other in [*chain, interaction])


def draw_due(*, interaction: Interaction, now: datetime.datetime | None = None) -> bool:
    """Whether the contact can be drawn now (see the module docstring); drawn ones are not due."""
    if Draw.objects.filter(interaction=interaction).exists():
        return False
    chain = _chain(interaction, draw_settings_get().cooldown_days)
    return not _waiting(interaction, chain, now or timezone.now())


# --- The decision ---------------------------------------------------------------------------------


def _in_cooldown(interaction: Interaction, days: int) -> bool:
    if not days or interaction.customer_id is None:
        return False
    start = interaction.started_at
    earlier = Q(interaction__started_at__lt=start) | Q(
        interaction__started_at=start, interaction__id__lt=interaction.pk
    )
    return (
        Draw.objects.filter(
            earlier,
            selected=True,
            interaction__customer_id=interaction.customer_id,
            interaction__started_at__gte=start - datetime.timedelta(days=days),
        )
        .exclude(interaction_id=interaction.pk)
        .exists()
    )


def _facts(
    interaction: Interaction, settings_row: DrawSettings, reach: Reach, replied: bool
) -> draw.Facts:
    customer = interaction.customer
    excluded_types = {ct.pk for ct in settings_row.excluded_contact_types.all()}
    return draw.Facts(
        has_customer=customer is not None and customer.erased_at is None,
        direction=interaction.direction,
        outcome=interaction.outcome,
        answered=interaction.answered_at is not None,
        handle_seconds=interaction.handle_seconds,
        has_agent=interaction.agent_id is not None or replied,
        contact_type_excluded=interaction.contact_type_id in excluded_types,
        reachable=bool(reach.channel),
        declined=reach.declined,
        in_cooldown=_in_cooldown(interaction, settings_row.cooldown_days),
        channel=interaction.channel,
        wrapped_up=interaction.wrapped_up_at is not None,
    )


def _decide(interaction: Interaction, settings_row: DrawSettings) -> Draw:
    """Record the draw of one contact whose earlier contacts are all drawn."""
    customer = interaction.customer
    reach = reach_of(customer) if customer is not None else Reach("", "", False)
    replies = _replies(interaction)
    agent_id = _agent_of(interaction, replies)
    facts = _facts(interaction, settings_row, reach, replied=bool(replies))
    excluded = draw.exclusion_for(facts)
    rate = draw.rate_for(settings_row, interaction.channel)
    ticket = draw.ticket(settings_row.seed, interaction.pk)
    now = timezone.now()
    decision = Draw.objects.create(
        interaction=interaction,
        agent_id=agent_id,
        day=timezone.localdate(interaction.started_at),
        stratum=draw.stratum_of(interaction, agent_id),
        seed=settings_row.seed,
        rate=rate,
        ticket=ticket,
        excluded=excluded,
        selected=draw.selected(ticket_value=ticket, rate=rate, excluded=excluded),
        drawn_at=now,
    )
    survey = settings_row.survey
    if decision.selected and survey is not None and survey.is_active:
        _invite(decision, interaction, survey, reach, settings_row, now)
    return decision


def _invite(
    decision: Draw,
    interaction: Interaction,
    survey: Survey,
    reach: Reach,
    settings_row: DrawSettings,
    now: datetime.datetime,
) -> Invitation:
    assert interaction.customer_id is not None
    agents = get_user_model().objects.filter(pk=decision.agent_id or 0)
    team_id = agents.values_list("team_id", flat=True).first()
    return Invitation.objects.create(
        draw=decision,
        survey=survey,
        interaction=interaction,
        customer_id=interaction.customer_id,
        agent_id=decision.agent_id,
        team_id=team_id,
        channel=reach.channel,
        address=reach.address,
        state=InvitationState.QUEUED,
        expires_at=now + datetime.timedelta(days=settings_row.expiry_days),
    )


def _draw(interaction: Interaction, settings_row: DrawSettings, now: datetime.datetime) -> Draw:
    existing = Draw.objects.filter(interaction=interaction).first()
    if existing is not None:
        return existing
    chain = _chain(interaction, settings_row.cooldown_days)
    if _waiting(interaction, chain, now):
        raise Conflict(
            "This contact is not drawn yet: it, or an earlier contact of the same customer, is "
            "neither wrapped up nor idle long enough. The clock draws it when it is.",
            code="draw_not_due",
        )
    for other in chain:
        _decide(other, settings_row)
    return _decide(interaction, settings_row)


def draw_for(*, interaction: Interaction, now: datetime.datetime | None = None) -> Draw:
    """The draw for a contact: made once; a replay returns the recorded draw unchanged.

    Refused (Conflict) while the contact is not due (`draw_due`). The caller sends a queued
    invitation after commit (receivers and the clock task do)."""
    settings_row = draw_settings_get()
    try:
        with transaction.atomic():
            return _draw(interaction, settings_row, now or timezone.now())
    except IntegrityError:
        # Drawn meanwhile by another process (wrap-up and the sweep at once): theirs stands. If the
        # clash was on an earlier contact of the customer, this one is not drawn yet: say so.
        drawn = Draw.objects.filter(interaction=interaction).first()
        if drawn is None:
            raise Conflict(
                "Another process is drawing this customer's contacts; try again.",
                code="draw_busy",
            ) from None
        return drawn


def _idle_passed(now: datetime.datetime) -> Q:
    """Every contact that may be ready by `now`, in SQL; `_ready_at` then checks the last message."""
    ready = Q(wrapped_up_at__isnull=False) | Q(direction=Direction.OUTBOUND)
    for channel in Channel.values:
        idle = draw.idle_before_draw(channel)
        never_ended = max(idle, draw.NEVER_ENDED_IDLE)
        ready |= Q(channel=channel, ended_at__lte=now - idle) | Q(
            channel=channel, ended_at__isnull=True, started_at__lte=now - never_ended
        )
    return ready


def ready_undrawn(*, since: datetime.datetime, now: datetime.datetime | None = None):
    """Contacts started since `since`, not drawn yet, that may be ready by `now`, by start."""
    now = now or timezone.now()
    return (
        Interaction.objects.filter(_idle_passed(now), started_at__gte=since)
        .filter(survey_draw__isnull=True)
        .select_related("customer", "agent")
        .order_by("started_at", "id")
    )


def draws_sweep(*, since: datetime.datetime, now: datetime.datetime | None = None) -> int:
    """Draw every contact since `since` that is due and not drawn yet; returns how many."""
    now = now or timezone.now()
    made = 0
    for interaction in ready_undrawn(since=since, now=now).iterator():
        if not draw_due(interaction=interaction, now=now):
            continue  # drawn while settling a later contact, or still waiting
        try:
            draw_for(interaction=interaction, now=now)
        except Conflict:
            # A wrap-up drew it (or an earlier contact of its customer) at the same moment: the
            # next tick finds it settled; the rest of this sweep goes on.
            logger.info(
                "Contact %s was being drawn elsewhere; left to the next tick", interaction.pk
            )
            continue
        made += 1
    return made


# --- Checking the record --------------------------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    draw_id: int
    interaction_id: int
    reason: str


def _mismatch_of(row: Draw) -> str:
    expected = draw.ticket(row.seed, row.interaction_id)
    if expected != row.ticket:
        return f"ticket is {row.ticket!r}, the seed gives {expected!r}"
    should = draw.selected(ticket_value=expected, rate=row.rate, excluded=row.excluded)
    if should != row.selected:
        return (
            f"recorded as {'selected' if row.selected else 'not selected'}, the rule says otherwise"
        )
    has_invitation = hasattr(row, "invitation")
    if has_invitation and not row.selected:
        return "an invitation exists for a contact that was not selected"
    return ""


def draw_verify(*, start: datetime.date, end: datetime.date) -> list[Mismatch]:
    """Re-derive every draw of the days start…end from its recorded seed; list what disagrees."""
    mismatches = []
    rows = Draw.objects.filter(day__range=(start, end)).select_related("invitation").order_by("id")
    for row in rows.iterator(chunk_size=2000):
        reason = _mismatch_of(row)
        if reason:
            mismatches.append(Mismatch(row.pk, row.interaction_id, reason))
    return mismatches


# --- Settings -------------------------------------------------------------------------------------

SCALAR_FIELDS = ("rate", "cooldown_days", "expiry_days", "min_responses")
LIMITS = {"cooldown_days": (0, 365), "expiry_days": (1, 90), "min_responses": (1, 10_000)}


def _rate(value: Any, field: str) -> Decimal:
    try:
        rate = Decimal(str(value)).quantize(Decimal("0.001"))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(
            "A rate is a number from 0 to 1.", fields={field: ["Enter a number from 0 to 1."]}
        ) from None
    if not Decimal(0) <= rate <= Decimal(1):
        raise ValidationFailed(
            "A rate is a number from 0 to 1.", fields={field: ["Enter a number from 0 to 1."]}
        )
    return rate


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "rate":
            clean[name] = _rate(value, name)
        elif name in LIMITS:
            low, high = LIMITS[name]
            if not isinstance(value, int) or not low <= value <= high:
                message = f"Enter a whole number from {low} to {high}."
                raise ValidationFailed(message, fields={name: [message]})
            clean[name] = value
        elif name == "channel_rates":
            unknown = set(value) - set(Channel.values)
            if unknown:
                message = f"Unknown channel: {', '.join(sorted(unknown))}."
                raise ValidationFailed(message, fields={name: [message]})
            clean[name] = {ch: str(_rate(r, f"rate_{ch}")) for ch, r in value.items()}
        elif name in ("survey", "excluded_contact_types"):
            clean[name] = value
        else:
            raise ValidationFailed(f"{name} is not a draw setting.")
    survey = clean.get("survey")
    if survey is not None and not survey.is_active:
        message = "Choose an active survey."
        raise ValidationFailed(message, fields={"survey": [message]})
    return clean


def _snapshot(row: DrawSettings) -> dict[str, Any]:
    return {
        "survey": row.survey_id,
        "rate": str(row.rate),
        "channel_rates": row.channel_rates,
        "cooldown_days": row.cooldown_days,
        "expiry_days": row.expiry_days,
        "min_responses": row.min_responses,
        "excluded_contact_types": sorted(row.excluded_contact_types.values_list("pk", flat=True)),
    }


@transaction.atomic
def draw_settings_update(*, by, **fields: Any) -> DrawSettings:
    """Change how contacts are drawn. Draws already made keep the rate and seed they recorded."""
    clean = _clean(fields)
    row = DrawSettings.objects.select_for_update().get(pk=draw_settings_get().pk)
    before = _snapshot(row)
    types: list[ContactType] | None = clean.pop("excluded_contact_types", None)
    for name, value in clean.items():
        setattr(row, name, value)
    row.save()
    if types is not None:
        row.excluded_contact_types.set(types)
    after = _snapshot(row)
    changed = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
    audit_record(actor=by, action="survey.draw_settings_changed", target=row, detail=changed)
    return row


def seed_fingerprint(seed: str) -> str:
    """What the audit log and pages show of a seed: enough to tell two apart, not to predict."""
    return hashlib.sha256(seed.encode()).hexdigest()[:8]


@transaction.atomic
def draw_seed_rotate(*, by) -> DrawSettings:
    """A new seed for the draws from now on; past draws keep theirs, so they still re-derive."""
    row = DrawSettings.objects.select_for_update().get(pk=draw_settings_get().pk)
    old = row.seed
    row.seed = secrets.token_hex(16)
    row.save(update_fields=["seed", "updated_at"])
    audit_record(
        actor=by,
        action="survey.draw_seed_rotated",
        target=row,
        detail={"from": seed_fingerprint(old), "to": seed_fingerprint(row.seed)},
    )
    return row
