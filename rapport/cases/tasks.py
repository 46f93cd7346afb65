"""Background work on cases (run by `manage.py db_worker`; enqueued by `manage.py sla_watch`)."""

from django_tasks import task

from rapport.cases import services


@task()
def check_sla() -> dict[str, int]:
    """Warn before SLA clocks run out and record breaches; safe to run as often as wanted."""
    return services.sla_check()
