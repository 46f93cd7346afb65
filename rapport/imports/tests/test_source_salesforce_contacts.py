"""Salesforce Contacts: customers with their contact points, in their Account's household."""

import dataclasses

import pytest

from rapport.customers.models import ContactPoint, Customer, Household
from rapport.customers.tests.factories import CustomerFactory
from rapport.imports.sources.salesforce import SalesforceAccounts, SalesforceContacts
from rapport.imports.tests.crm_export_lines import (
    context_for,
    job_counts,
    mapped_lines,
    process,
    unmapped_headers,
    whole_job,
)

pytestmark = pytest.mark.django_db

SOURCE = SalesforceContacts()
FILE = "salesforce_contacts.csv"
ERRORS = [
    (9, "Email is not a valid e-mail address: 'sam.bad@@example'"),
    (10, "Birthdate is not a date (YYYY-MM-DD): '1990-02-30'"),
    (11, "FirstName/LastName: a person needs a first or last name"),
]
NO_HOUSEHOLD = (
    "2 rows: AccountId is not a household imported from Salesforce (not yet imported, or a "
    "business account); the contact was imported without a household"
)


@pytest.fixture
def accounts(salesforce_owner):
    accounts = SalesforceAccounts()
    accounts.process(mapped_lines(accounts, "salesforce_accounts.csv"), context_for(accounts))


def run(dry_run=False, lines=None):
    return process(SOURCE, lines or mapped_lines(SOURCE, FILE), dry_run=dry_run)


def customer(external_id: str) -> Customer:
    return Customer.objects.get(source="salesforce", external_id=external_id)


def test_every_column_of_the_export_but_title_has_a_field():
    assert unmapped_headers(SOURCE, FILE) == ["Title"]


def test_contacts_become_customers_in_their_accounts_household(accounts, salesforce_owner):
    outcome = run()

    assert outcome.errors == ERRORS
    assert (outcome.added, outcome.updated, outcome.unchanged) == (5, 0, 0)
    ada = customer("0035g00000AdOkAAAV")
    okafors = Household.objects.get(name="The Okafors")
    assert (ada.first_name, ada.last_name, str(ada.date_of_birth)) == (
        "Ada",
        "Okafor",
        "1984-03-12",
    )
    assert (ada.household, ada.owner, ada.name_key) == (okafors, salesforce_owner, "ada okafor")
    assert sorted(ada.contact_points.values_list("kind", "normalised", "label")) == [
        ("email", "ada.okafor@example.com", ""),
        ("phone", "+12175550141", "work"),
        ("phone", "+12175550199", "mobile"),
    ]  # the mailing address is the household's
    li = customer("0035g00000LiUnKAAV")
    assert li.contact_points.get(kind="postal").normalised == "55 pine st, 10005 new york, ny, us"
    # A 15-character AccountId finds the same household as the 18-character one.
    assert customer("0035g00000ChOkAAAV").household == okafors
    maria = customer("0035g00000MaRiVAAV")
    assert (maria.name_key, maria.owner) == ("maria rivera", None)
    assert maria.contact_points.get(kind="email").normalised == "maria.rivera@example.com"
    assert customer("0035g00000JoAcMAAV").household is None  # a business account's contact
    assert customer("0035g00000LiUnKAAV").household is None  # an unknown account
    assert NO_HOUSEHOLD in outcome.samples


def test_a_phone_another_customer_has_stays_with_them(accounts):
    outcome = run()

    chidi = customer("0035g00000ChOkAAAV")
    assert list(chidi.contact_points.values_list("kind", flat=True)) == ["email"]
    assert (
        "1 row: Phone (217) 555-0141 already belongs to Ada Okafor "
        f"(customer {customer('0035g00000AdOkAAAV').pk}); not attached to Chidi Okafor"
    ) in outcome.samples


def test_the_same_file_twice_changes_nothing_the_second_time(accounts):
    run()
    points = ContactPoint.objects.count()

    again = run()

    assert (again.added, again.updated, again.unchanged) == (0, 0, 5)
    assert again.errors == ERRORS
    assert ContactPoint.objects.count() == points
    assert Customer.history.filter(source="salesforce", kind="person").count() == 5


def test_a_new_email_updates_the_customer_and_keeps_the_old_one(accounts):
    run()
    lines = mapped_lines(SOURCE, FILE)
    changed = dataclasses.replace(
        lines[0], values=lines[0].values | {"Email": "ada@okafor.example"}
    )

    outcome = run(lines=[changed])

    assert (outcome.added, outcome.updated, outcome.unchanged) == (0, 1, 0)
    emails = customer("0035g00000AdOkAAAV").contact_points.filter(kind="email")
    assert sorted(emails.values_list("normalised", flat=True)) == [
        "ada.okafor@example.com",
        "ada@okafor.example",
    ]


def test_a_renamed_contact_gets_new_search_keys_and_a_history_row(accounts):
    run()
    lines = mapped_lines(SOURCE, FILE)
    renamed = dataclasses.replace(lines[0], values=lines[0].values | {"LastName": "Okafor-Núñez"})

    run(lines=[renamed])

    ada = customer("0035g00000AdOkAAAV")
    assert (ada.surname_key, ada.history.count()) == ("okafor-nunez ada", 2)


def test_a_dry_run_reports_the_same_and_writes_nothing(accounts):
    before = (Customer.objects.count(), ContactPoint.objects.count())

    outcome = run(dry_run=True)

    assert outcome.errors == ERRORS
    assert (outcome.added, outcome.updated, outcome.unchanged) == (5, 0, 0)
    assert NO_HOUSEHOLD in outcome.samples
    assert "add customer María Rivera (salesforce 0035g00000MaRiVAAV)" in outcome.samples
    assert (Customer.objects.count(), ContactPoint.objects.count()) == before


def test_without_the_accounts_contacts_come_without_households():
    outcome = run()

    assert outcome.added == 5
    assert not Customer.objects.filter(household__isnull=False).exists()
    assert outcome.samples[0].startswith("5 rows: AccountId is not a household")


def test_a_row_about_a_merged_customer_fills_only_what_the_survivor_lacks(
    accounts, salesforce_owner
):
    """The merged record is never written; the row goes to its survivor as the merge went
    (empty fields filled, contact points added, the survivor's own values kept), and the same
    file again changes nothing."""
    run()
    merged = customer("0035g00000AdOkAAAV")
    survivor = CustomerFactory(first_name="Adaeze", last_name="Okafor")
    merged.contact_points.update(customer=survivor)  # a merge moves them
    Customer.objects.filter(pk=merged.pk).update(merged_into=survivor)
    lines = mapped_lines(SOURCE, FILE)
    row = lines[0].values | {"FirstName": "Ada-Renamed", "HomePhone": "(217) 555-0100"}

    first = run(lines=[dataclasses.replace(lines[0], values=row)])
    again = run(lines=[dataclasses.replace(lines[0], values=row)])

    assert (first.added, first.updated, first.unchanged) == (0, 1, 0)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 1)
    assert first.samples[0].startswith("1 row: the customer was merged in Rapport")
    survivor.refresh_from_db()
    assert (survivor.first_name, survivor.date_of_birth.isoformat()) == ("Adaeze", "1984-03-12")
    assert (survivor.household.name, survivor.owner) == ("The Okafors", salesforce_owner)
    assert survivor.contact_points.filter(normalised="+12175550100", label="home").exists()
    assert customer("0035g00000AdOkAAAV").first_name == "Ada"
    assert merged.history.count() == 1


def test_the_exports_through_whole_import_jobs(salesforce_owner, importer, run_tasks):
    whole_job(
        run_tasks, importer, name="salesforce_accounts.csv", source_type="salesforce_accounts"
    )

    summary, job, errors = whole_job(run_tasks, importer, name=FILE, source_type=SOURCE.key)

    assert job.encoding in ("utf-8-sig", "utf-8")  # the file starts with a byte order mark
    assert job.mapping["Id"] == "Id"  # not "\ufeffId"
    assert (summary["added"], summary["failed"]) == (5, 3)
    assert job_counts(job) == (5, 0, 0, 3)
    assert errors == ERRORS
    assert customer("0035g00000ChOkAAAV").household.name == "The Okafors"
