"""Contact points for customers already in Rapport, found by their source and external id."""

import pytest

from rapport.customers.models import ContactPoint
from rapport.customers.tests.factories import ContactPointFactory, CustomerFactory
from rapport.imports.sources.base import Line
from rapport.imports.sources.contact_points import ContactPoints
from rapport.imports.tests.crm_export_lines import (
    context_for,
    job_counts,
    mapped_lines,
    process,
    unmapped_headers,
    whole_job,
)

pytestmark = pytest.mark.django_db

SOURCE = ContactPoints()
FILE = "contact_points_export.csv"


@pytest.fixture
def people():
    return {
        "CP-1": CustomerFactory(
            first_name="Ada", last_name="Okafor", source="import", external_id="CP-1"
        ),
        "CP-2": CustomerFactory(
            first_name="Noor", last_name="Haddad", source="import", external_id="CP-2"
        ),
        "SF": CustomerFactory(source="salesforce", external_id="0035g00000AdOkAAAV"),
    }


def errors_of(people):
    return [
        (
            4,
            "value: E-mail Ada.Work@Example.com already belongs to Ada Okafor "
            f"(customer {people['CP-1'].pk})",
        ),
        (7, "customer_external_id 'CP-9' names no customer from import"),
        (8, "kind 'fax' is not one of: address, e-mail, email, mobile, phone, postal, social, tel"),
        (9, "value is not a valid phone number: '12'"),
    ]


def run(dry_run=False, lines=None):
    return process(SOURCE, lines or mapped_lines(SOURCE, FILE), dry_run=dry_run)


def test_every_column_of_the_export_has_a_field():
    assert unmapped_headers(SOURCE, FILE) == []


def test_points_join_their_customers_and_one_someone_else_has_is_refused(people):
    outcome = run()

    assert outcome.errors == errors_of(people)
    assert (outcome.added, outcome.updated, outcome.unchanged) == (5, 0, 0)
    ada = people["CP-1"]
    assert sorted(
        ada.contact_points.values_list("kind", "value", "normalised", "label", "preferred")
    ) == [
        ("email", "Ada.Work@Example.com", "ada.work@example.com", "work", False),
        ("phone", "(415) 555-0150", "+14155550150", "home", True),
    ]
    noor = people["CP-2"]
    assert sorted(noor.contact_points.values_list("kind", "normalised", "network")) == [
        ("phone", "+14155550151", ""),
        ("social", "noor.h", "instagram"),
    ]
    assert people["SF"].contact_points.get().normalised == "ada.personal@example.com"


def test_the_same_file_twice_changes_nothing_the_second_time(people):
    run()

    again = run()

    assert (again.added, again.updated, again.unchanged) == (0, 0, 5)
    assert again.errors == errors_of(people)
    assert ContactPoint.objects.count() == 5


def test_a_point_the_customer_has_gets_the_new_label(people):
    ContactPointFactory(
        customer=people["CP-2"], kind="phone", value="415.555.0151", normalised="+14155550151"
    )

    outcome = run()

    assert (outcome.added, outcome.updated) == (4, 1)
    point = people["CP-2"].contact_points.get(kind="phone")
    assert (point.value, point.label) == ("415.555.0151", "mobile")
    assert "update phone +1 415 555 0151 of Noor Haddad" in outcome.samples


def test_a_preferred_point_takes_the_mark_from_the_others_of_its_kind(people):
    old = ContactPointFactory(
        customer=people["CP-1"],
        kind="phone",
        value="+1 415 555 0199",
        normalised="+14155550199",
        preferred=True,
    )

    run()

    old.refresh_from_db()
    assert old.preferred is False
    assert old.history.first().preferred is False
    assert people["CP-1"].contact_points.get(normalised="+14155550150").preferred is True


def test_phones_without_a_country_code_are_read_in_the_chosen_region(people):
    lines = [
        Line(
            number=2,
            values={"customer_external_id": "CP-1", "kind": "phone", "value": "020 7946 0958"},
        )
    ]

    outcome = SOURCE.process(lines, context_for(SOURCE, default_region="GB"))

    assert outcome.added == 1
    assert people["CP-1"].contact_points.get().normalised == "+442079460958"


def test_a_dry_run_reports_the_same_and_writes_nothing(people):
    outcome = run(dry_run=True)

    assert outcome.errors == errors_of(people)
    assert (outcome.added, outcome.updated, outcome.unchanged) == (5, 0, 0)
    assert "add email Ada.Work@Example.com of Ada Okafor" in outcome.samples
    assert not ContactPoint.objects.exists()


def test_the_export_through_a_whole_import_job(people, importer, run_tasks):
    summary, job, errors = whole_job(run_tasks, importer, name=FILE, source_type=SOURCE.key)

    assert (summary["added"], summary["failed"]) == (5, 4)
    assert job_counts(job) == (5, 0, 0, 4)
    assert errors == errors_of(people)
    assert ContactPoint.objects.count() == 5
