"""The generic customers source through process(): what it adds, updates and leaves alone, the
history it writes, and the rows it refuses. Runs on SQLite and on PostgreSQL (COPY path)."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from simple_history.models import HistoricalRecords

from rapport.accounts.models import ExternalAccount
from rapport.accounts.tests.factories import UserFactory
from rapport.customers import services as customer_services
from rapport.customers.models import ContactPoint, Customer, Household
from rapport.customers.services import ContactPointInput
from rapport.customers.tests.factories import HouseholdFactory
from rapport.imports.models import ImportJob
from rapport.imports.sources import REGISTRY
from rapport.imports.sources.base import Context, Line
from rapport.imports.sources.customers import CustomersSource

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
SOURCE = CustomersSource()


def lines_from(name: str) -> list[Line]:
    with (FIXTURES / name).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return [Line(number=reader.line_num, values=row) for row in reader]


def line(number: int = 2, **values: str) -> Line:
    return Line(number=number, values={"external_id": f"X-{number}", **values})


@pytest.fixture
def job():
    importer = UserFactory(username="importer", roles=["admin"])
    return ImportJob.objects.create(
        created_by=importer, source_type="customers", filename="c.csv", file_format="csv"
    )


@pytest.fixture
def ctx(job):
    return Context(job_id=job.pk, source_label="import", default_region="US")


@pytest.fixture
def references():
    """The household and the owners customers_first.csv names."""
    HouseholdFactory(name="The Okafors", source="import", external_id="HH-1")
    UserFactory(username="jdoe")
    ExternalAccount.objects.create(
        source="import", external_id="crm-owner-7", user=UserFactory(username="owner7")
    )


def fresh(ctx: Context) -> Context:
    """The next run of the same job kind (a new cache)."""
    return Context(job_id=ctx.job_id, source_label=ctx.source_label, default_region="US")


def test_the_source_is_registered_under_its_key():
    assert REGISTRY["customers"].label == "Customers"
    assert REGISTRY["customers"].source_label == "import"
    assert [f.name for f in SOURCE.fields if f.required] == ["external_id"]


def test_first_import_adds_customers_with_their_contact_points(ctx, references):
    outcome = SOURCE.process(lines_from("customers_first.csv"), ctx)

    assert (outcome.added, outcome.updated, outcome.unchanged, outcome.errors) == (7, 0, 0, [])
    ada = Customer.objects.get(source="import", external_id="C-001")
    assert (ada.first_name, ada.last_name, ada.kind, ada.status) == (
        "Ada",
        "Okafor",
        "person",
        "customer",
    )
    assert ada.value_tier == "gold" and ada.lifetime_value == Decimal("1250.50")
    assert ada.household == Household.objects.get(external_id="HH-1")
    assert ada.owner is not None and ada.owner.username == "jdoe"
    assert str(ada.date_of_birth) == "1985-03-02" and ada.lifecycle_stage == "customer"
    points = {(p.kind, p.normalised, p.value, p.label) for p in ada.contact_points.all()}
    assert points == {
        ("email", "ada.okafor@example.com", "Ada.Okafor@Example.com", ""),
        ("phone", "+12125550134", "+12125550134", ""),
    }


def test_words_and_formats_are_read_into_rapport_values(ctx, references):
    SOURCE.process(lines_from("customers_first.csv"), ctx)

    zoe = Customer.objects.get(external_id="C-002")
    assert (zoe.language, zoe.segment, zoe.status, zoe.value_tier) == (
        "en",
        "consumer",
        "customer",
        "silver",
    )
    assert sorted(zoe.contact_points.values_list("normalised", "label")) == [
        ("+12125550135", ""),
        ("+19175550136", "mobile"),
        ("zoe.obrien@example.net", ""),
    ]
    acme = Customer.objects.get(external_id="C-003")
    assert (acme.kind, acme.organisation_name, acme.segment) == (
        "organisation",
        "Acme Shipping LLC",
        "small_business",
    )
    assert acme.lifetime_value == Decimal("12000.00") and acme.owner.username == "owner7"
    jose = Customer.objects.get(external_id="C-004")
    assert (jose.language, jose.status, jose.owner) == ("es-MX", "prospect", None)
    assert list(jose.contact_points.values_list("normalised", flat=True).order_by("kind")) == [
        "jose.garcia@example.org",
        "+12125550138",
    ]


def test_a_number_given_as_phone_and_mobile_is_one_contact_point(ctx, references):
    SOURCE.process(lines_from("customers_first.csv"), ctx)

    li = Customer.objects.get(external_id="C-005")
    assert list(li.contact_points.values_list("kind", "normalised", "label")) == [
        ("email", "li@example.com", ""),
        ("phone", "+12125550139", ""),
    ]


def test_name_keys_are_the_ones_the_customer_services_write(ctx, references):
    SOURCE.process(lines_from("customers_first.csv"), ctx)

    for customer in Customer.objects.all():
        stored = (customer.name_key, customer.surname_key)
        customer_services.set_name_keys(customer)
        assert stored == (customer.name_key, customer.surname_key)
    zoe = Customer.objects.get(external_id="C-002")
    assert (zoe.name_key, zoe.surname_key) == ("zoe o'brien", "o'brien zoe")
    assert Customer.objects.get(external_id="C-003").surname_key == "acme shipping llc"


def test_every_write_leaves_a_history_row_naming_the_job(ctx, references, job):
    SOURCE.process(lines_from("customers_first.csv"), ctx)

    customer_history = Customer.history.filter(source="import")
    assert customer_history.count() == 7
    assert set(customer_history.values_list("history_type", flat=True)) == {"+"}
    # The job names who started it; the rows name no user (a request's user must not leak in).
    assert set(customer_history.values_list("history_user_id", flat=True)) == {None}
    assert set(customer_history.values_list("history_change_reason", flat=True)) == {
        f"import job {job.pk}"
    }
    ada = Customer.objects.get(external_id="C-001")
    first = ada.history.get()
    assert (first.last_name, first.household_id) == ("Okafor", ada.household_id)
    assert ContactPoint.history.count() == ContactPoint.objects.count() == 14
    assert set(ContactPoint.history.values_list("history_type", flat=True)) == {"+"}


def test_the_same_file_again_changes_nothing(ctx, references):
    SOURCE.process(lines_from("customers_first.csv"), ctx)
    snapshot = list(Customer.objects.values().order_by("id"))

    outcome = SOURCE.process(lines_from("customers_first.csv"), fresh(ctx))

    assert (outcome.added, outcome.updated, outcome.unchanged) == (0, 0, 7)
    assert outcome.samples == [
        "1 row: owner 'nobody-here' has no Rapport account; imported without one"
    ]
    assert list(Customer.objects.values().order_by("id")) == snapshot
    assert Customer.history.count() == 7 and ContactPoint.history.count() == 14


def test_changed_rows_are_updated_and_empty_cells_keep_what_is_stored(ctx, references):
    SOURCE.process(lines_from("customers_first.csv"), ctx)

    outcome = SOURCE.process(lines_from("customers_changed.csv"), fresh(ctx))

    assert (outcome.added, outcome.updated, outcome.unchanged) == (0, 3, 4)
    ada = Customer.objects.get(external_id="C-001")
    assert ada.last_name == "Okafor-Smith"
    assert (ada.name_key, ada.surname_key) == ("ada okafor-smith", "okafor-smith ada")
    assert [h.history_type for h in ada.history.order_by("history_id")] == ["+", "~"]
    assert ada.history.order_by("history_id").last().last_name == "Okafor-Smith"
    emile = Customer.objects.get(external_id="C-006")
    assert (emile.value_tier, emile.status, str(emile.date_of_birth)) == (
        "platinum",
        "former",
        "1840-04-02",
    )
    assert emile.contact_points.count() == 2
    assert Customer.objects.get(external_id="C-007").value_tier == "gold"
    li = Customer.objects.get(external_id="C-005")
    assert li.contact_points.filter(normalised="+12125550140", label="mobile").exists()
    assert li.history.count() == 1  # a new contact point changes the point, not the customer
    assert "update customer Ada Okafor-Smith (import C-001): last_name" in outcome.samples
    assert "update customer Li (import C-005): phone" in outcome.samples


def test_a_contact_point_another_customer_holds_stays_with_them(ctx, references):
    holder = customer_services.customer_create(
        first_name="Sam",
        last_name="Holder",
        contact_points=[ContactPointInput(kind="phone", value="+1 212 555 0134")],
    )

    outcome = SOURCE.process(lines_from("customers_first.csv"), ctx)

    ada = Customer.objects.get(external_id="C-001")
    assert outcome.added == 7
    assert list(ada.contact_points.values_list("kind", flat=True)) == ["email"]
    assert ContactPoint.objects.get(normalised="+12125550134").customer == holder
    assert outcome.samples[0] == (
        "1 row: an e-mail address or number in the row already belongs to another customer; "
        "the row was imported without it"
    )
    assert (
        f"line 2: phone +12125550134 already belongs to customer {holder.pk} (rapport); "
        "not attached to import C-001"
    ) not in outcome.samples
    assert any(
        s.startswith("line 2: phone +12125550134 already belongs to customer " + str(holder.pk))
        for s in outcome.samples
    )


def test_two_rows_naming_one_number_give_it_to_the_first(ctx):
    lines = [
        line(2, first_name="Ann", phone="+12125550150"),
        line(3, first_name="Ben", phone="(212) 555-0150", email="ben@example.com"),
    ]

    outcome = SOURCE.process(lines, ctx)

    assert outcome.added == 2
    assert ContactPoint.objects.get(normalised="+12125550150").customer.external_id == "X-2"
    ben = Customer.objects.get(external_id="X-3")
    assert list(ben.contact_points.values_list("kind", flat=True)) == ["email"]
    assert (
        "line 3: phone +12125550150 already belongs to the customer (import X-2) added earlier "
        "in this batch; not attached to import X-3"
    ) in outcome.samples


def test_a_repeated_external_id_takes_the_later_row(ctx):
    lines = [
        Line(2, {"external_id": "R-1", "first_name": "Old", "email": "old@example.com"}),
        Line(3, {"external_id": "R-1", "first_name": "New", "email": "new@example.com"}),
    ]

    outcome = SOURCE.process(lines, ctx)

    assert (outcome.added, outcome.unchanged) == (1, 1)
    customer = Customer.objects.get(external_id="R-1")
    assert customer.first_name == "New"
    assert list(customer.contact_points.values_list("normalised", flat=True)) == ["new@example.com"]


def test_a_repeated_external_id_whose_last_row_is_wrong_is_refused_whole(ctx):
    lines = [
        Line(2, {"external_id": "R-1", "first_name": "Old"}),
        Line(3, {"external_id": "R-1", "first_name": "New", "email": "not an address"}),
    ]

    outcome = SOURCE.process(lines, ctx)

    assert (outcome.added, outcome.unchanged) == (0, 1)
    assert outcome.errors == [(3, "email is not a valid e-mail address: 'not an address'")]
    assert not Customer.objects.exists()


def test_a_batch_larger_than_one_part_is_compared_as_a_whole(ctx):
    # The batch is checked and written in parts of 500 rows; a number or an id repeated in a
    # later part must be seen as the earlier part's.
    lines = [
        line(n, first_name=f"P{n}", phone=f"+1212555{n:04d}", email=f"p{n}@example.com")
        for n in range(2, 1202)
    ]
    lines.append(line(1202, first_name="Late", phone="+12125550003"))
    lines[3] = Line(5, {"external_id": "X-1100", "first_name": "Early"})

    outcome = SOURCE.process(lines, ctx)

    assert (outcome.added, outcome.unchanged, outcome.errors) == (1200, 1, [])
    assert Customer.objects.get(external_id="X-1100").first_name == "P1100"
    assert ContactPoint.objects.get(normalised="+12125550003").customer.external_id == "X-3"
    assert not ContactPoint.objects.filter(customer__external_id="X-1202").exists()
    assert ContactPoint.objects.count() == ContactPoint.history.count() == 2 * 1199
    assert any("already belongs to the customer (import X-3)" in s for s in outcome.samples)


def test_refused_rows_say_why_and_the_rest_import(ctx):
    outcome = SOURCE.process(lines_from("customers_errors.csv"), ctx)

    errors = dict(outcome.errors)
    assert errors == {
        2: "external_id is missing",
        3: "a row needs a first_name or last_name, or an organisation_name",
        4: "an organisation needs an organisation_name",
        5: "email is not a valid e-mail address: 'not-an-address'",
        6: "phone is not a valid phone number: '12345'",
        7: "date_of_birth is in the future: '2999-01-01'",
        8: errors[8],
        9: "household_external_id: no household 'HH-unknown' from import; import the households "
        "first",
        10: "lifetime_value must be between 0 and 9,999,999,999.99",
        11: "language must be a code such as en, es or fr-CA: 'klingon-empire'",
    }
    assert errors[8].startswith("segment 'galaxy' is not one of: ")
    assert outcome.added == 1
    assert list(Customer.objects.values_list("external_id", flat=True)) == ["E-011"]


def test_a_nul_character_refuses_the_row(ctx):
    outcome = SOURCE.process([line(2, first_name="A\x00n")], ctx)

    assert outcome.errors == [(2, "the row contains a NUL character")]
    assert not Customer.objects.exists()


def test_an_unknown_owner_is_noted_and_the_row_imports(ctx, references):
    outcome = SOURCE.process(lines_from("customers_first.csv"), ctx)

    assert "1 row: owner 'nobody-here' has no Rapport account; imported without one" in (
        outcome.samples
    )


def test_an_owner_may_be_named_by_email_address(ctx):
    owner = UserFactory(username="kim", email="Kim.Lee@example.com")

    SOURCE.process([line(2, first_name="Pat", owner="kim.lee@EXAMPLE.com")], ctx)

    assert Customer.objects.get(external_id="X-2").owner == owner


def test_a_customer_merged_away_is_left_as_it_is(ctx):
    SOURCE.process([line(2, first_name="Ann", last_name="Lee")], ctx)
    survivor = customer_services.customer_create(first_name="Ann", last_name="Lee")
    Customer.objects.filter(external_id="X-2").update(merged_into=survivor)

    outcome = SOURCE.process([line(2, first_name="Anne", email="ann@example.com")], fresh(ctx))

    assert (outcome.updated, outcome.unchanged) == (0, 1)
    assert Customer.objects.get(external_id="X-2").first_name == "Ann"
    assert not ContactPoint.objects.exists()
    assert outcome.samples == [
        "1 row: the customer was merged into another in Rapport; the row was not applied"
    ]


def test_the_source_label_keeps_systems_apart(ctx):
    SOURCE.process([line(2, first_name="Ann")], ctx)
    other = Context(job_id=ctx.job_id, source_label="legacy_crm")

    outcome = SOURCE.process([line(2, first_name="Ann")], other)

    assert outcome.added == 1
    assert sorted(Customer.objects.values_list("source", "external_id")) == [
        ("import", "X-2"),
        ("legacy_crm", "X-2"),
    ]


def test_a_dry_run_writes_nothing_and_counts_what_a_run_would(ctx, references):
    SOURCE.process(lines_from("customers_first.csv"), ctx)
    before = (Customer.objects.count(), ContactPoint.objects.count(), Customer.history.count())
    dry = fresh(ctx)
    dry.dry_run = True

    checked = SOURCE.process(lines_from("customers_changed.csv"), dry)

    assert (Customer.objects.count(), ContactPoint.objects.count()) == before[:2]
    assert Customer.history.count() == before[2]
    assert Customer.objects.get(external_id="C-001").last_name == "Okafor"
    done = SOURCE.process(lines_from("customers_changed.csv"), fresh(ctx))
    assert (checked.added, checked.updated, checked.unchanged, checked.errors) == (
        done.added,
        done.updated,
        done.unchanged,
        done.errors,
    )
    assert checked.samples == done.samples


def test_dates_follow_the_jobs_date_order(job):
    ctx = Context(job_id=job.pk, source_label="import", date_format="dmy")

    SOURCE.process([line(2, first_name="Ann", date_of_birth="03/04/1990")], ctx)

    assert str(Customer.objects.get(external_id="X-2").date_of_birth) == "1990-04-03"


def test_numbers_without_a_country_code_are_read_in_the_jobs_region(job):
    ctx = Context(job_id=job.pk, source_label="import", default_region="GB")

    SOURCE.process([line(2, first_name="Ann", phone="020 7946 0018")], ctx)

    assert ContactPoint.objects.get().normalised == "+442079460018"


def test_batches_of_one_run_see_each_other(ctx):
    SOURCE.process([line(2, first_name="Ann", phone="+12125550160")], ctx)

    outcome = SOURCE.process(
        [line(3, first_name="Ann", last_name="Again", phone="+12125550160")], ctx
    )

    assert outcome.added == 1
    assert ContactPoint.objects.get(normalised="+12125550160").customer.external_id == "X-2"


def test_history_rows_name_no_user_even_inside_a_request(ctx, rf):
    # The test settings run tasks at once, inside the request that started them; simple_history's
    # middleware would then put that person on every row of one path and not the other.
    request = rf.get("/")
    request.user = UserFactory()
    HistoricalRecords.context.request = request
    try:
        SOURCE.process([line(2, first_name="Ann", email="ann@example.com")], ctx)
    finally:
        del HistoricalRecords.context.request

    assert list(Customer.history.values_list("history_user_id", flat=True)) == [None]
    assert list(ContactPoint.history.values_list("history_user_id", flat=True)) == [None]


def test_a_name_too_long_to_search_once_folded_is_refused(ctx):
    # U+FDFA folds to 18 characters: 20 of them make a search key over 300 characters.
    outcome = SOURCE.process([line(2, first_name="\ufdfa" * 20, last_name="Khan")], ctx)

    assert outcome.errors == [(2, "the name is too long to be searched")]
    assert not Customer.objects.exists()


def test_a_person_needs_a_persons_name(ctx):
    outcome = SOURCE.process([line(2, kind="Individual", organisation_name="Acme")], ctx)

    assert outcome.errors == [(2, "a person needs a first_name or last_name")]
