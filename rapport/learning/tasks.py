"""Background work on learning (run by `manage.py db_worker`)."""

import datetime
import logging
from collections.abc import Callable

from django.utils import timezone
from django_tasks import task

from rapport.briefings.services import briefings as briefing_services
from rapport.learning.services import assignments as assignment_services
from rapport.learning.services import gaps as gap_services

logger = logging.getLogger(__name__)


def _steps(now: datetime.datetime) -> list[tuple[str, Callable[[], object]]]:
    today = timezone.localdate(now)
    return [
        ("gaps", lambda: gap_services.gap_sweep(today=today)),
        ("paths", lambda: assignment_services.path_assignments(today=today)),
        ("deliveries", lambda: briefing_services.deliveries_sync_all(at=now)),
        ("reminders", lambda: briefing_services.reminders_send(now=now)),
    ]


@task()
def learning_tick() -> dict:
    """One tick of the learning clock: assign from measured gaps and new-hire paths, deliver
    published briefings to everyone now in their audience, and send the reminders due. Every
    step is idempotent, so a late or doubled tick costs work, not correctness.

    The steps do not depend on each other: one that fails is logged and named under "failed",
    and the others still run (a broken gap rule must not stop overdue briefings reaching
    supervisors). The failed one runs again on the next tick."""
    summary: dict = {"failed": []}
    for name, step in _steps(timezone.now()):
        try:
            summary[name] = step()
        except Exception:
            logger.exception("learning tick: the %s step failed", name)
            summary[name] = None
            summary["failed"].append(name)
    return summary
