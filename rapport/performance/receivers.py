"""Side effects of ledger writes: mark rolled-up days stale, credit customers' compliments."""

from django.db.models.signals import post_delete, post_save

from rapport.interactions.models import Interaction
from rapport.interactions.signals import ledger_changed, wrapped_up
from rapport.performance import rollups
from rapport.performance.services import recognition


def on_interaction_saved(sender, instance: Interaction, **kwargs) -> None:
    rollups.days_mark_dirty([rollups.local_day(instance.started_at)])


def on_ledger_changed(sender, days, **kwargs) -> None:
    rollups.days_mark_dirty(days)


def on_wrapped_up(sender, interaction: Interaction, by, **kwargs) -> None:
    if interaction.compliment_received and interaction.agent_id:
        recognition.compliment_credit(interaction=interaction)


def connect() -> None:
    post_save.connect(on_interaction_saved, sender=Interaction, dispatch_uid="performance.dirty")
    post_delete.connect(
        on_interaction_saved, sender=Interaction, dispatch_uid="performance.dirty_delete"
    )
    ledger_changed.connect(on_ledger_changed, dispatch_uid="performance.ledger_changed")
    wrapped_up.connect(on_wrapped_up, dispatch_uid="performance.compliment")
