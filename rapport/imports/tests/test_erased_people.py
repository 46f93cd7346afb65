"""An erased customer stays erased: importing an old export again refuses their rows, by line,
in the dry run and the run, whichever source names them and however it writes their id."""

import pytest

from rapport.customers.models import Customer
from rapport.customers.services import customer_erase
from rapport.customers.tests.factories import HouseholdFactory
from rapport.imports.engine import ERASED
from rapport.imports.tests.crm_export_lines import job_counts, whole_job

pytestmark = pytest.mark.django_db


def erase(source: str, external_id: str, by) -> None:
    customer_erase(customer=Customer.objects.get(source=source, external_id=external_id), by=by)


def test_a_generic_customer_file_imported_again_leaves_the_erased_person_out(importer, run_tasks):
    HouseholdFactory(source="import", external_id="HH-1")
    whole_job(run_tasks, importer, name="customers_first.csv", source_type="customers")
    before = Customer.objects.count()
    erase("import", "C-001", importer)

    summary, job, errors = whole_job(
        run_tasks, importer, name="customers_first.csv", source_type="customers"
    )

    assert (2, ERASED) in errors
    assert summary["failed"] == job.rows_failed  # the dry run said so first
    assert not Customer.objects.filter(external_id="C-001").exists()
    assert Customer.objects.count() == before  # the erased record, not a new one
    assert job.rows_added == 0


def test_a_salesforce_contact_named_by_its_15_character_id_stays_erased(
    salesforce_owner, importer, run_tasks
):
    accounts = {"name": "salesforce_accounts.csv", "source_type": "salesforce_accounts"}
    contacts = {"name": "salesforce_contacts.csv", "source_type": "salesforce_contacts"}
    whole_job(run_tasks, importer, **accounts)
    whole_job(run_tasks, importer, **contacts)
    erase("salesforce", "0035g00000ChOkAAAV", importer)  # the file says 0035g00000ChOkA

    _, job, errors = whole_job(run_tasks, importer, **contacts)

    assert (4, ERASED) in errors
    assert not Customer.objects.filter(external_id="0035g00000ChOkAAAV").exists()
    assert job_counts(job)[0] == 0  # nothing added: Chidi is not made again


def test_a_hubspot_contact_stays_erased_and_the_others_are_unchanged(importer, run_tasks):
    hubspot = {"name": "hubspot_contacts.csv", "source_type": "hubspot_contacts"}
    _, first, _ = whole_job(run_tasks, importer, **hubspot)
    erase("hubspot", "102", importer)

    _, again, errors = whole_job(run_tasks, importer, **hubspot)

    assert [line for line, reason in errors if reason == ERASED] == [3]
    assert not Customer.objects.filter(source="hubspot", external_id="102").exists()
    assert again.rows_failed == first.rows_failed + 1
    assert again.rows_added == 0
