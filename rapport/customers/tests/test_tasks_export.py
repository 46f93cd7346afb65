"""The export runs in the real worker: the database task backend and `manage.py db_worker`."""

import pytest
from django.core.management import call_command

from rapport.customers import services, tasks
from rapport.customers.models import CustomerExport
from rapport.customers.tests.factories import CustomerFactory


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_writes_a_queued_export(settings, make_user):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    CustomerFactory.create_batch(3, status="customer")
    CustomerFactory(status="prospect")
    export = services.customer_export_request(
        by=make_user("marketer"), query="", filters={"status": "customer"}
    )

    result = tasks.run_customer_export.enqueue(export.pk)
    export.refresh_from_db()
    assert export.status == "queued"  # nothing runs until a worker picks it up

    call_command("db_worker", batch=True, stdout=open("/dev/null", "w"))  # noqa: SIM115

    export.refresh_from_db()
    result.refresh()
    assert result.status == "SUCCESSFUL"
    assert (export.status, export.total, export.done_rows) == ("done", 3, 3)
    assert export.file.read().decode().count("\n") == 4  # header and three rows


@pytest.mark.django_db
def test_running_a_finished_export_again_changes_nothing(make_user):
    export = CustomerExport.objects.create(
        requested_by=make_user("marketer"), status="done", total=7
    )

    again = services.customer_export_run(export_id=export.pk)

    assert (again.status, again.total, again.file.name) == ("done", 7, "")
