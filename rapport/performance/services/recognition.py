"""Recognition: compliments from customers and kudos from colleagues, credited to agents."""

import unicodedata

from django.db import IntegrityError, transaction

from rapport.accounts.models import User
from rapport.core.audit import audit_record
from rapport.core.errors import PermissionDenied, ValidationFailed
from rapport.core.roles import Role, roles_of
from rapport.interactions.models import Interaction
from rapport.performance.choices import KudosKind
from rapport.performance.models import Kudos

# Where a customer's compliment was found, as the agent reads it on the kudos.
COMPLIMENT_SOURCES = {
    "wrap_up": "recorded at wrap-up",
    "survey": "in the customer's survey answer",
    "conversation": "in the customer's own words in the conversation",
}


def compliment_credit(*, interaction: Interaction, source: str = "wrap_up") -> Kudos | None:
    """Credit a customer's compliment on a contact to its agent, once per contact whichever of
    wrap-up, the survey or the conversation found it first (a database constraint keeps it so).

    The message says where it came from and never quotes or names the customer.
    """
    if source not in COMPLIMENT_SOURCES:
        raise ValueError(f"unknown compliment source {source!r}")
    if interaction.agent_id is None:
        return None
    if source == "wrap_up" and not interaction.compliment_received:
        return None
    existing = Kudos.objects.filter(interaction=interaction, kind=KudosKind.COMPLIMENT).first()
    if existing is not None:
        return existing
    channel = interaction.get_channel_display().lower()
    try:
        with transaction.atomic():
            kudos = Kudos.objects.create(
                agent_id=interaction.agent_id,
                kind=KudosKind.COMPLIMENT,
                interaction=interaction,
                message=f"A customer paid a compliment on a {channel} contact "
                f"({COMPLIMENT_SOURCES[source]}).",
            )
    except IntegrityError:  # credited concurrently from another source
        return Kudos.objects.filter(interaction=interaction, kind=KudosKind.COMPLIMENT).first()
    audit_record(
        actor=None,
        action="performance.compliment_credited",
        target=kudos,
        detail={"interaction": interaction.pk, "agent": interaction.agent_id, "source": source},
    )
    return kudos


MESSAGE_MIN, MESSAGE_MAX = 3, 500


def _message(text: str) -> str:
    """The message as people read it: NFC, no control characters, runs of spaces made one."""
    cleaned = unicodedata.normalize("NFC", text or "")
    cleaned = "".join(ch for ch in cleaned if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    cleaned = "\n".join(" ".join(line.split()) for line in cleaned.strip().splitlines())
    if len(cleaned) < MESSAGE_MIN:
        raise ValidationFailed(
            "Say what they did well (at least 3 characters).",
            fields={"message": [f"At least {MESSAGE_MIN} characters."]},
        )
    if len(cleaned) > MESSAGE_MAX:
        raise ValidationFailed(
            f"Keep it under {MESSAGE_MAX} characters.",
            fields={"message": [f"At most {MESSAGE_MAX} characters."]},
        )
    return cleaned


@transaction.atomic
def kudos_give(
    *, by: User, agent: User, message: str, interaction: Interaction | None = None
) -> Kudos:
    """Kudos from a colleague (any staff member) to an active agent, never to oneself."""
    if not roles_of(by):
        raise PermissionDenied("Only staff can give kudos.")
    if agent.pk == by.pk:
        raise ValidationFailed(
            "Kudos are for someone else's good work.",
            fields={"agent": ["You cannot give kudos to yourself."]},
        )
    if not agent.is_active or Role.AGENT not in roles_of(agent):
        raise ValidationFailed(
            "Kudos go to active agents.", fields={"agent": ["Not an active agent."]}
        )
    if interaction is not None and interaction.agent_id != agent.pk:
        raise ValidationFailed(
            "That contact was not handled by this agent.",
            fields={"interaction": ["Not a contact of this agent."]},
        )
    kudos = Kudos.objects.create(
        agent=agent,
        given_by=by,
        kind=KudosKind.KUDOS,
        message=_message(message),
        interaction=interaction,
    )
    audit_record(
        actor=by,
        action="performance.kudos_given",
        target=kudos,
        detail={"agent": agent.pk, "interaction": interaction.pk if interaction else None},
    )
    return kudos
