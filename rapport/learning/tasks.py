"""Background work on learning (run by `manage.py db_worker`)."""

from django.utils import timezone
from django_tasks import task

from rapport.briefings.services import briefings as briefing_services
from rapport.learning.services import assignments as assignment_services
from rapport.learning.services import gaps as gap_services


@task()
def learning_tick() -> dict:
    """One tick of the learning clock: assign from measured gaps and new-hire paths, deliver
    published briefings to everyone now in their audience, and send the reminders due. Every
    step is idempotent, so a late or doubled tick costs work, not correctness."""
    now = timezone.now()
    today = timezone.localdate(now)
    return {
        "gaps": gap_services.gap_sweep(today=today),
        "paths": assignment_services.path_assignments(today=today),
        "deliveries": briefing_services.deliveries_sync_all(at=now),
        "reminders": briefing_services.reminders_send(now=now),
    }
