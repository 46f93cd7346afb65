"""The survey draw, as pure functions: who is invited is decided here, not by anyone's choice.

Why the ticket ignores everything the agent records
---------------------------------------------------
A contact's ticket is HMAC-SHA256 of the contact's id under the draw seed, read as a number in
[0, 1); the contact is invited when it is eligible and its ticket is below the rate. The seed is
held by admins (every change audited) and the id is given by the database when the contact is
recorded, before an agent has said or typed anything. Nothing an agent does afterwards — the
outcome chosen, notes written, a compliment ticked, wrapping up early, late or never — enters the
ticket, so nobody can steer which contacts are surveyed; and because seed and id are recorded on
every Draw, anyone can re-derive each decision later (`services.draw.draw_verify`).

Eligibility is decided by rules over facts the system holds (see `exclusion_for`). Where a rule
rests on something an agent records (the contact type picked at wrap-up), the per-agent share of
exclusions is itself watched by the gaming checks; the abandoned / no-answer rule only applies to
calls the switch never saw answered, so labelling a handled call "abandoned" excludes nothing. A
written contact (e-mail, chat, SMS, social, web) has no switch: it counts as handled when anyone at
the center took it — an agent assigned, an agent's message in its thread or case, or a wrap-up —
never from a missing agent alone, and its outcome label excludes nothing.

When a contact is drawn (`ready_at`): at wrap-up; or, never wrapped up, once it has been idle for
its channel's `IDLE_BEFORE_DRAW`, long enough that an honest agent would have wrapped it up. So
not wrapping up only delays the draw, and the rules then read the same facts as for any contact.

The sample: one Bernoulli trial per contact at its channel's rate (`rate_for`: the channel's own
rate when admins set one, else the default). There are no per-stratum rates or quotas; the stratum
(channel / contact type / agent) is recorded on each Draw so that the invitations per stratum can
be compared with the draw.
"""

import datetime
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from rapport.access.choices import Channel
from rapport.interactions.choices import Direction, Outcome
from rapport.surveys.choices import Exclusion

NOT_HANDLED_OUTCOMES = frozenset({Outcome.ABANDONED, Outcome.NO_ANSWER})
# 53 bits: as many as a float holds exactly, so a ticket read back from the database is the same.
_TICKET_BITS = 53

# Contacts written rather than spoken: no switch says whether they were answered, the agent is
# only set at wrap-up, and the agent's replies may sit on a separate outbound record.
WRITTEN_CHANNELS = frozenset(
    {Channel.EMAIL, Channel.CHAT, Channel.SMS, Channel.SOCIAL, Channel.WEB}
)
# How long a contact nobody wrapped up stays idle before it is drawn anyway, counted from its last
# message (for a call: from its end). Long enough that an honest agent has wrapped it up by then —
# a call right after it ends; a chat or SMS thread within the day; an e-mail or social message
# within three working days — so the draw reads the outcome and contact type they recorded.
IDLE_BEFORE_DRAW: Mapping[str, datetime.timedelta] = {
    Channel.PHONE: datetime.timedelta(minutes=15),
    Channel.IN_PERSON: datetime.timedelta(minutes=15),
    Channel.CHAT: datetime.timedelta(days=1),
    Channel.SMS: datetime.timedelta(days=1),
    Channel.EMAIL: datetime.timedelta(days=3),
    Channel.SOCIAL: datetime.timedelta(days=3),
    Channel.WEB: datetime.timedelta(days=3),
}
# A contact no system ever ended (a call whose end never arrived) may still be going on: it waits
# at least this long from its last sign of life.
NEVER_ENDED_IDLE = datetime.timedelta(days=2)
# How far back the clock draws contacts nobody drew: longer than every idle time, so a contact
# waits at most its idle time; older undrawn contacts are history and are never drawn.
DRAW_HORIZON = datetime.timedelta(days=7)


def idle_before_draw(channel: str) -> datetime.timedelta:
    """The channel's idle time; the longest one for a channel the table does not name."""
    return IDLE_BEFORE_DRAW.get(channel, max(IDLE_BEFORE_DRAW.values()))


def ready_at(
    *,
    channel: str,
    direction: str,
    started_at: datetime.datetime,
    ended_at: datetime.datetime | None,
    wrapped_up_at: datetime.datetime | None,
    last_message_at: datetime.datetime | None = None,
) -> datetime.datetime:
    """When the contact may be drawn: at wrap-up, else after its channel's idle time.

    An outbound contact is ready at once: it is excluded by its direction, nothing can change that.
    """
    if wrapped_up_at is not None:
        return wrapped_up_at
    if direction == Direction.OUTBOUND:
        return started_at
    idle = idle_before_draw(channel)
    if ended_at is None:
        return max(started_at, last_message_at or started_at) + max(idle, NEVER_ENDED_IDLE)
    return max(ended_at, last_message_at or ended_at) + idle


def ticket(seed: str, interaction_id: int) -> float:
    """HMAC-SHA256 of the contact's id under the seed, as a uniform number in [0, 1)."""
    digest = hmac.new(seed.encode(), str(int(interaction_id)).encode(), hashlib.sha256).digest()
    return (int.from_bytes(digest[:8], "big") >> (64 - _TICKET_BITS)) / float(1 << _TICKET_BITS)


def stratum_of(interaction, agent_id: int | None = None) -> str:
    """ "channel/contact_type_id/agent_id", with "-" for what is not known; `agent_id` names the
    agent the draw credits when the contact itself names none (who replied in its thread)."""
    contact_type = interaction.contact_type_id or "-"
    agent = interaction.agent_id or agent_id or "-"
    return f"{interaction.channel}/{contact_type}/{agent}"


def rate_for(settings_row, channel: str) -> Decimal:
    """The channel's own rate when admins set one, else the default rate."""
    rates: Mapping = settings_row.channel_rates or {}
    if channel in rates:
        return Decimal(str(rates[channel]))
    return Decimal(str(settings_row.rate))


def selected(*, ticket_value: float, rate: Decimal, excluded: str) -> bool:
    return not excluded and ticket_value < float(rate)


@dataclass(frozen=True)
class Facts:
    """What the exclusion rules read about one contact, gathered by the draw service."""

    has_customer: bool
    direction: str
    outcome: str
    answered: bool
    handle_seconds: int
    has_agent: bool  # an agent assigned, or an agent's message in its thread or case
    contact_type_excluded: bool
    reachable: bool  # an e-mail or mobile the customer has not declined surveys on
    declined: bool  # the customer declined surveys on every channel we could reach them on
    in_cooldown: bool
    channel: str = ""  # "" reads the contact as a call (switch facts decide "handled")
    wrapped_up: bool = False


def not_handled(facts: Facts) -> bool:
    """Nobody handled the contact.

    A written contact: nobody at the center took it (not answered, no time spent, no agent, no
    agent's message in its thread or case, no wrap-up); what it was labelled does not matter. A
    call: the switch never saw it answered, no time was spent on it, and it was abandoned, went
    unanswered or reached no agent."""
    if facts.answered or facts.handle_seconds > 0:
        return False
    if facts.channel in WRITTEN_CHANNELS:
        return not (facts.wrapped_up or facts.has_agent)
    return facts.outcome in NOT_HANDLED_OUTCOMES or not facts.has_agent


def exclusion_for(facts: Facts) -> str:
    """The first rule that excludes the contact, or "" when it takes part in the draw."""
    if not facts.has_customer:
        return Exclusion.NO_CUSTOMER
    if facts.direction == Direction.OUTBOUND:
        return Exclusion.OUTBOUND
    if not_handled(facts):
        return Exclusion.NOT_HANDLED
    if facts.contact_type_excluded:
        return Exclusion.CONTACT_TYPE
    if not facts.reachable:
        return Exclusion.NO_CONSENT if facts.declined else Exclusion.NO_ADDRESS
    if facts.in_cooldown:
        return Exclusion.COOLDOWN
    return Exclusion.NONE
