"""Revenue events from billing: joined to their customer and contact, starting and ending holdings
and marking accepted offers once, so "Revenue influenced" and "Customers saved" count them."""

import datetime
from decimal import Decimal

import pytest

from rapport.accounts.tests.factories import UserFactory
from rapport.customers.models import Holding
from rapport.customers.tests.factories import (
    ContactPointFactory,
    CustomerFactory,
    HoldingFactory,
    PhoneFactory,
    ProductFactory,
)
from rapport.imports.sources.base import Context
from rapport.imports.sources.revenue import RevenueEventsSource, RevenueOptions
from rapport.imports.tests.crm_export_lines import (
    at,
    counted,
    job_counts,
    lines_of,
    mapped_lines,
    process,
    unmapped_headers,
    whole_job,
)
from rapport.interactions.models import Interaction, RevenueEvent
from rapport.interactions.tests.factories import InteractionFactory
from rapport.performance import catalog, kpis, rollups
from rapport.performance.choices import Grain
from rapport.performance.models import DailyRollup, Evaluation, Kpi, RollupDirtyDay
from rapport.performance.services import measures

pytestmark = pytest.mark.django_db

SOURCE = RevenueEventsSource()
EXPORT = "revenue_billing_export.csv"


@pytest.fixture
def billing():
    """Customers as billing names them, their products, and a retention call with CUST-003."""
    products = {
        code: ProductFactory(code=code) for code in ("fiber-500", "tv-basic", "mobile-unlimited")
    }
    first = CustomerFactory(source="import", external_id="CUST-001")
    lena = CustomerFactory()
    ContactPointFactory(customer=lena, value="Lena.Ortiz@example.net")
    lena_tv = HoldingFactory(
        customer=lena, product=products["tv-basic"], since=datetime.date(2025, 1, 10)
    )
    third = CustomerFactory(source="import", external_id="CUST-003")
    mobile = CustomerFactory(status="prospect")
    PhoneFactory(customer=mobile, normalised="+12125550188", value="(212) 555-0188")
    agent = UserFactory(username="ana", roles=["agent"])
    call = InteractionFactory(
        customer=third, agent=agent, source="phone", external_id="c-2001", started_at=at(6, 16, 30)
    )
    return {
        "products": products,
        "first": first,
        "lena": lena,
        "lena_tv": lena_tv,
        "third": third,
        "mobile": mobile,
        "call": call,
    }


def test_every_column_of_the_billing_export_finds_its_field():
    assert unmapped_headers(SOURCE, EXPORT) == []


def test_events_are_kept_joined_to_customer_and_contact_and_bad_rows_say_why(billing):
    outcome = process(SOURCE, mapped_lines(SOURCE, EXPORT))

    assert (outcome.added, outcome.updated, outcome.unchanged) == (6, 0, 0)
    assert dict(outcome.errors) == {
        7: "kind 'Refund' is not known; use order, cancellation or retention_offer_accepted",
        8: "customer 'CUST-404' is not a customer in Rapport",
        9: "product 'fiber-9000' is not a product code in Rapport",
        10: "amount is not a number: 'lots'",
        11: "occurred_at '2031-01-01T00:00:00Z' is in the future",
    }
    events = {event.external_id: event for event in RevenueEvent.objects.all()}
    order = events["INV-7001"]
    assert (order.kind, order.customer, order.amount, order.currency) == (
        "order",
        billing["first"],
        Decimal("599.88"),
        "USD",
    )
    assert order.source == "billing" and order.occurred_at == at(5, 15, 20)
    assert order.interaction is None  # no contact in the week before
    assert events["INV-7002"].customer == billing["lena"]  # by e-mail
    assert events["INV-7004"].customer == billing["mobile"]  # by phone
    assert events["INV-7004"].amount == Decimal("1020.00")
    assert events["INV-7003"].interaction == billing["call"]  # named by its call id
    assert events["INV-7011"].interaction == billing["call"]  # the latest in the 7 days before
    assert "1 row: cancellation INV-7005: no active holding to end" in outcome.samples


def test_orders_start_holdings_cancellations_end_them_and_offers_are_marked(billing):
    process(SOURCE, mapped_lines(SOURCE, EXPORT))

    started = Holding.objects.get(customer=billing["first"])
    assert (started.product, started.since, started.value, started.status) == (
        billing["products"]["fiber-500"],
        datetime.date(2026, 3, 5),
        Decimal("599.88"),
        "active",
    )
    assert RevenueEvent.objects.get(external_id="INV-7001").holding == started
    billing["mobile"].refresh_from_db()
    assert billing["mobile"].status == "customer"  # a prospect no more
    ended = billing["lena_tv"]
    ended.refresh_from_db()
    assert (ended.ended_on, ended.status) == (datetime.date(2026, 3, 6), "cancelled")
    assert RevenueEvent.objects.get(external_id="INV-7002").holding == ended
    assert RevenueEvent.objects.get(external_id="INV-7005").holding is None
    billing["call"].refresh_from_db()
    assert (billing["call"].offer_made, billing["call"].offer_accepted) == (True, True)


def test_the_same_file_twice_changes_nothing(billing):
    process(SOURCE, mapped_lines(SOURCE, EXPORT))
    holdings = list(Holding.objects.order_by("pk").values())
    events = list(RevenueEvent.objects.order_by("pk").values())

    outcome = process(SOURCE, mapped_lines(SOURCE, EXPORT))

    assert (outcome.added, outcome.updated, outcome.unchanged) == (0, 0, 6)
    assert len(outcome.errors) == 5
    assert list(Holding.objects.order_by("pk").values()) == holdings
    assert list(RevenueEvent.objects.order_by("pk").values()) == events


def test_a_changed_event_is_updated_but_its_effect_is_not_applied_again(billing):
    process(SOURCE, mapped_lines(SOURCE, EXPORT))
    text = (
        "Transaction ID,Type,Customer ID,Product Code,Amount,Date\n"
        "INV-7001,order,CUST-001,fiber-500,650.00,2026-03-05T15:20:00Z\n"
    )

    outcome = process(SOURCE, lines_of(SOURCE, text))

    assert (outcome.added, outcome.updated) == (0, 1)
    assert RevenueEvent.objects.get(external_id="INV-7001").amount == Decimal("650.00")
    assert Holding.objects.filter(customer=billing["first"]).count() == 1


def test_a_dry_run_writes_and_changes_nothing_and_counts_what_a_run_would(billing):
    dry = process(SOURCE, mapped_lines(SOURCE, EXPORT), dry_run=True)

    assert not RevenueEvent.objects.exists()
    assert Holding.objects.count() == 1
    billing["lena_tv"].refresh_from_db()
    assert billing["lena_tv"].ended_on is None
    billing["call"].refresh_from_db()
    assert billing["call"].offer_made is None
    real = process(SOURCE, mapped_lines(SOURCE, EXPORT))
    assert counted(dry) == counted(real)
    assert "add order INV-7001: 599.88 for customer CUST-001" in dry.samples


def test_a_named_contact_must_be_the_customers_and_products_are_needed_to_hold(billing):
    other = InteractionFactory(source="phone", external_id="c-other", started_at=at(6, 9))
    text = (
        "Transaction ID,Type,Customer ID,Product Code,Date,Call ID\n"
        "E-1,save,CUST-003,,2026-03-06T17:00:00Z,c-other\n"
        "E-2,order,CUST-003,,2026-03-06T17:00:00Z,\n"
        "E-3,save,CUST-003,,2026-03-06T17:00:00Z,c-missing\n"
        "E-4,order,CUST-003,fiber-500,2026-03-06T17:00:00Z,\n"
    )

    outcome = process(SOURCE, lines_of(SOURCE, text))

    assert other.customer is not None
    assert dict(outcome.errors) == {
        2: "the contact named is another customer's, not CUST-003's",
        3: "product is missing: an order starts or ends a product",
        4: "call_id 'c-missing' is not a call in Rapport (import the call records first)",
    }
    order = RevenueEvent.objects.get(external_id="E-4")
    assert order.amount == Decimal("0.00") and order.currency == "USD"
    assert order.holding.value == Decimal("0.00")


def test_customers_may_be_named_by_the_id_another_import_gave_them(billing):
    legacy = CustomerFactory(source="salesforce", external_id="0015g00000XyZ")
    options = RevenueOptions(data={"customer_source": "salesforce"})
    assert options.is_valid(), options.errors
    text = (
        "Transaction ID,Type,Customer ID,Product Code,Amount,Date\n"
        "E-1,purchase,0015g00000XyZ,tv-basic,240,2026-03-06T17:00:00Z\n"
        "E-2,purchase,CUST-001,tv-basic,240,2026-03-06T17:00:00Z\n"
    )
    ctx = Context(job_id=1, source_label="billing", options=options.cleaned_data)

    outcome = process(SOURCE, lines_of(SOURCE, text), ctx=ctx)

    assert RevenueEvent.objects.get(external_id="E-1").customer == legacy
    assert dict(outcome.errors) == {3: "customer 'CUST-001' is not a customer in Rapport"}


def test_an_event_for_a_merged_customer_goes_to_the_one_it_was_merged_into(billing):
    CustomerFactory(source="import", external_id="CUST-OLD", merged_into=billing["first"])
    text = (
        "Transaction ID,Type,Customer ID,Product Code,Amount,Date\n"
        "E-1,order,CUST-OLD,tv-basic,240,2026-03-06T17:00:00Z\n"
    )

    process(SOURCE, lines_of(SOURCE, text))

    assert RevenueEvent.objects.get(external_id="E-1").customer == billing["first"]


def test_an_order_after_an_offer_moves_the_agents_revenue_influenced(billing):
    if not Kpi.objects.filter(key="revenue_influenced").exists():
        catalog.defaults_ensure()
    agent = UserFactory(username="olu", roles=["agent"])
    customer = CustomerFactory(source="import", external_id="CUST-900")
    offer_day = datetime.date(2026, 3, 1)
    InteractionFactory(
        customer=customer,
        agent=agent,
        started_at=at(1, 10),
        outcome="sale",
        offer_made=True,
        offer_accepted=True,
    )
    rollups.rollup_day(offer_day)

    def revenue() -> kpis.KpiValue:
        rows = DailyRollup.objects.filter(day=offer_day, grain=Grain.AGENT, agent=agent)
        totals = kpis.Totals(
            by_channel=kpis.rollup_sums(rows), qa=kpis.qa_sums(Evaluation.objects.none())
        )
        kpi = Kpi.objects.get(key="revenue_influenced")
        return kpis.kpi_value(kpi, totals, rollups.measurement_settings())

    assert revenue().estimate.value == 0
    text = (
        "Transaction ID,Type,Customer ID,Product Code,Amount,Date\n"
        "E-1,order,CUST-900,fiber-500,480.00,2026-03-12T09:00:00Z\n"
    )

    process(SOURCE, lines_of(SOURCE, text))

    assert offer_day in set(RollupDirtyDay.objects.values_list("day", flat=True))
    measures.rollups_refresh()
    assert revenue().estimate.value == pytest.approx(480.0)
    assert not RollupDirtyDay.objects.filter(day=offer_day).exists()


def test_an_accepted_retention_offer_marks_its_contacts_day_for_the_rollups(billing):
    RollupDirtyDay.objects.all().delete()
    text = (
        "Transaction ID,Type,Customer ID,Date,Call ID\n"
        "E-1,retained,CUST-003,2026-03-06T17:00:00Z,c-2001\n"
    )

    process(SOURCE, lines_of(SOURCE, text))

    assert set(RollupDirtyDay.objects.values_list("day", flat=True)) == {datetime.date(2026, 3, 6)}
    rollups.rollup_day(datetime.date(2026, 3, 6))
    row = DailyRollup.objects.get(day="2026-03-06", grain=Grain.CENTER)
    assert (row.offers_made, row.offers_accepted) == (1, 1)


def test_rows_repeated_in_a_batch_apply_once(billing):
    text = (
        "Transaction ID,Type,Customer ID,Product Code,Amount,Date\n"
        "E-1,order,CUST-001,tv-basic,100,2026-03-06T17:00:00Z\n"
        "E-1,order,CUST-001,tv-basic,120,2026-03-06T17:00:00Z\n"
    )

    outcome = process(SOURCE, lines_of(SOURCE, text))

    assert (outcome.added, outcome.unchanged) == (1, 1)
    assert Holding.objects.get(customer=billing["first"]).value == Decimal("120.00")
    assert Interaction.objects.count() == 1


def test_the_export_through_a_whole_import_job(billing, importer, run_tasks):
    summary, job, errors = whole_job(run_tasks, importer, name=EXPORT, source_type="revenue_events")

    assert (summary["added"], summary["failed"]) == (6, 5)
    assert Holding.objects.filter(customer=billing["first"]).count() == 1  # once, by the run
    assert job_counts(job) == (6, 0, 0, 5)
    assert [line for line, _ in errors] == [7, 8, 9, 10, 11]
    billing["lena_tv"].refresh_from_db()
    assert billing["lena_tv"].ended_on == datetime.date(2026, 3, 6)
