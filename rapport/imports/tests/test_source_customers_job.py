"""The customers source through a whole import job: upload, suggested mapping, dry run, run,
and the same file again."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from rapport.customers.models import ContactPoint, Customer
from rapport.customers.tests.factories import HouseholdFactory
from rapport.imports.models import ImportJob, ImportRowError
from rapport.imports.services import jobs as job_services

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


def upload(name: str) -> ContentFile:
    return ContentFile((FIXTURES / name).read_bytes(), name=name)


def imported(importer, run_tasks, name: str, **choices) -> ImportJob:
    job = job_services.job_create(
        by=importer, upload=upload(name), source_type="customers", **choices
    )
    run_tasks(job_services.job_dry_run, job=job, by=importer)
    job.refresh_from_db()
    assert job.state == "checked", job.failure
    run_tasks(job_services.job_run, job=job, by=importer)
    job.refresh_from_db()
    return job


def counts(job: ImportJob) -> tuple[int, int, int, int]:
    return (job.rows_added, job.rows_updated, job.rows_unchanged, job.rows_failed)


def test_a_crm_export_is_mapped_by_its_headers_and_imported(importer, run_tasks):
    HouseholdFactory(name="The Okafors", source="import", external_id="HH-1")

    job = job_services.job_create(
        by=importer,
        upload=upload("customers_crm_export.csv"),
        source_type="customers",
        date_format="dmy",
        default_region="GB",
    )

    assert job.mapping == {
        "external_id": "Customer ID",
        "first_name": "First Name",
        "last_name": "Surname",
        "organisation_name": "Company",
        "email": "E-mail",
        "phone": "Telephone",
        "mobile": "Mobile Phone",
        "date_of_birth": "DOB",
        "value_tier": "Tier",
        "household_external_id": "Household",
    }
    run_tasks(job_services.job_dry_run, job=job, by=importer)
    job.refresh_from_db()
    assert job.dry_run_summary["added"] == 2 and job.dry_run_summary["failed"] == 2
    assert not Customer.objects.exists()

    run_tasks(job_services.job_run, job=job, by=importer)
    job.refresh_from_db()

    assert job.state == "done"
    assert counts(job) == (2, 0, 0, 2)
    ada = Customer.objects.get(source="import", external_id="K-1")
    assert (str(ada.date_of_birth), ada.value_tier, ada.household.name) == (
        "1985-03-02",
        "gold",
        "The Okafors",
    )
    assert ContactPoint.objects.get(customer=ada, kind="phone").normalised == "+442079460018"
    assert Customer.objects.get(external_id="K-2").kind == "organisation"
    errors = dict(job.row_errors.filter(phase="run").values_list("line", "reason"))
    assert errors == {
        4: "email is not a valid e-mail address: 'ben@example'",
        5: "household_external_id: no household 'HH-9' from import; import the households first",
    }


def test_the_same_file_twice_adds_once_and_then_changes_nothing(importer, run_tasks):
    HouseholdFactory(name="The Okafors", source="import", external_id="HH-1")
    first = imported(importer, run_tasks, "customers_first.csv")
    history = (Customer.history.count(), ContactPoint.history.count())

    again = imported(importer, run_tasks, "customers_first.csv")
    changed = imported(importer, run_tasks, "customers_changed.csv")

    assert (first.state, again.state, changed.state) == ("done", "done", "done")
    assert counts(first) == (7, 0, 0, 0)
    assert counts(again) == (0, 0, 7, 0)
    assert counts(changed) == (0, 3, 4, 0)
    assert Customer.objects.filter(source="import").count() == 7
    assert Customer.history.count() == history[0] + 2
    assert ContactPoint.history.count() == history[1] + 1
    assert not ImportRowError.objects.exists()
