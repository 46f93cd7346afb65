"""The clock process: enqueue the SLA check (warnings and breaches) for the workers to run.

Procfile: `clock: python manage.py sla_watch --every 60`."""

from rapport.cases.tasks import check_sla
from rapport.core.clock import ClockCommand


class Command(ClockCommand):
    help = "Enqueue the SLA check (warnings and breaches) every --every seconds until stopped."
    work = "the SLA check"
    default_every = 60.0

    def enqueue(self) -> str:
        return str(check_sla.enqueue().id)
