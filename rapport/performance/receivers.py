"""Side effects of ledger, survey and text-scoring writes: mark rolled-up days stale, credit
customers' compliments to agents."""

import logging

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from rapport.insights.choices import Intent
from rapport.insights.models import InteractionSignal
from rapport.insights.signals import interaction_scored
from rapport.interactions.models import Interaction
from rapport.interactions.signals import ledger_changed, wrapped_up
from rapport.performance import rollups
from rapport.performance.services import recognition
from rapport.surveys.models import Invitation
from rapport.surveys.signals import survey_answered

logger = logging.getLogger(__name__)

# A top score with a clearly positive comment is praise even when no compliment phrase matched.
TOP_CSAT, PRAISE_SENTIMENT = 5, 0.5


def on_interaction_saved(sender, instance: Interaction, **kwargs) -> None:
    rollups.days_mark_dirty([rollups.local_day(instance.started_at)])


def on_ledger_changed(sender, days, **kwargs) -> None:
    rollups.days_mark_dirty(days)


def on_wrapped_up(sender, interaction: Interaction, by, **kwargs) -> None:
    if interaction.compliment_received and interaction.agent_id:
        recognition.compliment_credit(interaction=interaction)


def on_invitation_saved(sender, instance: Invitation, **kwargs) -> None:
    # Invitations count on the surveyed contact's day, however long after it they are sent.
    started = (
        Interaction.objects.filter(pk=instance.interaction_id)
        .values_list("started_at", flat=True)
        .first()
    )
    if started is not None:
        rollups.days_mark_dirty([rollups.local_day(started)])


def is_compliment(response) -> bool:
    """Whether a survey answer compliments the contact: the compliment intent was found in the
    comment, or a top CSAT came with a clearly positive comment."""
    if Intent.COMPLIMENT in (response.intents or []):
        return True
    return (
        response.csat == TOP_CSAT
        and bool((response.verbatim or "").strip())
        and response.sentiment is not None
        and response.sentiment >= PRAISE_SENTIMENT
    )


def on_survey_answered(sender, response, **kwargs) -> None:
    # A failure here must not cost the customer their answer (this runs inside its transaction):
    # it is logged, and `rollups_rebuild --days N` recounts the day.
    try:
        with transaction.atomic():
            _credit_answer(response)
    except Exception:
        logger.exception("Crediting survey answer %s failed", response.pk)


def _credit_answer(response) -> None:
    interaction = response.interaction
    # Figures are credited to the surveyed contact's day, which may be long past.
    rollups.days_mark_dirty([rollups.local_day(interaction.started_at)])
    if interaction.agent_id and is_compliment(response):
        recognition.compliment_credit(interaction=interaction, source="survey")


def on_interaction_scored(sender, interaction_signal: InteractionSignal, **kwargs) -> None:
    """A compliment found in the customer's words on a contact (scored or rescored)."""
    interaction = interaction_signal.interaction
    if Intent.COMPLIMENT not in (interaction_signal.intents or []) or not interaction.agent_id:
        return
    if recognition.compliment_credit(interaction=interaction, source="conversation"):
        # The contact now counts as complimented in its day's rollup.
        rollups.days_mark_dirty([rollups.local_day(interaction.started_at)])


def connect() -> None:
    post_save.connect(on_interaction_saved, sender=Interaction, dispatch_uid="performance.dirty")
    post_delete.connect(
        on_interaction_saved, sender=Interaction, dispatch_uid="performance.dirty_delete"
    )
    ledger_changed.connect(on_ledger_changed, dispatch_uid="performance.ledger_changed")
    wrapped_up.connect(on_wrapped_up, dispatch_uid="performance.compliment")
    post_save.connect(on_invitation_saved, sender=Invitation, dispatch_uid="performance.invited")
    survey_answered.connect(on_survey_answered, dispatch_uid="performance.survey_answered")
    interaction_scored.connect(on_interaction_scored, dispatch_uid="performance.scored")
