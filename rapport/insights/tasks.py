"""Background work on insights (run by `manage.py db_worker`)."""

import datetime

from django.utils import timezone
from django_tasks import task

from rapport.insights.services import alerts


@task()
def alerts_sweep(hours: int = 24, unwrapped_only: bool = False) -> int:
    """Raise the alerts of contacts written without the ledger's signals, started in the last
    `hours`: bulk imports (enqueued when they commit) and phone calls, which the switch records
    with no signal until wrap-up (enqueued by the `survey_watch` clock every tick with a short
    look-back). Replay-safe: an alert only gains reasons it does not have yet."""
    since = timezone.now() - datetime.timedelta(hours=hours)
    return alerts.alerts_sweep(since=since, unwrapped_only=unwrapped_only)
