"""Background work on insights (run by `manage.py db_worker`)."""

import datetime

from django.utils import timezone
from django_tasks import task

from rapport.insights.services import alerts


@task()
def alerts_sweep(hours: int = 24) -> int:
    """Raise the alerts of contacts written without the ledger's signals (imports), in the last
    `hours`; contacts already alerted are left as they are."""
    return alerts.alerts_sweep(since=timezone.now() - datetime.timedelta(hours=hours))
