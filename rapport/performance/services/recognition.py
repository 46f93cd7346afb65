"""Recognition: compliments from customers and kudos from colleagues, credited to agents."""

from django.db import IntegrityError, transaction

from rapport.interactions.models import Interaction
from rapport.performance.choices import KudosKind
from rapport.performance.models import Kudos


def compliment_credit(*, interaction: Interaction) -> Kudos | None:
    """Credit the compliment recorded at wrap-up to the agent, once per contact."""
    if not interaction.compliment_received or interaction.agent_id is None:
        return None
    existing = Kudos.objects.filter(interaction=interaction, kind=KudosKind.COMPLIMENT).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Kudos.objects.create(
                agent_id=interaction.agent_id,
                kind=KudosKind.COMPLIMENT,
                interaction=interaction,
                message=f"A customer paid a compliment on a {interaction.get_channel_display().lower()} contact.",
            )
    except IntegrityError:  # a concurrent wrap-up credited it first
        return Kudos.objects.filter(interaction=interaction, kind=KudosKind.COMPLIMENT).first()
