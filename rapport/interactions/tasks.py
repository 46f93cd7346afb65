"""Background work of the ledger (run by `manage.py db_worker`)."""

from django_tasks import task

from rapport.interactions import call_records


@task()
def run_call_record_import(import_id: int) -> None:
    call_records.call_records_run(import_id=import_id)
