"""Generic customers and households name the system their file comes from, so two systems' ids
never meet, and a system's customers find its own households."""

from __future__ import annotations

import pytest

from rapport.core.errors import ValidationFailed
from rapport.customers.models import Customer, Household
from rapport.imports.models import ImportJob, ImportRowError
from rapport.imports.services import jobs as job_services
from rapport.imports.services.mappings import options_check
from rapport.imports.sources import source_for
from rapport.imports.tests.factories import csv_upload

pytestmark = pytest.mark.django_db

CUSTOMERS = ["Customer ID", "First Name", "Last Name", "Email", "Household"]
HOUSEHOLDS = ["ID", "Name"]


def imported(importer, run_tasks, source_type, header, rows, **choices) -> ImportJob:
    upload = csv_upload(rows, header=header, name=f"{source_type}.csv")
    job = job_services.job_create(by=importer, upload=upload, source_type=source_type, **choices)
    run_tasks(job_services.job_dry_run, job=job, by=importer)
    run_tasks(job_services.job_run, job=ImportJob.objects.get(pk=job.pk), by=importer)
    return ImportJob.objects.get(pk=job.pk)


def test_the_same_id_from_two_systems_makes_two_customers(importer, run_tasks):
    billing = imported(
        importer, run_tasks, "customers", CUSTOMERS,
        [["1001", "Ada", "Okafor", "ada@billing.example", ""]],
        options={"system": "billing"},
    )  # fmt: skip
    old_crm = imported(
        importer, run_tasks, "customers", CUSTOMERS,
        [["1001", "Bruno", "Silva", "bruno@crm.example", ""]],
        options={"system": "old-crm"},
    )  # fmt: skip

    assert (billing.rows_added, old_crm.rows_added) == (1, 1)
    names = dict(Customer.objects.values_list("source", "first_name"))
    assert names == {"billing": "Ada", "old-crm": "Bruno"}


def test_a_system_s_file_again_changes_nothing_and_a_blank_system_is_import(importer, run_tasks):
    rows = [["7", "Ada", "Okafor", "ada@example.com", ""]]
    imported(importer, run_tasks, "customers", CUSTOMERS, rows, options={"system": "billing"})
    again = imported(
        importer, run_tasks, "customers", CUSTOMERS, rows, options={"system": "billing"}
    )
    blank = imported(importer, run_tasks, "customers", CUSTOMERS, rows, options={"system": ""})

    assert (again.rows_added, again.rows_unchanged) == (0, 1)
    assert blank.options == {"system": "import"}
    # The blank job's row is another system's customer, and its address is already held.
    assert sorted(Customer.objects.values_list("source", flat=True)) == ["billing", "import"]


def test_customers_find_the_households_of_their_own_system_only(importer, run_tasks):
    imported(
        importer, run_tasks, "households", HOUSEHOLDS, [["H1", "The Okafors"]],
        options={"system": "billing"},
    )  # fmt: skip
    row = ["1", "Ada", "Okafor", "ada@example.com", "H1"]
    same = imported(
        importer, run_tasks, "customers", CUSTOMERS, [row], options={"system": "billing"}
    )
    other = imported(
        importer, run_tasks, "customers", CUSTOMERS, [[*row[:3], "ada@other.example", "H1"]],
        options={"system": "old-crm"},
    )  # fmt: skip

    household = Household.objects.get(source="billing", external_id="H1")
    assert Customer.objects.get(source="billing").household == household
    assert (same.rows_added, other.rows_added, other.rows_failed) == (1, 0, 1)
    error = ImportRowError.objects.get(job=other, phase="run")
    assert "no household 'H1' from old-crm" in error.reason


@pytest.mark.parametrize(
    ("system", "problem"),
    [
        ("old crm!", "letters, numbers, underscores or hyphens"),
        ("x" * 33, "at most 32 characters"),
        ("rapport", "choose another"),
        ("Salesforce", "choose another"),
    ],
)
@pytest.mark.parametrize("source_type", ["customers", "households"])
def test_a_system_name_that_cannot_be_used_is_refused_with_a_reason(source_type, system, problem):
    with pytest.raises(ValidationFailed) as refused:
        options_check(source=source_for(source_type), options={"system": system})

    assert problem in " ".join(refused.value.fields["system"])


def test_other_sources_keep_their_own_label_whatever_the_options():
    assert source_for("hubspot_contacts").label_for({"system": "billing"}) == "hubspot"
    assert source_for("customers").label_for({"system": "billing"}) == "billing"
