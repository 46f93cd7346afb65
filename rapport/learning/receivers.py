"""Side effects of learning records that other parts of the app should not have to remember.

A module passed (its assignment completed) turns its questions into the agent's review items, so
spaced review starts whichever screen or job completed the assignment. review_items_create is
idempotent: a service that also calls it directly changes nothing."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from rapport.learning.choices import AssignmentStatus
from rapport.learning.models import Assignment
from rapport.learning.services.reviews import review_items_create


@receiver(post_save, sender=Assignment, dispatch_uid="learning_reviews_after_module")
def reviews_after_module(sender, instance: Assignment, raw: bool = False, **kwargs) -> None:
    if raw or instance.status != AssignmentStatus.COMPLETED:
        return
    review_items_create(agent=instance.agent, module=instance.module, at=instance.completed_at)
