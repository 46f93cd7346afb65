"""Background work of imports (run by `manage.py db_worker`; `manage.py imports_watch` enqueues
the check for stalled jobs)."""

import logging

from django_tasks import task

from rapport.imports.services import jobs as job_services

logger = logging.getLogger(__name__)


@task()
def run_import_job(job_id: int) -> dict | None:
    """Run the job's dry run or import from its checkpoint. A failure of the job is recorded on
    the job; anything else (the database gone) is logged, and the stalled-job check starts the
    job again later, so the task itself never fails."""
    try:
        job = job_services.job_execute(job_id=job_id)
    except Exception:
        logger.exception("Import job %s could not be run", job_id)
        return None
    return {"job": job.pk, "state": job.state, "rows_seen": job.rows_seen}


@task()
def resume_stalled_imports() -> list[int]:
    """Start again the imports whose worker went away (ids of the jobs enqueued)."""
    return [job.pk for job in job_services.jobs_resume_stalled()]


@task()
def forget_old_import_files() -> list[int]:
    """Delete the files and refused rows' text of imports finished long enough ago (ids)."""
    return job_services.jobs_forget_files()
