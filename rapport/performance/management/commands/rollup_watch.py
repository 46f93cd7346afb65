"""The rollup clock: enqueue the KPI rollup refresh for the workers to run.

Procfile: `rollups: python manage.py rollup_watch --every 300`. Each run rebuilds stale days and
the days a repeat contact can still change; the first run of each day also rebuilds the offer
and save windows."""

import datetime

from django.utils import timezone

from rapport.core.clock import ClockCommand
from rapport.performance.tasks import refresh_rollups


class Command(ClockCommand):
    help = "Enqueue the KPI rollup refresh every --every seconds until stopped."
    work = "the KPI rollup refresh"
    default_every = 300.0
    last_full: datetime.date | None = None

    def enqueue(self) -> str:
        today = timezone.localdate()
        full = self.last_full != today
        result = refresh_rollups.enqueue(full=full)
        if full:
            self.last_full = today
        return f"{result.id} (full={full})"
