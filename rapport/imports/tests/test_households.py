"""The households source: rows checked field by field, written idempotently by (source,
external_id), with history rows; dry runs count without writing."""

import pytest

from rapport.customers.models import Household
from rapport.customers.tests.factories import HouseholdFactory
from rapport.imports.sources import source_for
from rapport.imports.sources.base import Context, Line

pytestmark = pytest.mark.django_db


def line(number: int, **values: str) -> Line:
    base = {"external_id": f"H{number}", "name": f"The Family {number}"}
    return Line(number=number, values={**base, **values})


def context(**changes) -> Context:
    return Context(job_id=7, source_label="import", **changes)


@pytest.fixture
def source():
    return source_for("households")


def test_the_source_is_registered_with_its_fields(source):
    assert (source.key, source.label) == ("households", "Households")
    assert [field.name for field in source.fields if field.required] == ["external_id", "name"]
    assert [field.name for field in source.fields] == [
        "external_id",
        "name",
        "address_line1",
        "address_line2",
        "postal_code",
        "city",
        "region",
        "country",
    ]


def test_new_rows_are_added_with_their_address_and_a_history_row(source):
    outcome = source.process(
        [line(2, address_line1="1 Elm St", postal_code="02139", city="Cambridge", country="gb")],
        context(),
    )

    assert (outcome.added, outcome.updated, outcome.unchanged, outcome.errors) == (1, 0, 0, [])
    household = Household.objects.get(source="import", external_id="H2")
    assert (household.name, household.city, household.country) == (
        "The Family 2",
        "Cambridge",
        "GB",
    )
    assert household.history.get().history_change_reason == "import job 7"
    assert outcome.samples == ["add household The Family 2 (H2)"]


def test_the_same_rows_again_change_nothing(source):
    rows = [line(2, city="Leeds"), line(3)]
    source.process(rows, context())

    again = source.process(rows, context())

    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    assert Household.history.count() == 2


def test_a_changed_row_updates_only_its_household_and_says_what_changed(source):
    source.process([line(2, city="Leeds"), line(3)], context())

    outcome = source.process([line(2, city="York", region="North"), line(3)], context())

    assert (outcome.added, outcome.updated, outcome.unchanged) == (0, 1, 1)
    assert Household.objects.get(external_id="H2").city == "York"
    assert outcome.samples == ["update household The Family 2 (H2): city, region"]
    assert Household.objects.get(external_id="H2").history.count() == 2


def test_a_household_of_another_source_is_not_touched(source):
    HouseholdFactory(source="crm", external_id="H2", name="Other")

    outcome = source.process([line(2)], context())

    assert outcome.added == 1
    assert Household.objects.get(source="crm").name == "Other"


def test_a_repeated_id_in_a_batch_is_written_once_and_the_later_row_wins(source):
    outcome = source.process([line(2, city="First"), line(3), line(2, city="Second")], context())

    assert (outcome.added, outcome.unchanged) == (2, 1)
    assert Household.objects.get(external_id="H2").city == "Second"


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"external_id": " "}, "external_id is missing"),
        ({"name": ""}, "name is missing"),
        ({"country": "USA"}, "country must be a two-letter code such as US or GB: 'USA'"),
        ({"country": "1A"}, "country must be a two-letter code such as US or GB: '1A'"),
        ({"postal_code": "9" * 21}, "postal_code is longer than 20 characters"),
        ({"external_id": "x" * 101}, "external_id is longer than 100 characters"),
    ],
)
def test_bad_rows_are_reported_by_line_and_the_good_ones_written(source, values, reason):
    outcome = source.process([line(2), line(3, **values)], context())

    assert outcome.errors == [(3, reason)]
    assert (outcome.added, Household.objects.count()) == (1, 1)


def test_an_empty_country_is_the_united_states(source):
    source.process([line(2, country="")], context())
    assert Household.objects.get().country == "US"


def test_a_dry_run_counts_what_a_run_would_do_and_writes_nothing(source):
    source.process([line(2, city="Leeds")], context())

    outcome = source.process(
        [line(2, city="York"), line(3), line(4, name="")], context(dry_run=True)
    )

    assert (outcome.added, outcome.updated, outcome.errors) == (1, 1, [(4, "name is missing")])
    assert Household.objects.get().city == "Leeds"
    assert Household.history.count() == 1
