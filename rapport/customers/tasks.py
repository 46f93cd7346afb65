"""Background work of the customers app (run by `manage.py db_worker`)."""

from django_tasks import task

from rapport.customers import services


@task()
def run_customer_export(export_id: int) -> None:
    services.customer_export_run(export_id=export_id)
