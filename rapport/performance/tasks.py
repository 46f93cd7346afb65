"""Background work on measures (run by `manage.py db_worker`; enqueued by `manage.py rollup_watch`)."""

from django_tasks import task

from rapport.performance.services import measures


@task()
def refresh_rollups(full: bool = False) -> dict[str, int]:
    """Rebuild the daily rollups that are stale or still changing; safe to run at any time."""
    return measures.rollups_refresh(full=full)
