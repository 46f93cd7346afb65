"""/api/v1/customers/: list, create, detail, lookup, export and erase."""

import json

import pytest

from rapport.core.models import AuditEvent
from rapport.customers import services
from rapport.customers.models import ContactPoint, Customer
from rapport.customers.services import ContactPointInput
from rapport.customers.tests.factories import (
    ContactPointFactory,
    CustomerFactory,
    ErasedCustomerFactory,
    HoldingFactory,
    HouseholdFactory,
    NoteFactory,
    PhoneFactory,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/customers/"


def _ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


class TestList:
    def test_pages_with_page_and_page_size(self, api_for):
        api, _ = api_for("agent")
        customers = sorted(CustomerFactory.create_batch(7), key=lambda c: (c.surname_key, c.id))

        first = api.get(LIST, {"page_size": 3})
        third = api.get(LIST, {"page_size": 3, "page": 3})

        assert first.status_code == 200
        body = first.json()
        assert (body["count"], body["count_is_exact"], body["page"], body["pages"]) == (
            7,
            True,
            1,
            3,
        )
        assert _ids(first) == [c.id for c in customers[:3]]
        assert "page=2" in body["next"] and body["previous"] is None
        assert _ids(third) == [customers[6].id]
        assert third.json()["next"] is None

    def test_default_page_size_is_25_and_max_is_200(self, api_for):
        api, _ = api_for("agent")
        CustomerFactory.create_batch(30)

        assert len(api.get(LIST).json()["results"]) == 25
        assert len(api.get(LIST, {"page_size": 1000}).json()["results"]) == 30

    def test_count_is_capped(self, api_for, settings):
        settings.RAPPORT_LIST_COUNT_CAP = 5
        api, _ = api_for("agent")
        CustomerFactory.create_batch(8)

        body = api.get(LIST, {"page_size": 3}).json()

        assert (body["count"], body["count_is_exact"]) == (6, False)

    def test_following_next_reaches_every_row_past_the_cap(self, api_for, settings):
        settings.RAPPORT_LIST_COUNT_CAP = 5
        api, _ = api_for("agent")
        CustomerFactory.create_batch(8)

        seen, url = [], f"{LIST}?page_size=3"
        while url:
            body = api.get(url).json()
            seen += [row["id"] for row in body["results"]]
            url = body["next"]

        assert len(seen) == 8

    def test_rows_carry_the_list_fields_only(self, api_for):
        api, _ = api_for("agent")
        customer = CustomerFactory(first_name="Ann", last_name="Lee", household=HouseholdFactory())

        row = api.get(LIST).json()["results"][0]

        assert row == {
            "id": customer.id,
            "kind": "person",
            "display_name": "Ann Lee",
            "status": "customer",
            "segment": "consumer",
            "value_tier": "standard",
            "household": customer.household_id,
            "lifetime_value": "0.00",
        }

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"status": "prospect"}, {"Pat Prospect"}),
            ({"segment": "corporate"}, {"Cora Corp"}),
            ({"value_tier": "gold"}, {"Cora Corp"}),
            ({"q": "pros"}, {"Pat Prospect"}),
            ({"q": "pat@example.com"}, {"Pat Prospect"}),
            ({"q": "(415) 555-2671"}, {"Cora Corp"}),
            ({"q": "c", "status": "customer"}, {"Cora Corp"}),
            ({"needs_review": "true"}, {"Rev Iew"}),
        ],
    )
    def test_filters(self, api_for, params, expected):
        api, _ = api_for("agent")
        pat = CustomerFactory(first_name="Pat", last_name="Prospect", status="prospect")
        ContactPointFactory(customer=pat, value="pat@example.com")
        cora = CustomerFactory(
            first_name="Cora", last_name="Corp", segment="corporate", value_tier="gold"
        )
        PhoneFactory(customer=cora, value="415-555-2671", normalised="+14155552671")
        CustomerFactory(first_name="Rev", last_name="Iew", needs_review=True)

        response = api.get(LIST, params)

        assert response.status_code == 200
        assert {row["display_name"] for row in response.json()["results"]} == expected

    def test_a_bad_filter_value_is_400_naming_it(self, api_for):
        api, _ = api_for("agent")

        response = api.get(LIST, {"status": "royalty"})

        assert response.status_code == 400
        assert "status" in response.json()["fields"]

    def test_erased_customers_are_not_listed(self, api_for):
        api, _ = api_for("agent")
        ErasedCustomerFactory()

        assert api.get(LIST).json()["count"] == 0

    @pytest.mark.parametrize("role", ["trainer", "executive"])
    def test_non_readers_get_an_empty_list(self, api_for, role):
        api, _ = api_for(role)
        CustomerFactory.create_batch(3)

        response = api.get(LIST)

        assert response.status_code == 200
        assert response.json()["count"] == 0

    def test_thirty_customers_cost_no_more_than_three_queries(
        self, api_for, django_assert_max_num_queries
    ):
        api, _ = api_for("agent")
        household = HouseholdFactory()
        for customer in CustomerFactory.create_batch(30, household=household):
            ContactPointFactory(customer=customer)
            HoldingFactory(customer=customer)

        with django_assert_max_num_queries(3):
            response = api.get(LIST, {"page_size": 50})

        assert len(response.json()["results"]) == 30

    def test_search_and_filter_stay_within_the_query_budget(
        self, api_for, django_assert_max_num_queries
    ):
        api, _ = api_for("agent")
        CustomerFactory.create_batch(30, last_name="Okafor", status="customer")

        with django_assert_max_num_queries(3):
            response = api.get(LIST, {"q": "okafor", "status": "customer", "page_size": 50})

        assert response.json()["count"] == 30


class TestCreate:
    def test_with_inline_contact_points_is_201(self, api_for):
        api, _ = api_for("agent")

        response = api.post(
            LIST,
            {
                "first_name": "Zoë",
                "last_name": "Ångström",
                "segment": "small_business",
                "contact_points": [
                    {"kind": "phone", "value": "(415) 555-2671", "preferred": True},
                    {"kind": "email", "value": "Zoe@Example.com"},
                ],
            },
            format="json",
        )

        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["display_name"] == "Zoë Ångström"
        assert body["possible_duplicates"] == []
        assert {p["normalised"] for p in body["contact_points"]} == {
            "+14155552671",
            "zoe@example.com",
        }
        customer = Customer.objects.get(pk=body["id"])
        assert customer.name_key == "zoe angstrom"
        assert customer.segment == "small_business"

    def test_a_taken_contact_point_is_409_naming_the_holder(self, api_for):
        api, _ = api_for("agent")
        holder = services.customer_create(
            first_name="Maria",
            last_name="Holder",
            contact_points=[ContactPointInput(kind="email", value="m@example.com")],
        )

        response = api.post(
            LIST,
            {"first_name": "New", "contact_points": [{"kind": "email", "value": "M@EXAMPLE.com"}]},
            format="json",
        )

        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "contact_point_taken"
        assert "Maria Holder" in body["message"] and str(holder.pk) in body["message"]
        assert "contact_points" in body["fields"]
        assert Customer.objects.count() == 1

    def test_an_invalid_phone_is_400_naming_the_field(self, api_for):
        api, _ = api_for("agent")

        response = api.post(
            LIST,
            {
                "first_name": "New",
                "contact_points": [
                    {"kind": "email", "value": "a@example.com"},
                    {"kind": "phone", "value": "12345"},
                ],
            },
            format="json",
        )

        assert response.status_code == 400
        assert response.json()["code"] == "invalid_phone"
        assert list(response.json()["fields"]) == ["contact_points[1].value"]
        assert not Customer.objects.exists() and not ContactPoint.objects.exists()

    def test_an_invalid_inline_kind_is_a_readable_400(self, api_for):
        api, _ = api_for("agent")

        response = api.post(
            LIST,
            {"first_name": "New", "contact_points": [{"kind": "fax", "value": "1"}]},
            format="json",
        )

        assert response.status_code == 400
        messages = [m for ms in response.json()["fields"].values() for m in ms]
        assert messages and not any("ErrorDetail" in m for m in messages)

    def test_organisation_without_a_name_is_400(self, api_for):
        api, _ = api_for("agent")

        response = api.post(LIST, {"kind": "organisation"}, format="json")

        assert response.status_code == 400
        assert "organisation_name" in response.json()["fields"]

    def test_a_close_name_in_the_same_household_is_returned_as_possible_duplicate(self, api_for):
        api, _ = api_for("agent")
        household = HouseholdFactory()
        jon = services.customer_create(
            first_name="Jonathan", last_name="Okafor", household=household
        )
        services.customer_create(
            first_name="Jonathan", last_name="Okafor", household=HouseholdFactory()
        )

        response = api.post(
            LIST,
            {"first_name": "Jonathon", "last_name": "Okafor", "household": household.pk},
            format="json",
        )

        assert response.status_code == 201
        duplicates = response.json()["possible_duplicates"]
        assert [d["customer"] for d in duplicates] == [jon.pk]
        assert duplicates[0]["name"] == "Jonathan Okafor"
        assert "household" in duplicates[0]["reason"]

    @pytest.mark.parametrize("role", ["qa_analyst", "marketer"])
    def test_readers_who_may_not_edit_get_403(self, api_for, role):
        api, _ = api_for(role)

        response = api.post(LIST, {"first_name": "New"}, format="json")

        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
        assert not Customer.objects.exists()


class TestDetail:
    def test_get_returns_the_customer_with_contact_points(self, api_for):
        api, _ = api_for("agent")
        customer = services.customer_create(
            first_name="Ann",
            last_name="Lee",
            contact_points=[ContactPointInput(kind="email", value="ann@example.com")],
        )

        response = api.get(f"/api/v1/customers/{customer.pk}")

        assert response.status_code == 200
        body = response.json()
        assert (body["id"], body["first_name"], body["display_name"]) == (
            customer.pk,
            "Ann",
            "Ann Lee",
        )
        assert [p["normalised"] for p in body["contact_points"]] == ["ann@example.com"]
        assert "name_key" not in body

    def test_get_unknown_or_erased_is_404(self, api_for):
        api, _ = api_for("agent")
        erased = ErasedCustomerFactory()

        for customer_id in (999999, erased.pk):
            response = api.get(f"/api/v1/customers/{customer_id}")
            assert response.status_code == 404
            assert response.json()["code"] == "not_found"

    @pytest.mark.parametrize("role", ["trainer", "executive"])
    def test_non_readers_get_404_not_403(self, api_for, role):
        api, _ = api_for(role)

        assert api.get(f"/api/v1/customers/{CustomerFactory().pk}").status_code == 404

    def test_patch_changes_fields_and_name_keys(self, api_for):
        api, _ = api_for("agent")
        customer = services.customer_create(first_name="Ann", last_name="Lee")

        response = api.patch(
            f"/api/v1/customers/{customer.pk}",
            {"last_name": "Léger", "value_tier": "gold"},
            format="json",
        )

        assert response.status_code == 200
        assert response.json()["display_name"] == "Ann Léger"
        customer.refresh_from_db()
        assert (customer.value_tier, customer.surname_key) == ("gold", "leger ann")
        assert [c["id"] for c in api.get(LIST, {"q": "leger"}).json()["results"]] == [customer.pk]

    def test_patch_to_no_name_is_400(self, api_for):
        api, _ = api_for("agent")
        customer = services.customer_create(first_name="Ann", last_name="Lee")

        response = api.patch(
            f"/api/v1/customers/{customer.pk}", {"first_name": "", "last_name": ""}, format="json"
        )

        assert response.status_code == 400
        customer.refresh_from_db()
        assert customer.last_name == "Lee"

    def test_patch_by_a_marketer_is_403(self, api_for):
        api, _ = api_for("marketer")
        customer = CustomerFactory(last_name="Lee")

        response = api.patch(f"/api/v1/customers/{customer.pk}", {"last_name": "X"}, format="json")

        assert response.status_code == 403
        customer.refresh_from_db()
        assert customer.last_name == "Lee"


class TestLookup:
    URL = "/api/v1/customers/lookup"

    @pytest.fixture
    def zoe(self):
        household = HouseholdFactory(name="The Ångströms")
        zoe = services.customer_create(
            first_name="Zoë",
            last_name="Ångström",
            household=household,
            value_tier="gold",
            contact_points=[
                ContactPointInput(kind="phone", value="415-555-2671", preferred=True),
                ContactPointInput(kind="email", value="zoe@example.com"),
            ],
        )
        HoldingFactory(customer=zoe, product__code="gold-card", product__name="Gold card")
        return zoe

    @pytest.mark.parametrize("phone", ["(415) 555-2671", "+1 415 555 2671", "415.555.2671"])
    def test_by_phone_returns_the_summary(self, api_for, zoe, phone):
        api, _ = api_for("agent")

        response = api.get(self.URL, {"phone": phone})

        assert response.status_code == 200
        body = response.json()
        assert (body["id"], body["name"], body["value_tier"]) == (zoe.pk, "Zoë Ångström", "gold")
        assert body["household"] == {"id": zoe.household_id, "name": "The Ångströms"}
        assert [p["code"] for p in body["products"]] == ["gold-card"]
        assert {p["normalised"] for p in body["contact_points"]} == {
            "+14155552671",
            "zoe@example.com",
        }
        assert body["url"] == f"/customers/{zoe.pk}/"

    def test_by_email_and_handle(self, api_for, zoe):
        api, _ = api_for("agent")
        ContactPointFactory(
            customer=zoe, kind="social", network="x", value="@ZoeA", normalised="zoea"
        )

        assert api.get(self.URL, {"email": "ZOE@example.com"}).json()["id"] == zoe.pk
        assert api.get(self.URL, {"handle": "@zoea"}).json()["id"] == zoe.pk

    def test_unknown_number_is_404(self, api_for, zoe):
        api, _ = api_for("agent")

        response = api.get(self.URL, {"phone": "212-555-0100"})

        assert response.status_code == 404
        assert response.json()["code"] == "not_found"

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({}, "phone"),
            ({"phone": "abc"}, "phone"),
            ({"email": "nope"}, "email"),
            ({"phone": "415-555-2671", "email": "zoe@example.com"}, "phone"),
        ],
    )
    def test_bad_input_is_400(self, api_for, zoe, params, field):
        api, _ = api_for("agent")

        response = api.get(self.URL, params)

        assert response.status_code == 400
        assert field in response.json()["fields"]

    def test_costs_a_handful_of_queries(self, api_for, zoe, django_assert_max_num_queries):
        api, _ = api_for("agent")
        HoldingFactory.create_batch(5, customer=zoe)

        with django_assert_max_num_queries(4):
            response = api.get(self.URL, {"phone": "415-555-2671"})

        assert len(response.json()["products"]) == 6


class TestExportAndErase:
    def test_admin_exports_a_persons_data(self, api_for):
        api, admin = api_for("admin")
        customer = services.customer_create(
            first_name="Ann",
            contact_points=[ContactPointInput(kind="email", value="a@example.com")],
        )
        NoteFactory(customer=customer, body="Hello")

        response = api.get(f"/api/v1/customers/{customer.pk}/export")

        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        data = json.loads(response.content)
        assert data["customer"]["id"] == customer.pk
        assert [n["body"] for n in data["notes"]] == ["Hello"]
        assert AuditEvent.objects.filter(action="customer.data_exported", actor=admin).exists()

    def test_admin_erases_a_person(self, api_for):
        api, admin = api_for("admin")
        customer = services.customer_create(
            first_name="Ann",
            last_name="Lee",
            contact_points=[ContactPointInput(kind="email", value="a@example.com")],
        )

        response = api.post(f"/api/v1/customers/{customer.pk}/erase")

        assert response.status_code == 200
        assert "Lee" not in response.json()["display_name"]
        assert response.json()["contact_points"] == []
        assert AuditEvent.objects.filter(action="customer.erased", actor=admin).exists()
        assert api.get(f"/api/v1/customers/{customer.pk}").status_code == 404

    @pytest.mark.parametrize("role", ["agent", "supervisor", "qa_analyst", "marketer"])
    def test_other_readers_get_403_and_nothing_happens(self, api_for, role):
        api, _ = api_for(role)
        customer = CustomerFactory(last_name="Lee")

        export = api.get(f"/api/v1/customers/{customer.pk}/export")
        erase = api.post(f"/api/v1/customers/{customer.pk}/erase")

        assert (export.status_code, erase.status_code) == (403, 403)
        customer.refresh_from_db()
        assert customer.last_name == "Lee" and customer.erased_at is None
        assert not AuditEvent.objects.exists()

    @pytest.mark.parametrize("role", ["trainer", "executive"])
    def test_non_readers_get_404(self, api_for, role):
        api, _ = api_for(role)
        customer = CustomerFactory()

        assert api.get(f"/api/v1/customers/{customer.pk}/export").status_code == 404
        assert api.post(f"/api/v1/customers/{customer.pk}/erase").status_code == 404


@pytest.mark.parametrize("asked", ["abc", "1.5", "99999999999999999999"])
def test_odd_page_numbers_past_the_cap_are_404_in_the_api(settings, api_for, asked):
    settings.RAPPORT_LIST_COUNT_CAP = 2
    CustomerFactory.create_batch(4)
    api, _ = api_for("agent")

    response = api.get("/api/v1/customers/", {"page": asked})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
