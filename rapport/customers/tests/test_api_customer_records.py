"""/api/v1/ households, contact-points, products, holdings, consents and notes."""

import datetime

import pytest
from django.utils import timezone

from rapport.customers.models import Consent, ContactPoint, Holding, Household, Note, Product
from rapport.customers.tests.factories import (
    ConsentFactory,
    ContactPointFactory,
    CustomerFactory,
    HoldingFactory,
    HouseholdFactory,
    NoteFactory,
    PhoneFactory,
    ProductFactory,
)

pytestmark = pytest.mark.django_db


class TestHouseholds:
    def test_list_and_search(self, api_for):
        api, _ = api_for("agent")
        okafor = HouseholdFactory(name="The Okafors", city="Lagos")
        HouseholdFactory(name="The Lees", city="Boston")

        everyone = api.get("/api/v1/households/").json()
        found = api.get("/api/v1/households/", {"q": "lagos"}).json()

        assert everyone["count"] == 2
        assert [h["id"] for h in found["results"]] == [okafor.pk]

    def test_create_get_and_patch(self, api_for):
        api, _ = api_for("agent")

        created = api.post(
            "/api/v1/households/", {"name": "The Okafors", "city": "Lagos"}, format="json"
        )
        household_id = created.json()["id"]
        patched = api.patch(
            f"/api/v1/households/{household_id}", {"postal_code": "100001"}, format="json"
        )
        fetched = api.get(f"/api/v1/households/{household_id}")

        assert created.status_code == 201
        assert patched.status_code == 200
        assert fetched.json()["postal_code"] == "100001"
        assert fetched.json()["city"] == "Lagos"

    def test_marketer_may_read_but_not_create(self, api_for):
        api, _ = api_for("marketer")
        HouseholdFactory()

        assert api.get("/api/v1/households/").json()["count"] == 1
        assert api.post("/api/v1/households/", {"name": "X"}, format="json").status_code == 403
        assert Household.objects.count() == 1

    def test_trainer_gets_404_for_a_household(self, api_for):
        api, _ = api_for("trainer")

        assert api.get(f"/api/v1/households/{HouseholdFactory().pk}").status_code == 404

    def test_list_query_count(self, api_for, django_assert_max_num_queries):
        api, _ = api_for("agent")
        HouseholdFactory.create_batch(30)

        with django_assert_max_num_queries(3):
            response = api.get("/api/v1/households/", {"page_size": 50})

        assert len(response.json()["results"]) == 30


class TestContactPoints:
    URL = "/api/v1/contact-points/"

    def test_create_normalises(self, api_for):
        api, _ = api_for("agent")
        customer = CustomerFactory()

        response = api.post(
            self.URL,
            {"customer": customer.pk, "kind": "phone", "value": "415.555.2671"},
            format="json",
        )

        assert response.status_code == 201
        assert response.json()["normalised"] == "+14155552671"
        assert customer.contact_points.get().value == "415.555.2671"

    def test_create_with_a_taken_value_is_409_naming_the_holder(self, api_for):
        api, _ = api_for("agent")
        PhoneFactory(
            customer=CustomerFactory(first_name="Maria", last_name="Holder"),
            normalised="+14155552671",
        )

        response = api.post(
            self.URL,
            {"customer": CustomerFactory().pk, "kind": "phone", "value": "(415) 555-2671"},
            format="json",
        )

        assert response.status_code == 409
        assert "Maria Holder" in response.json()["message"]

    def test_create_with_an_invalid_value_is_400(self, api_for):
        api, _ = api_for("agent")

        response = api.post(
            self.URL,
            {"customer": CustomerFactory().pk, "kind": "email", "value": "nope"},
            format="json",
        )

        assert response.status_code == 400
        assert "value" in response.json()["fields"]

    def test_create_for_an_invisible_customer_is_404(self, api_for):
        api, _ = api_for("agent")

        response = api.post(
            self.URL, {"customer": 999999, "kind": "email", "value": "a@example.com"}, format="json"
        )

        assert response.status_code == 404

    def test_patch_value_and_preferred(self, api_for):
        api, _ = api_for("agent")
        customer = CustomerFactory()
        first = ContactPointFactory(customer=customer, preferred=True)
        second = ContactPointFactory(customer=customer)

        response = api.patch(
            f"{self.URL}{second.pk}", {"value": "New@Example.com", "preferred": True}, format="json"
        )

        assert response.status_code == 200
        assert (response.json()["normalised"], response.json()["preferred"]) == (
            "new@example.com",
            True,
        )
        first.refresh_from_db()
        assert first.preferred is False

    def test_patch_to_a_taken_value_is_409(self, api_for):
        api, _ = api_for("agent")
        ContactPointFactory(
            customer=CustomerFactory(first_name="Maria", last_name="Holder"), value="m@example.com"
        )
        point = ContactPointFactory()

        response = api.patch(f"{self.URL}{point.pk}", {"value": "m@example.com"}, format="json")

        assert response.status_code == 409
        assert "Maria Holder" in response.json()["message"]

    def test_patch_to_the_customers_own_other_point_is_409_not_500(self, api_for):
        api, _ = api_for("agent")
        customer = CustomerFactory()
        ContactPointFactory(customer=customer, value="one@example.com")
        point = ContactPointFactory(customer=customer, value="two@example.com")

        response = api.patch(f"{self.URL}{point.pk}", {"value": "ONE@example.com"}, format="json")

        assert response.status_code == 409
        assert set(response.json()) == {"code", "message", "fields"}

    def test_delete(self, api_for):
        api, _ = api_for("agent")
        point = ContactPointFactory()

        response = api.delete(f"{self.URL}{point.pk}")

        assert response.status_code == 204
        assert not ContactPoint.objects.filter(pk=point.pk).exists()

    def test_marketer_reads_but_may_not_change(self, api_for):
        api, _ = api_for("marketer")
        point = ContactPointFactory()

        assert api.get(f"{self.URL}{point.pk}").status_code == 200
        assert api.patch(f"{self.URL}{point.pk}", {"label": "x"}, format="json").status_code == 403
        assert api.delete(f"{self.URL}{point.pk}").status_code == 403
        assert ContactPoint.objects.filter(pk=point.pk, label="").exists()

    def test_trainer_gets_404(self, api_for):
        api, _ = api_for("trainer")
        point = ContactPointFactory()

        assert api.get(f"{self.URL}{point.pk}").status_code == 404
        assert api.delete(f"{self.URL}{point.pk}").status_code == 404

    def test_list_filters_by_customer(self, api_for):
        api, _ = api_for("agent")
        mine = ContactPointFactory()
        ContactPointFactory()

        response = api.get(self.URL, {"customer": mine.customer_id})

        assert [p["id"] for p in response.json()["results"]] == [mine.pk]

    def test_list_query_count(self, api_for, django_assert_max_num_queries):
        api, _ = api_for("agent")
        for customer in CustomerFactory.create_batch(30):
            ContactPointFactory(customer=customer)

        with django_assert_max_num_queries(3):
            response = api.get(self.URL, {"page_size": 50})

        assert len(response.json()["results"]) == 30


class TestProducts:
    URL = "/api/v1/products/"

    def test_admin_creates_a_product(self, api_for):
        api, _ = api_for("admin")

        response = api.post(
            self.URL, {"code": "gold-card", "name": "Gold card", "category": "card"}, format="json"
        )

        assert response.status_code == 201
        assert Product.objects.get(code="gold-card").name == "Gold card"

    @pytest.mark.parametrize("role", ["agent", "supervisor", "marketer"])
    def test_others_may_not_create_products(self, api_for, role):
        api, _ = api_for(role)

        response = api.post(
            self.URL, {"code": "gold-card", "name": "Gold card", "category": "card"}, format="json"
        )

        assert response.status_code == 403
        assert "admin" in response.json()["message"]
        assert not Product.objects.exists()

    def test_agents_read_the_catalog(self, api_for):
        api, _ = api_for("agent")
        product = ProductFactory(category="loan")
        ProductFactory(category="card")

        listed = api.get(self.URL, {"category": "loan"}).json()
        one = api.get(f"{self.URL}{product.pk}").json()

        assert [p["id"] for p in listed["results"]] == [product.pk]
        assert one["code"] == product.code

    def test_trainers_see_no_catalog(self, api_for):
        api, _ = api_for("trainer")
        product = ProductFactory()

        assert api.get(self.URL).json()["count"] == 0
        assert api.get(f"{self.URL}{product.pk}").status_code == 404

    def test_list_query_count(self, api_for, django_assert_max_num_queries):
        api, _ = api_for("agent")
        ProductFactory.create_batch(30)

        with django_assert_max_num_queries(3):
            response = api.get(self.URL, {"page_size": 50})

        assert len(response.json()["results"]) == 30


class TestHoldings:
    URL = "/api/v1/holdings/"

    def test_agent_adds_a_holding_and_the_prospect_becomes_a_customer(self, api_for):
        api, _ = api_for("agent")
        customer = CustomerFactory(status="prospect")
        product = ProductFactory()

        response = api.post(
            self.URL,
            {
                "customer": customer.pk,
                "product": product.pk,
                "since": "2024-03-01",
                "value": "99.50",
            },
            format="json",
        )

        assert response.status_code == 201
        assert response.json()["status"] == "active"
        customer.refresh_from_db()
        assert customer.status == "customer"

    def test_a_future_start_is_400(self, api_for):
        api, _ = api_for("agent")
        tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

        response = api.post(
            self.URL,
            {"customer": CustomerFactory().pk, "product": ProductFactory().pk, "since": tomorrow},
            format="json",
        )

        assert response.status_code == 400
        assert "since" in response.json()["fields"]
        assert not Holding.objects.exists()

    def test_marketer_may_not_add(self, api_for):
        api, _ = api_for("marketer")

        response = api.post(
            self.URL,
            {
                "customer": CustomerFactory().pk,
                "product": ProductFactory().pk,
                "since": "2024-03-01",
            },
            format="json",
        )

        assert response.status_code == 403

    def test_list_by_customer_with_query_count(self, api_for, django_assert_max_num_queries):
        api, _ = api_for("agent")
        customer = CustomerFactory()
        HoldingFactory.create_batch(30, customer=customer)
        HoldingFactory()

        # roles, the ?customer= filter checking that customer exists, count, page
        with django_assert_max_num_queries(4):
            response = api.get(self.URL, {"customer": customer.pk, "page_size": 50})

        assert response.json()["count"] == 30


class TestConsents:
    URL = "/api/v1/consents/"

    def test_recording_twice_keeps_both_newest_first(self, api_for):
        api, agent = api_for("agent")
        customer = CustomerFactory()

        first = api.post(
            self.URL,
            {
                "customer": customer.pk,
                "channel": "email",
                "purpose": "marketing",
                "granted": True,
                "source": "call",
            },
            format="json",
        )
        second = api.post(
            self.URL,
            {
                "customer": customer.pk,
                "channel": "email",
                "purpose": "marketing",
                "granted": False,
                "source": "letter",
            },
            format="json",
        )
        listed = api.get(self.URL, {"customer": customer.pk}).json()["results"]

        assert (first.status_code, second.status_code) == (201, 201)
        assert [c["granted"] for c in listed] == [False, True]
        assert Consent.objects.get(pk=first.json()["id"]).recorded_by == agent

    def test_a_missing_source_is_400(self, api_for):
        api, _ = api_for("agent")

        response = api.post(
            self.URL,
            {
                "customer": CustomerFactory().pk,
                "channel": "sms",
                "purpose": "surveys",
                "granted": True,
                "source": "",
            },
            format="json",
        )

        assert response.status_code == 400
        assert "source" in response.json()["fields"]

    def test_marketer_reads_consents(self, api_for):
        api, _ = api_for("marketer")
        consent = ConsentFactory()

        assert [c["id"] for c in api.get(self.URL).json()["results"]] == [consent.pk]

    def test_list_query_count(self, api_for, django_assert_max_num_queries):
        api, _ = api_for("agent")
        ConsentFactory.create_batch(30)

        with django_assert_max_num_queries(3):
            response = api.get(self.URL, {"page_size": 50})

        assert len(response.json()["results"]) == 30


class TestNotes:
    URL = "/api/v1/notes/"

    def test_agent_adds_and_lists_notes(self, api_for):
        api, agent = api_for("agent")
        customer = CustomerFactory()

        created = api.post(
            self.URL,
            {"customer": customer.pk, "body": "Called about a card.", "pinned": True},
            format="json",
        )
        listed = api.get(self.URL, {"customer": customer.pk}).json()["results"]

        assert created.status_code == 201
        assert created.json()["author"] == agent.pk
        assert [n["body"] for n in listed] == ["Called about a card."]

    def test_an_empty_note_is_400(self, api_for):
        api, _ = api_for("agent")

        response = api.post(
            self.URL, {"customer": CustomerFactory().pk, "body": "   "}, format="json"
        )

        assert response.status_code == 400
        assert not Note.objects.exists()

    def test_marketer_sees_an_empty_list(self, api_for):
        api, _ = api_for("marketer")
        NoteFactory.create_batch(3)

        response = api.get(self.URL)

        assert response.status_code == 200
        assert response.json()["count"] == 0
        assert response.json()["results"] == []

    def test_marketer_may_not_add(self, api_for):
        api, _ = api_for("marketer")

        response = api.post(
            self.URL, {"customer": CustomerFactory().pk, "body": "Hi"}, format="json"
        )

        assert response.status_code == 403
        assert not Note.objects.exists()

    def test_list_query_count(self, api_for, django_assert_max_num_queries, make_user):
        api, _ = api_for("agent")
        author = make_user("agent")
        NoteFactory.create_batch(30, author=author)

        with django_assert_max_num_queries(3):
            response = api.get(self.URL, {"page_size": 50})

        assert len(response.json()["results"]) == 30


def test_filtering_by_a_customer_id_reveals_nothing_to_a_role_without_customers(api_for):
    existing = CustomerFactory()
    api, _ = api_for("trainer")

    for path in (
        "/api/v1/contact-points/",
        "/api/v1/holdings/",
        "/api/v1/consents/",
        "/api/v1/notes/",
    ):
        real = api.get(path, {"customer": existing.pk})
        made_up = api.get(path, {"customer": existing.pk + 1000})
        assert (real.status_code, real.json()["count"]) == (200, 0), path
        assert (made_up.status_code, made_up.json()["count"]) == (200, 0), path


def test_a_taken_product_code_is_a_409(api_for):
    api, _ = api_for("admin")
    body = {"code": "gold-card", "name": "Gold Card", "category": "card"}
    assert api.post("/api/v1/products/", body, format="json").status_code == 201

    again = api.post("/api/v1/products/", body, format="json")

    assert again.status_code == 409
    assert again.json()["fields"] == {"code": ["Taken."]}
