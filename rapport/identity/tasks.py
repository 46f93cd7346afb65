"""Background work of identity resolution (run by `manage.py db_worker`)."""

from django_tasks import task

from rapport.identity.services import runs


@task()
def run_match(run_id: int) -> None:
    """One batch search for duplicates; its progress and any failure are kept on the run."""
    runs.run_execute(run_id=run_id)
