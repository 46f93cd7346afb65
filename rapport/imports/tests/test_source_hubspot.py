"""HubSpot contacts: one customer per e-mail, owners by name or e-mail, stages to statuses."""

import dataclasses

import pytest

from rapport.accounts.tests.factories import UserFactory
from rapport.customers.models import ContactPoint, Customer
from rapport.customers.tests.factories import ContactPointFactory, CustomerFactory
from rapport.imports.sources.base import Line
from rapport.imports.sources.hubspot import HubspotContacts
from rapport.imports.tests.crm_export_lines import (
    job_counts,
    mapped_lines,
    process,
    unmapped_headers,
    whole_job,
)

pytestmark = pytest.mark.django_db

SOURCE = HubspotContacts()
FILE = "hubspot_contacts.csv"
ERRORS = [
    (6, "First Name, Last Name and Email are all empty: a contact needs one"),
    (7, "Email is not a valid e-mail address: 'bad@'"),
]


@pytest.fixture
def dana():
    return UserFactory(first_name="Dana", last_name="Lee", email="dana.lee@rapport.example")


@pytest.fixture
def ada():
    """A customer another import brought in, with the e-mail HubSpot's contact 104 has."""
    customer = CustomerFactory(
        first_name="Ada",
        last_name="Okafor",
        status="prospect",
        source="salesforce",
        external_id="0035g00000AdOkAAAV",
    )
    ContactPointFactory(customer=customer, kind="email", value="ada.okafor@example.com")
    return customer


def run(dry_run=False, lines=None):
    return process(SOURCE, lines or mapped_lines(SOURCE, FILE), dry_run=dry_run)


def hubspot(record_id: str) -> Customer:
    return Customer.objects.get(source="hubspot", external_id=record_id)


def line(number: int, **values: str) -> Line:
    return Line(number=number, values=values)


def test_every_column_but_create_date_and_company_has_a_field():
    assert unmapped_headers(SOURCE, FILE) == ["Create Date", "Company Name"]


def test_contacts_become_one_customer_per_email(dana, ada):
    outcome = run()

    assert outcome.errors == ERRORS
    assert (outcome.added, outcome.updated, outcome.unchanged) == (4, 1, 1)
    grace = hubspot("101")
    assert not Customer.objects.filter(external_id="103").exists()
    assert ContactPoint.objects.filter(normalised="grace@navy.example").get().customer == grace
    assert (grace.lifecycle_stage, grace.status, grace.owner) == (
        "Marketing Qualified Lead",
        "prospect",
        dana,
    )
    assert sorted(grace.contact_points.filter(kind="phone").values_list("normalised", "label")) == [
        ("+12025550101", "work"),
        ("+12025550188", "mobile"),
    ]
    alan = hubspot("102")
    assert (alan.status, alan.owner, alan.name_key) == ("customer", dana, "alan turing")
    lin = hubspot("107")
    assert (lin.lifecycle_stage, lin.status, lin.owner) == ("Other", "prospect", None)
    assert hubspot("108").status == "prospect"
    assert outcome.samples[:3] == [
        "1 row: another row of the file has the same e-mail or Record ID; the last was used",
        "1 row: matched by e-mail to an existing customer, who keeps their own id",
        "1 row: Contact owner Pat Unknown is no Rapport user; imported without an owner",
    ]


def test_a_customer_found_by_email_is_updated_and_keeps_its_own_id(dana, ada):
    run()

    ada.refresh_from_db()
    assert (ada.source, ada.external_id) == ("salesforce", "0035g00000AdOkAAAV")
    assert (ada.lifecycle_stage, ada.status) == ("Evangelist", "customer")
    assert not Customer.objects.filter(source="hubspot", external_id="104").exists()
    assert ada.history.count() == 2


def test_the_same_file_twice_changes_nothing_the_second_time(dana, ada):
    run()
    customers = Customer.objects.count()

    again = run()

    assert (again.added, again.updated, again.unchanged) == (0, 0, 6)
    assert again.errors == ERRORS
    assert Customer.objects.count() == customers


def test_a_later_file_with_a_known_email_updates_that_customer(dana, ada):
    run()

    outcome = run(
        lines=[line(2, record_id="999", email="Grace@Navy.example", lifecycle_stage="customer")]
    )

    assert (outcome.added, outcome.updated, outcome.unchanged) == (0, 1, 0)
    assert not Customer.objects.filter(external_id="999").exists()
    assert hubspot("101").status == "customer"


def test_a_stage_that_is_no_status_keeps_the_status(dana, ada):
    run()

    run(lines=[line(2, record_id="104", email="ada.okafor@example.com", lifecycle_stage="Other")])

    ada.refresh_from_db()
    assert (ada.lifecycle_stage, ada.status) == ("Other", "customer")


def test_a_contact_with_only_an_email_is_named_after_it():
    run(lines=[line(2, record_id="120", email="Solo.Person@example.com")])

    assert hubspot("120").last_name == "solo.person"


def test_a_dry_run_reports_the_same_and_writes_nothing(dana, ada):
    outcome = run(dry_run=True)

    assert outcome.errors == ERRORS
    assert (outcome.added, outcome.updated, outcome.unchanged) == (4, 1, 1)
    assert "add customer Grace Hopper (hubspot 101)" in outcome.samples
    assert Customer.objects.get() == ada
    ada.refresh_from_db()
    assert ada.lifecycle_stage == ""
    assert ContactPoint.objects.count() == 1


def test_rows_sharing_a_record_id_with_other_emails_are_one_customer():
    lines = mapped_lines(SOURCE, FILE)
    moved = dataclasses.replace(
        lines[0], number=30, values=lines[0].values | {"email": "g@h.example"}
    )

    outcome = run(lines=[lines[0], moved])

    assert (outcome.added, outcome.unchanged) == (1, 1)
    assert sorted(
        hubspot("101").contact_points.filter(kind="email").values_list("normalised", flat=True)
    ) == [
        "g@h.example",
        "grace@navy.example",
    ]


def test_the_export_through_a_whole_import_job(dana, ada, importer, run_tasks):
    summary, job, errors = whole_job(run_tasks, importer, name=FILE, source_type=SOURCE.key)

    assert (summary["added"], summary["updated"], summary["unchanged"]) == (4, 1, 1)
    assert job_counts(job) == (4, 1, 1, 2)
    assert errors == ERRORS
    assert Customer.objects.filter(contact_points__normalised="grace@navy.example").count() == 1
