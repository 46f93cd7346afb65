"""Salesforce Accounts: households for household accounts, organisation customers for business
accounts, idempotent by the 18-character Salesforce Id."""

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapport.customers.models import ContactPoint, Customer, Household
from rapport.imports.sources.salesforce import SalesforceAccounts, sf_id
from rapport.imports.tests.crm_export_lines import (
    job_counts,
    mapped_lines,
    process,
    unmapped_headers,
    whole_job,
)

pytestmark = pytest.mark.django_db

SOURCE = SalesforceAccounts()
FILE = "salesforce_accounts.csv"
ERRORS = [
    (10, "Id is not a Salesforce id (15 or 18 letters and digits): '001BAD'"),
    (11, "BillingCountry is not a country name or two-letter code: 'Atlantis'"),
    (12, "Phone is not a valid phone number: '555-01'"),
]


def run(dry_run=False, lines=None, **options):
    return process(SOURCE, lines or mapped_lines(SOURCE, FILE), dry_run=dry_run, options=options)


def test_every_column_of_the_export_but_created_date_has_a_field():
    assert unmapped_headers(SOURCE, FILE) == ["CreatedDate"]


def test_household_accounts_become_households_and_business_accounts_organisations(salesforce_owner):
    outcome = run()

    assert outcome.errors == ERRORS
    assert (outcome.added, outcome.updated, outcome.unchanged) == (5, 0, 0)
    okafors = Household.objects.get(source="salesforce", external_id="0015g00000HhOkAAAV")
    assert (okafors.name, okafors.address_line1, okafors.address_line2) == (
        "The Okafors",
        "12 Elm Street",
        "Apt 4B",
    )
    assert (okafors.postal_code, okafors.city, okafors.region, okafors.country) == (
        "62704",
        "Springfield",
        "IL",
        "US",
    )
    assert Household.objects.get(name="Rivera Household").country == "US"  # "USA"
    assert Household.objects.filter(name="Chen family").exists()  # no Type: a household
    acme = Customer.objects.get(source="salesforce", external_id="0015g00000BzAcMAAV")
    assert (acme.kind, acme.organisation_name, acme.name_key) == (
        "organisation",
        "Acme Logistics Inc.",
        "acme logistics inc.",
    )
    assert (acme.lifecycle_stage, acme.status, acme.owner) == (
        "Customer - Direct",
        "customer",
        salesforce_owner,
    )
    points = sorted(acme.contact_points.values_list("kind", "normalised", "label"))
    assert points == [
        ("phone", "+14155550132", "work"),
        (
            "postal",
            "500 market st, suite 1200, attn: accounts payable, 94105 san francisco, ca, us",
            "billing",
        ),
    ]
    globex = Customer.objects.get(organisation_name="Globex Partners")
    assert globex.owner is None
    assert (
        "1 row: OwnerId 0055g00000XxUnKAAV has no Rapport account; the account was imported without an owner"
        in outcome.samples
    )


def test_each_record_gets_its_history_row(salesforce_owner):
    run()

    assert Household.history.count() == 3
    assert Customer.history.filter(history_type="+").count() == 2


def test_the_same_file_twice_changes_nothing_the_second_time(salesforce_owner):
    run()

    again = run()

    assert (again.added, again.updated, again.unchanged) == (0, 0, 5)
    assert again.errors == ERRORS
    assert Household.history.count() == 3
    assert Customer.history.count() == 2
    assert ContactPoint.objects.count() == 4


def test_a_changed_cell_updates_that_record_only(salesforce_owner):
    run()
    lines = mapped_lines(SOURCE, FILE)
    moved = dataclasses.replace(lines[1], values=lines[1].values | {"BillingCity": "Salem"})

    outcome = run(lines=[lines[0], moved, *lines[2:]])

    assert (outcome.added, outcome.updated, outcome.unchanged) == (0, 1, 4)
    assert Household.objects.get(name="Rivera Household").city == "Salem"
    assert "update household Rivera Household (salesforce 0015g00000HhRiVAAV)" in outcome.samples


def test_a_dry_run_reports_the_same_and_writes_nothing(salesforce_owner):
    outcome = run(dry_run=True)

    assert outcome.errors == ERRORS
    assert (outcome.added, outcome.updated, outcome.unchanged) == (5, 0, 0)
    assert "add customer Acme Logistics Inc. (salesforce 0015g00000BzAcMAAV)" in outcome.samples
    assert not Household.objects.exists()
    assert not Customer.objects.exists()
    assert not ContactPoint.objects.exists()


def test_accounts_without_a_type_can_be_organisations():
    run(untyped_accounts="organisation")

    assert Customer.objects.get(organisation_name="Chen family").kind == "organisation"
    assert not Household.objects.filter(name="Chen family").exists()


def test_a_repeated_id_keeps_the_later_row():
    lines = mapped_lines(SOURCE, FILE)
    renamed = dataclasses.replace(lines[0], number=40, values=lines[0].values | {"Name": "Okafor"})

    outcome = run(lines=[lines[0], renamed])

    assert (outcome.added, outcome.updated, outcome.unchanged) == (1, 0, 1)
    assert Household.objects.get().name == "Okafor"


@given(
    st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        min_size=15,
        max_size=15,
    )
)
def test_fifteen_character_ids_become_case_safe(short):
    long = sf_id(short, "Id")

    assert long[:15] == short
    assert sf_id(long, "Id") == long
    # Two ids that differ only in case stay different when compared without case.
    swapped = short.swapcase()
    if swapped != short:
        assert sf_id(swapped, "Id").lower() != long.lower()


def test_the_export_through_a_whole_import_job(salesforce_owner, importer, run_tasks):
    summary, job, errors = whole_job(run_tasks, importer, name=FILE, source_type=SOURCE.key)

    assert set(job.mapping) == {field.name for field in SOURCE.fields}
    assert (summary["added"], summary["failed"]) == (5, 3)
    assert job_counts(job) == (5, 0, 0, 3)
    assert errors == ERRORS
    assert Household.objects.get(name="The Okafors").address_line2 == "Apt 4B"
