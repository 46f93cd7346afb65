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
contacts the switch never saw answered, so labelling a handled contact "abandoned" excludes
nothing.

The same rate applies in every stratum (channel × contact type × agent), so the draw is a
proportionate stratified sample; the stratum is recorded on each Draw so that every stratum's
invitation rate can be checked against the rate.
"""

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from rapport.interactions.choices import Direction, Outcome
from rapport.surveys.choices import Exclusion

NOT_HANDLED_OUTCOMES = frozenset({Outcome.ABANDONED, Outcome.NO_ANSWER})
# 53 bits: as many as a float holds exactly, so a ticket read back from the database is the same.
_TICKET_BITS = 53


def ticket(seed: str, interaction_id: int) -> float:
    """HMAC-SHA256 of the contact's id under the seed, as a uniform number in [0, 1)."""
    digest = hmac.new(seed.encode(), str(int(interaction_id)).encode(), hashlib.sha256).digest()
    return (int.from_bytes(digest[:8], "big") >> (64 - _TICKET_BITS)) / float(1 << _TICKET_BITS)


def stratum_of(interaction) -> str:
    """ "channel/contact_type_id/agent_id", with "-" for what is not known."""
    contact_type = interaction.contact_type_id or "-"
    agent = interaction.agent_id or "-"
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
    has_agent: bool
    contact_type_excluded: bool
    reachable: bool  # an e-mail or mobile the customer has not declined surveys on
    declined: bool  # the customer declined surveys on every channel we could reach them on
    in_cooldown: bool


def not_handled(facts: Facts) -> bool:
    """Nobody handled the contact: the switch never saw it answered, no time was spent on it, and
    it was abandoned, went unanswered or never reached an agent."""
    if facts.answered or facts.handle_seconds > 0:
        return False
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
