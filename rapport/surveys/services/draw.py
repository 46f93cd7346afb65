"""The survey draw: one recorded decision per handled contact, re-derivable from its seed.

`draw_for` runs when an agent wraps a contact up; `draws_sweep` runs on the clock and draws every
contact that was handled but never drawn (call records imported in bulk, chats and e-mails nobody
wrapped up). So not wrapping up never suppresses a survey: it only delays the draw, and the
decision — the ticket from seed and id — is the same whenever it is taken.

Handled, for the sweep: wrapped up; or ended more than GRACE ago (time for the agent to wrap up,
so the outcome and contact type are in when the rules read them); or, for a contact no system
ever ended (a chat or e-mail thread), started more than OPEN_AFTER ago. The rules then decide
whether it was handled by anyone (`draw.not_handled`).

The per-customer cooldown counts contacts by when they *started*: a contact is in cooldown when
the customer was selected for a contact that started in the cooldown days before it. Before a
contact is drawn, the customer's earlier contacts that have ended are drawn first, so the order in
which agents wrap up cannot move an invitation from one contact to another.
"""

import datetime
import hashlib
import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from rapport.access.choices import Channel
from rapport.access.models import ContactType
from rapport.core.audit import audit_record
from rapport.core.errors import ValidationFailed
from rapport.customers.choices import ConsentChannel, ConsentPurpose, ContactKind
from rapport.customers.models import Consent, ContactPoint, Customer
from rapport.interactions.choices import Side
from rapport.interactions.models import Interaction, Message
from rapport.surveys import draw
from rapport.surveys.choices import InvitationState, InviteChannel
from rapport.surveys.models import Draw, DrawSettings, Invitation, Survey
from rapport.surveys.selectors.design import draw_settings_get

logger = logging.getLogger(__name__)

GRACE = datetime.timedelta(minutes=15)
OPEN_AFTER = datetime.timedelta(days=2)
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


def _facts(interaction: Interaction, settings_row: DrawSettings, reach: Reach) -> draw.Facts:
    customer = interaction.customer
    excluded_types = {ct.pk for ct in settings_row.excluded_contact_types.all()}
    agent_spoke = Message.objects.filter(
        interaction=interaction, side=Side.AGENT, is_note=False
    ).exists()
    return draw.Facts(
        has_customer=customer is not None and customer.erased_at is None,
        direction=interaction.direction,
        outcome=interaction.outcome,
        answered=interaction.answered_at is not None,
        handle_seconds=interaction.handle_seconds,
        has_agent=interaction.agent_id is not None or agent_spoke,
        contact_type_excluded=interaction.contact_type_id in excluded_types,
        reachable=bool(reach.channel),
        declined=reach.declined,
        in_cooldown=_in_cooldown(interaction, settings_row.cooldown_days),
    )


def _settle_earlier(interaction: Interaction, settings_row: DrawSettings) -> None:
    """Draw the customer's earlier, ended contacts in the cooldown window that are not drawn yet."""
    if interaction.customer_id is None or not settings_row.cooldown_days:
        return
    start = interaction.started_at
    earlier = (
        Interaction.objects.filter(
            customer_id=interaction.customer_id,
            started_at__gte=start - datetime.timedelta(days=settings_row.cooldown_days),
            started_at__lte=start,
            survey_draw__isnull=True,
        )
        .filter(Q(ended_at__isnull=False) | Q(wrapped_up_at__isnull=False))
        .exclude(pk=interaction.pk)
        .order_by("started_at", "id")
    )
    for other in earlier:
        if (other.started_at, other.pk) < (start, interaction.pk):
            _draw(other, settings_row)


def _draw(interaction: Interaction, settings_row: DrawSettings) -> Draw:
    existing = Draw.objects.filter(interaction=interaction).first()
    if existing is not None:
        return existing
    _settle_earlier(interaction, settings_row)
    customer = interaction.customer
    reach = reach_of(customer) if customer is not None else Reach("", "", False)
    facts = _facts(interaction, settings_row, reach)
    excluded = draw.exclusion_for(facts)
    rate = draw.rate_for(settings_row, interaction.channel)
    ticket = draw.ticket(settings_row.seed, interaction.pk)
    now = timezone.now()
    decision = Draw.objects.create(
        interaction=interaction,
        agent_id=interaction.agent_id,
        day=timezone.localdate(interaction.started_at),
        stratum=draw.stratum_of(interaction),
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
    agent = interaction.agent
    assert interaction.customer_id is not None
    return Invitation.objects.create(
        draw=decision,
        survey=survey,
        interaction=interaction,
        customer_id=interaction.customer_id,
        agent=agent,
        team_id=agent.team_id if agent is not None else None,
        channel=reach.channel,
        address=reach.address,
        state=InvitationState.QUEUED,
        expires_at=now + datetime.timedelta(days=settings_row.expiry_days),
    )


def draw_for(*, interaction: Interaction) -> Draw:
    """The draw for a contact: made once; a replay returns the recorded draw unchanged.

    The caller sends a queued invitation after commit (receivers and the clock task do)."""
    settings_row = draw_settings_get()
    try:
        with transaction.atomic():
            return _draw(interaction, settings_row)
    except IntegrityError:
        # Drawn meanwhile by another process (wrap-up and the sweep at once): theirs stands.
        return Draw.objects.get(interaction=interaction)


def handled_undrawn(*, since: datetime.datetime, now: datetime.datetime | None = None):
    """Contacts started since `since`, handled (see the module docstring) and not drawn yet."""
    now = now or timezone.now()
    done = (
        Q(wrapped_up_at__isnull=False)
        | Q(ended_at__lte=now - GRACE)
        | Q(ended_at__isnull=True, started_at__lte=now - OPEN_AFTER)
    )
    return (
        Interaction.objects.filter(done, started_at__gte=since, survey_draw__isnull=True)
        .select_related("customer", "agent")
        .order_by("started_at", "id")
    )


def draws_sweep(*, since: datetime.datetime, now: datetime.datetime | None = None) -> int:
    """Draw every handled contact since `since` that was not drawn yet; returns how many."""
    made = 0
    for interaction in handled_undrawn(since=since, now=now).iterator():
        if Draw.objects.filter(interaction=interaction).exists():
            continue  # drawn while settling an earlier contact of the same customer
        draw_for(interaction=interaction)
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
