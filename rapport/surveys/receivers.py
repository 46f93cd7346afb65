"""Side effects of ledger writes: a wrapped-up contact is drawn for a survey at once.

The draw runs in a savepoint: if it fails, the wrap-up is still recorded and the clock's sweep
draws the contact later (with the same result: the ticket depends on the seed and id only). A
contact whose customer has an earlier contact not ready yet is left to the sweep too
(`draw_services.draw_due`), so the cooldown sees that contact's decision first."""

import logging
from functools import partial

from django.db import transaction

from rapport.interactions.models import Interaction
from rapport.interactions.signals import wrapped_up
from rapport.surveys.choices import InvitationState
from rapport.surveys.services import draw as draw_services
from rapport.surveys.tasks import invitation_send_task

logger = logging.getLogger(__name__)


def on_wrapped_up(sender, interaction: Interaction, by, **kwargs) -> None:
    try:
        with transaction.atomic():
            if not draw_services.draw_due(interaction=interaction):
                return
            decision = draw_services.draw_for(interaction=interaction)
    except Exception:  # the wrap-up must stand; the sweep retries
        logger.exception("Survey draw failed for interaction %s", interaction.pk)
        return
    invitation = getattr(decision, "invitation", None) if decision.selected else None
    if invitation is not None and invitation.state == InvitationState.QUEUED:
        transaction.on_commit(partial(invitation_send_task.enqueue, invitation.pk))


def connect() -> None:
    wrapped_up.connect(on_wrapped_up, dispatch_uid="surveys.draw")
