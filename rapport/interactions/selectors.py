"""Reads of the ledger, scoped to the asking user: people who serve customers read what was said;
marketers, trainers and executives work from aggregates elsewhere."""

from django.db.models import Prefetch, Q, QuerySet

from rapport.core.errors import NotFound
from rapport.core.roles import CALL_RECORD_IMPORTERS, CONVERSATION_READERS, has_any_role
from rapport.interactions.models import (
    Attachment,
    CallRecordImport,
    Interaction,
    Message,
    RejectedInbound,
    ScreenPop,
)

TIMELINE_LENGTH = 20


def can_read_interactions(user) -> bool:
    return has_any_role(user, CONVERSATION_READERS)


def interactions_for(*, user) -> QuerySet[Interaction]:
    if not can_read_interactions(user):
        return Interaction.objects.none()
    return Interaction.objects.select_related(
        "customer", "agent", "contact_type", "queue", "case"
    ).filter(Q(customer__isnull=True) | Q(customer__erased_at__isnull=True))


def interaction_get_for(*, user, interaction_id) -> Interaction:
    try:
        return interactions_for(user=user).get(pk=interaction_id)
    except (Interaction.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such interaction.") from None


def messages_of(*, interaction: Interaction) -> QuerySet[Message]:
    return interaction.messages.select_related("author").prefetch_related("attachments")


def attachment_get_for(*, user, interaction_id, attachment_id) -> Attachment:
    """An attachment of an interaction the user may read, reached through that interaction only."""
    interaction = interaction_get_for(user=user, interaction_id=interaction_id)
    try:
        return Attachment.objects.get(pk=attachment_id, message__interaction=interaction)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such attachment.") from None


def customer_timeline_for(*, user, customer, limit: int = TIMELINE_LENGTH) -> QuerySet[Interaction]:
    """The customer's contacts on every channel, newest first; `[:limit]` of an index scan."""
    return (
        interactions_for(user=user).filter(customer=customer).order_by("-started_at", "-id")[:limit]
    )


def case_interactions_for(*, user, case) -> QuerySet[Interaction]:
    """Every contact in a case, oldest first, with what each side said."""
    return (
        interactions_for(user=user)
        .filter(case=case)
        .order_by("started_at", "id")
        .prefetch_related(
            Prefetch(
                "messages",
                queryset=Message.objects.select_related("author").prefetch_related("attachments"),
            )
        )
    )


def screen_pop_latest_for(*, agent, after_id: int = 0) -> ScreenPop | None:
    """The newest call offered to this agent after the one their desktop already shows."""
    return (
        ScreenPop.objects.filter(agent=agent, id__gt=after_id)
        .select_related("interaction__customer")
        .order_by("-id")
        .first()
    )


def can_import_call_records(user) -> bool:
    return has_any_role(user, CALL_RECORD_IMPORTERS)


def call_record_imports_for(*, user) -> QuerySet[CallRecordImport]:
    if not can_import_call_records(user):
        return CallRecordImport.objects.none()
    return CallRecordImport.objects.select_related("uploaded_by")


def call_record_import_get_for(*, user, import_id) -> CallRecordImport:
    try:
        return call_record_imports_for(user=user).get(pk=import_id)
    except (CallRecordImport.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such import.") from None


def rejected_inbound_for(*, user) -> QuerySet[RejectedInbound]:
    if not has_any_role(user, {"admin"}):
        return RejectedInbound.objects.none()
    return RejectedInbound.objects.all()
