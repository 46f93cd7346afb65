"""Customer pages: search, customer view, create/edit, the small forms, exports and erasure."""

import csv
import datetime
import io
import json

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from rapport.core.models import AuditEvent
from rapport.customers import services
from rapport.customers.models import Consent, ContactPoint, Customer, CustomerExport, Holding, Note
from rapport.customers.services import ContactPointInput
from rapport.customers.tests.factories import (
    ConsentFactory,
    ContactPointFactory,
    CustomerFactory,
    HoldingFactory,
    HouseholdFactory,
    NoteFactory,
    ProductFactory,
)

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


class TestSearchPage:
    def test_empty_state_before_any_customer(self, client_for):
        client, _ = client_for("agent")

        response = client.get("/customers/")

        assert response.status_code == 200
        assert "No customers yet" in _text(response)

    def test_empty_state_for_a_search_without_matches(self, client_for):
        client, _ = client_for("agent")
        CustomerFactory(last_name="Okafor")

        response = client.get("/customers/", {"q": "zzz"})

        assert "No customer matches" in _text(response)
        assert "Okafor" not in _text(response)

    def test_results(self, client_for):
        client, _ = client_for("agent")
        services.customer_create(
            first_name="Zoë",
            last_name="Ångström",
            status="customer",
            contact_points=[ContactPointInput(kind="phone", value="415-555-2671")],
        )
        CustomerFactory(first_name="Bob", last_name="Brown")

        by_name = client.get("/customers/", {"q": "zoe"})
        by_phone = client.get("/customers/", {"q": "(415) 555-2671"})
        by_status = client.get("/customers/", {"status": "prospect"})

        assert "Zoë Ångström" in _text(by_name) and "Bob Brown" not in _text(by_name)
        assert "Zoë Ångström" in _text(by_phone)
        assert "Bob Brown" not in _text(by_status)
        assert "<html" in _text(by_name).lower()

    def test_htmx_request_gets_only_the_results_partial(self, client_for):
        client, _ = client_for("agent")
        CustomerFactory(first_name="Zed", last_name="Zulu")

        response = client.get("/customers/", {"q": "zulu"}, HTTP_HX_REQUEST="true")

        assert response.status_code == 200
        assert "Zed Zulu" in _text(response)
        assert "<html" not in _text(response).lower()
        assert 'role="search"' not in _text(response)
        assert next(t.name for t in response.templates) == "customers/partials/_results.html"

    def test_export_and_create_buttons_follow_the_role(self, client_for):
        client, _ = client_for("marketer")

        body = _text(client.get("/customers/"))

        assert "Export CSV" in body
        assert "New customer" not in body

    @pytest.mark.parametrize("role", ["trainer", "executive"])
    def test_non_readers_get_403(self, client_for, role):
        client, _ = client_for(role)
        CustomerFactory(last_name="Okafor")

        response = client.get("/customers/")

        assert response.status_code == 403
        assert "Okafor" not in _text(response)

    def test_anonymous_is_sent_to_login(self, client):
        response = client.get("/customers/")

        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]

    def test_a_page_of_25_costs_a_fixed_number_of_queries(
        self, client_for, django_assert_max_num_queries
    ):
        client, _ = client_for("agent")
        household = HouseholdFactory()
        CustomerFactory.create_batch(30, household=household)
        client.get("/customers/")  # warm the session

        # session, user, roles, second-factor policy, count, page (households joined, not one per row)
        with django_assert_max_num_queries(6):
            response = client.get("/customers/", HTTP_HX_REQUEST="true")

        assert _text(response).count("<tr>") == 26  # header + 25 rows


class TestCustomerView:
    def test_shows_household_members_and_their_products(self, client_for):
        client, _ = client_for("agent")
        household = HouseholdFactory(name="The Okafors")
        ada = CustomerFactory(first_name="Ada", last_name="Okafor", household=household)
        ben = CustomerFactory(first_name="Ben", last_name="Okafor", household=household)
        HoldingFactory(customer=ada, product__name="Everyday account")
        HoldingFactory(customer=ben, product__name="Travel insurance")

        response = client.get(f"/customers/{ada.pk}/")

        body = _text(response)
        assert response.status_code == 200
        assert "The Okafors" in body
        assert "Ben Okafor" in body and "Travel insurance" in body
        assert "Everyday account" in body

    def test_shows_current_consents_notes_and_history(self, client_for):
        client, agent = client_for("agent")
        customer = services.customer_create(first_name="Ann", last_name="Lee")
        services.customer_update(customer=customer, value_tier="gold")
        past = timezone.now() - datetime.timedelta(days=3)
        services.consent_record(
            customer=customer, channel="sms", purpose="surveys", granted=True, source="web", at=past
        )
        services.consent_record(
            customer=customer, channel="sms", purpose="surveys", granted=False, source="call"
        )
        services.note_add(customer=customer, body="Prefers mornings.", by=agent)

        response = client.get(f"/customers/{customer.pk}/")

        body = _text(response)
        assert [(c.channel, c.granted) for c in response.context["consents"]] == [("sms", False)]
        assert "revoked" in body
        assert "Prefers mornings." in body
        assert "Change history" in body and "Profile changed" in body
        assert "value tier" in body and "gold" in body

    def test_marketer_does_not_see_notes(self, client_for):
        client, _ = client_for("marketer")
        note = NoteFactory(body="Secret service detail")

        response = client.get(f"/customers/{note.customer_id}/")

        assert response.status_code == 200
        assert "Secret service detail" not in _text(response)
        assert response.context["can_edit"] is False

    def test_admin_sees_data_export_and_erase_links(self, client_for):
        client, _ = client_for("admin")
        customer = CustomerFactory()

        body = _text(client.get(f"/customers/{customer.pk}/"))

        assert f"/customers/{customer.pk}/export.json" in body
        assert f"/customers/{customer.pk}/erase/" in body

    def test_agent_does_not_see_erase(self, client_for):
        client, _ = client_for("agent")
        customer = CustomerFactory()

        assert f"/customers/{customer.pk}/erase/" not in _text(
            client.get(f"/customers/{customer.pk}/")
        )

    def test_unknown_customer_is_404(self, client_for):
        client, _ = client_for("agent")

        assert client.get("/customers/999999/").status_code == 404

    def test_erased_customer_is_404(self, client_for, make_user):
        client, _ = client_for("agent")
        customer = CustomerFactory()
        services.customer_erase(customer=customer, by=make_user("admin"))

        assert client.get(f"/customers/{customer.pk}/").status_code == 404


def _create_form(**overrides) -> dict:
    data = {
        "kind": "person",
        "first_name": "Jonathan",
        "last_name": "Okafor",
        "organisation_name": "",
        "date_of_birth": "",
        "language": "en",
        "segment": "consumer",
        "value_tier": "standard",
        "lifetime_value": "0",
        "status": "prospect",
        "household": "",
        "email": "",
        "phone": "",
    }
    data.update(overrides)
    return data


class TestCreatePage:
    def test_creates_with_email_and_phone_and_redirects(self, client_for):
        client, _ = client_for("agent")

        response = client.post(
            "/customers/new/", _create_form(email="Jon@Example.com", phone="(415) 555-2671")
        )

        customer = Customer.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"/customers/{customer.pk}/"
        assert sorted(customer.contact_points.values_list("normalised", flat=True)) == [
            "+14155552671",
            "jon@example.com",
        ]
        assert customer.name_key == "jonathan okafor"

    def test_a_possible_duplicate_is_shown_and_nothing_is_created(self, client_for):
        client, _ = client_for("agent")
        household = HouseholdFactory()
        existing = services.customer_create(
            first_name="Jonathan", last_name="Okafor", household=household
        )

        response = client.post(
            "/customers/new/", _create_form(first_name="Jonathon", household=household.pk)
        )

        assert response.status_code == 200
        body = _text(response)
        assert 'data-testid="duplicate-warning"' in body
        assert f"/customers/{existing.pk}/" in body
        assert Customer.objects.count() == 1

    def test_ticking_create_anyway_creates_the_customer(self, client_for):
        client, _ = client_for("agent")
        household = HouseholdFactory()
        services.customer_create(first_name="Jonathan", last_name="Okafor", household=household)

        response = client.post(
            "/customers/new/",
            _create_form(first_name="Jonathon", household=household.pk, create_anyway="on"),
        )

        assert response.status_code == 302
        assert Customer.objects.filter(first_name="Jonathon").exists()

    def test_a_taken_email_is_a_duplicate_warning_then_a_readable_conflict(self, client_for):
        client, _ = client_for("agent")
        services.customer_create(
            first_name="Maria",
            last_name="Holder",
            contact_points=[ContactPointInput(kind="email", value="m@example.com")],
        )

        warned = client.post("/customers/new/", _create_form(email="M@example.com"))
        forced = client.post(
            "/customers/new/", _create_form(email="M@example.com", create_anyway="on")
        )

        assert "Maria Holder" in _text(warned) and "duplicate-warning" in _text(warned)
        assert forced.status_code == 200
        assert "already belongs to Maria Holder" in _text(forced)
        assert Customer.objects.count() == 1

    def test_an_invalid_phone_shows_a_field_error_and_creates_nothing(self, client_for):
        client, _ = client_for("agent")

        response = client.post("/customers/new/", _create_form(phone="555-12"))

        assert response.status_code == 200
        assert response.context["form"].errors["phone"]
        assert 'id="id_phone_error"' in _text(response)
        assert not Customer.objects.exists()

    def test_an_invalid_email_shows_a_field_error(self, client_for):
        client, _ = client_for("agent")

        response = client.post("/customers/new/", _create_form(email="not-an-email"))

        assert response.context["form"].errors["email"]
        assert not Customer.objects.exists()

    def test_an_organisation_without_a_name_is_refused(self, client_for):
        client, _ = client_for("agent")

        response = client.post(
            "/customers/new/", _create_form(kind="organisation", first_name="", last_name="")
        )

        assert response.status_code == 200
        assert "organisation needs a name" in _text(response)
        assert not Customer.objects.exists()

    def test_household_is_prefilled_from_the_query(self, client_for):
        client, _ = client_for("agent")
        household = HouseholdFactory()

        response = client.get("/customers/new/", {"household": household.pk})

        assert str(response.context["form"]["household"].value()) == str(household.pk)

    @pytest.mark.parametrize("role", ["marketer", "qa_analyst"])
    def test_readers_who_may_not_edit_get_403(self, client_for, role):
        client, _ = client_for(role)

        assert client.post("/customers/new/", _create_form()).status_code == 403
        assert not Customer.objects.exists()


class TestEditPage:
    def test_saves_and_rewrites_name_keys(self, client_for):
        client, _ = client_for("agent")
        customer = services.customer_create(first_name="Ann", last_name="Lee")

        response = client.post(
            f"/customers/{customer.pk}/edit/",
            _create_form(first_name="Ann", last_name="Léger", status="customer"),
        )

        assert response.status_code == 302
        customer.refresh_from_db()
        assert (customer.last_name, customer.surname_key, customer.status) == (
            "Léger",
            "leger ann",
            "customer",
        )

    def test_shows_the_current_values(self, client_for):
        client, _ = client_for("agent")
        customer = services.customer_create(first_name="Ann", last_name="Lee")

        response = client.get(f"/customers/{customer.pk}/edit/")

        assert response.status_code == 200
        assert 'value="Lee"' in _text(response)

    def test_marketer_may_not_edit(self, client_for):
        client, _ = client_for("marketer")
        customer = CustomerFactory(last_name="Lee")

        assert (
            client.post(f"/customers/{customer.pk}/edit/", _create_form(last_name="X")).status_code
            == 403
        )
        customer.refresh_from_db()
        assert customer.last_name == "Lee"


class TestSmallForms:
    def test_add_contact_point(self, client_for):
        client, _ = client_for("agent")
        customer = CustomerFactory()

        response = client.post(
            f"/customers/{customer.pk}/contact-points/",
            {"kind": "phone", "value": "415.555.2671", "label": "mobile"},
        )

        assert response.status_code == 302
        assert customer.contact_points.get().normalised == "+14155552671"
        assert "Contact point added." in _messages(response)

    def test_add_a_taken_contact_point_shows_who_has_it(self, client_for):
        client, _ = client_for("agent")
        ContactPointFactory(
            customer=CustomerFactory(first_name="Maria", last_name="Holder"), value="m@example.com"
        )
        customer = CustomerFactory()

        response = client.post(
            f"/customers/{customer.pk}/contact-points/",
            {"kind": "email", "value": "m@example.com"},
            follow=True,
        )

        assert "Maria Holder" in _text(response)
        assert not customer.contact_points.exists()

    def test_add_an_invalid_contact_point_says_why(self, client_for):
        client, _ = client_for("agent")
        customer = CustomerFactory()

        response = client.post(
            f"/customers/{customer.pk}/contact-points/", {"kind": "phone", "value": "555-12"}
        )

        assert response.status_code == 400
        assert "not a valid phone number" in _text(response)
        assert 'value="555-12"' in _text(response)  # what was typed comes back
        assert not customer.contact_points.exists()

    def test_remove_contact_point(self, client_for):
        client, _ = client_for("agent")
        point = ContactPointFactory()

        response = client.post(f"/customers/{point.customer_id}/contact-points/{point.pk}/remove/")

        assert response.status_code == 302
        assert not ContactPoint.objects.filter(pk=point.pk).exists()

    def test_remove_a_point_of_another_customer_is_404(self, client_for):
        client, _ = client_for("agent")
        point = ContactPointFactory()
        other = CustomerFactory()

        response = client.post(f"/customers/{other.pk}/contact-points/{point.pk}/remove/")

        assert response.status_code == 404
        assert ContactPoint.objects.filter(pk=point.pk).exists()

    def test_record_consent(self, client_for):
        client, agent = client_for("agent")
        customer = CustomerFactory()
        ConsentFactory(customer=customer, channel="email", purpose="marketing", granted=True)

        client.post(
            f"/customers/{customer.pk}/consents/",
            {"channel": "email", "purpose": "marketing", "granted": "false", "source": "call"},
        )

        newest = Consent.objects.filter(customer=customer).order_by("-recorded_at").first()
        assert Consent.objects.filter(customer=customer).count() == 2
        assert (newest.granted, newest.source, newest.recorded_by) == (False, "call", agent)

    def test_add_holding(self, client_for):
        client, _ = client_for("agent")
        customer = CustomerFactory(status="prospect")
        product = ProductFactory()

        response = client.post(
            f"/customers/{customer.pk}/holdings/",
            {"product": product.pk, "since": "2024-02-01", "value": "120"},
        )

        assert "Product added." in _messages(response)
        assert Holding.objects.get(customer=customer).product == product
        customer.refresh_from_db()
        assert customer.status == "customer"

    def test_add_holding_in_the_future_is_refused(self, client_for):
        client, _ = client_for("agent")
        customer = CustomerFactory()
        tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

        response = client.post(
            f"/customers/{customer.pk}/holdings/",
            {"product": ProductFactory().pk, "since": tomorrow, "value": "0"},
        )

        assert response.status_code == 400
        assert "cannot start in the future" in _text(response)
        assert not Holding.objects.exists()

    def test_add_note(self, client_for):
        client, agent = client_for("agent")
        customer = CustomerFactory()

        client.post(
            f"/customers/{customer.pk}/notes/", {"body": "Wants a callback.", "pinned": "on"}
        )

        note = Note.objects.get(customer=customer)
        assert (note.body, note.author, note.pinned) == ("Wants a callback.", agent, True)

    def test_empty_note_is_refused(self, client_for):
        client, _ = client_for("agent")
        customer = CustomerFactory()

        response = client.post(f"/customers/{customer.pk}/notes/", {"body": "   "})

        assert response.status_code == 400
        assert "This field is required." in _text(response)
        assert not Note.objects.exists()

    def test_a_refused_note_keeps_what_was_typed(self, client_for):
        client, _ = client_for("agent")
        customer = CustomerFactory()
        long_note = "Called about the card. " * 250  # past the 5,000 characters a note may hold

        response = client.post(f"/customers/{customer.pk}/notes/", {"body": long_note})

        assert response.status_code == 400
        assert long_note.strip()[:200] in _text(response)

    def test_forms_are_post_only(self, client_for):
        client, _ = client_for("agent")
        customer = CustomerFactory()

        assert client.get(f"/customers/{customer.pk}/notes/").status_code == 405

    @pytest.mark.parametrize(
        ("path", "data"),
        [
            ("contact-points/", {"kind": "email", "value": "x@example.com"}),
            (
                "consents/",
                {"channel": "email", "purpose": "marketing", "granted": "true", "source": "web"},
            ),
            ("notes/", {"body": "Hi"}),
        ],
    )
    def test_marketer_may_not_post(self, client_for, path, data):
        client, _ = client_for("marketer")
        customer = CustomerFactory()

        assert client.post(f"/customers/{customer.pk}/{path}", data).status_code == 403
        assert not (
            customer.contact_points.exists()
            or customer.consents.exists()
            or customer.notes.exists()
        )


class TestExportCsvPage:
    """An export is queued, written by the worker with progress, then downloaded by its owner."""

    @pytest.mark.parametrize("role", ["marketer", "admin"])
    def test_exporters_get_a_csv_of_the_search(
        self, client_for, role, django_capture_on_commit_callbacks
    ):
        client, user = client_for(role)
        CustomerFactory(
            first_name='=HYPERLINK("http://evil")', last_name="Okafor", status="customer"
        )
        CustomerFactory(last_name="Brown", status="prospect")

        with django_capture_on_commit_callbacks(execute=True):
            started = client.post("/customers/exports/", {"status": "customer"})
        export = CustomerExport.objects.get()
        page = client.get(started["Location"])
        response = client.get(f"/customers/exports/{export.pk}/download/")

        assert started["Location"] == f"/customers/exports/{export.pk}/"
        assert "1 of 1 customers" in _text(page) and "Download CSV" in _text(page)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
        body = b"".join(response.streaming_content).decode()
        rows = list(csv.DictReader(io.StringIO(body)))
        assert [r["last_name"] for r in rows] == ["Okafor"]
        assert rows[0]["first_name"] == '\'=HYPERLINK("http://evil")'
        event = AuditEvent.objects.get(action="customers.exported")
        assert (event.actor, event.detail) == (
            user,
            {"rows": 1, "filters": {"status": "customer"}, "text_search": False},
        )

    def test_the_search_text_is_not_kept_once_the_export_ran(
        self, client_for, django_capture_on_commit_callbacks
    ):
        client, _ = client_for("marketer")
        CustomerFactory(last_name="Okafor")

        with django_capture_on_commit_callbacks(execute=True):
            client.post("/customers/exports/", {"q": "okafor"})

        export = CustomerExport.objects.get()
        assert (export.status, export.query, export.text_search) == ("done", "", True)

    def test_a_queued_export_shows_a_polling_progress_bar(self, client_for):
        client, _ = client_for("marketer")

        started = client.post("/customers/exports/", {})  # the worker has not run yet
        page = _text(client.get(started["Location"], HTTP_HX_REQUEST="true"))

        assert 'role="progressbar"' in page and 'hx-trigger="every 1s"' in page
        assert "Queued" in page and "Download CSV" not in page

    def test_someone_elses_export_is_not_found(self, client_for, make_user):
        client, _ = client_for("marketer")
        theirs = CustomerExport.objects.create(requested_by=make_user("admin"))

        assert client.get(f"/customers/exports/{theirs.pk}/").status_code == 404
        assert client.get(f"/customers/exports/{theirs.pk}/download/").status_code == 404

    @pytest.mark.parametrize("role", ["agent", "supervisor", "qa_analyst"])
    def test_others_get_403(self, client_for, role):
        client, _ = client_for(role)
        CustomerFactory()

        assert client.post("/customers/exports/", {}).status_code == 403
        assert not CustomerExport.objects.exists()


class TestDataExportAndErasePages:
    def test_admin_downloads_the_json(self, client_for):
        client, _ = client_for("admin")
        customer = CustomerFactory(first_name="Ann")

        response = client.get(f"/customers/{customer.pk}/export.json")

        assert response.status_code == 200
        assert f"customer-{customer.pk}.json" in response["Content-Disposition"]
        assert json.loads(response.content)["customer"]["first_name"] == "Ann"
        assert AuditEvent.objects.filter(action="customer.data_exported").count() == 1

    @pytest.mark.parametrize("role", ["agent", "supervisor", "marketer"])
    def test_data_export_and_erase_are_admin_only(self, client_for, role):
        client, _ = client_for(role)
        customer = CustomerFactory(last_name="Lee")

        assert client.get(f"/customers/{customer.pk}/export.json").status_code == 403
        assert client.get(f"/customers/{customer.pk}/erase/").status_code == 403
        assert (
            client.post(
                f"/customers/{customer.pk}/erase/", {"confirm": str(customer.pk)}
            ).status_code
            == 403
        )
        customer.refresh_from_db()
        assert customer.erased_at is None
        assert not AuditEvent.objects.exists()

    def test_erase_page_asks_for_the_id(self, client_for):
        client, _ = client_for("admin")
        customer = CustomerFactory()

        response = client.get(f"/customers/{customer.pk}/erase/")

        assert response.status_code == 200
        assert f"<strong>{customer.pk}</strong>" in _text(response)
        assert 'name="confirm"' in _text(response)

    @pytest.mark.parametrize("typed", ["", "yes", "0"])
    def test_erase_without_the_right_id_does_nothing(self, client_for, typed):
        client, _ = client_for("admin")
        customer = CustomerFactory(last_name="Lee")

        response = client.post(f"/customers/{customer.pk}/erase/", {"confirm": typed})

        assert response.status_code == 200
        assert "Type the customer number to confirm." in _text(response)
        customer.refresh_from_db()
        assert (customer.last_name, customer.erased_at) == ("Lee", None)

    def test_erase_with_the_id_erases_and_returns_to_search(self, client_for):
        client, _ = client_for("admin")
        customer = services.customer_create(
            first_name="Annwyl",
            last_name="Quillfeather",  # a name no generated staff member can share
            contact_points=[ContactPointInput(kind="email", value="a@example.com")],
        )

        response = client.post(f"/customers/{customer.pk}/erase/", {"confirm": str(customer.pk)})

        assert response.status_code == 302
        assert response["Location"] == "/customers/"
        customer.refresh_from_db()
        assert customer.erased_at is not None and customer.last_name != "Quillfeather"
        assert not ContactPoint.objects.exists()
        assert "Quillfeather" not in _text(client.get("/customers/"))


class TestHouseholdAndProductPages:
    def test_household_page_lists_members_and_products(self, client_for):
        client, _ = client_for("agent")
        household = HouseholdFactory(name="The Okafors")
        ada = CustomerFactory(first_name="Ada", household=household)
        HoldingFactory(customer=ada, product__name="Gold card")

        body = _text(client.get(f"/households/{household.pk}/"))

        assert "The Okafors" in body and "Ada" in body and "Gold card" in body

    def test_create_household(self, client_for):
        client, _ = client_for("agent")

        response = client.post("/households/new/", {"name": "The Lees", "country": "US"})

        assert response.status_code == 302
        assert "The Lees" in _text(client.get("/households/", {"q": "lees"}))

    def test_products_page(self, client_for):
        client, _ = client_for("qa_analyst")
        ProductFactory(name="Travel insurance")

        assert "Travel insurance" in _text(client.get("/products/"))


def test_an_export_with_a_bad_filter_exports_nothing(client_for):
    client, _ = client_for("marketer")
    CustomerFactory.create_batch(3)

    response = client.post("/customers/exports/", {"status": "zzz"})

    assert response.status_code == 400
    assert b"status" in response.content
    assert not CustomerExport.objects.exists()


def test_edit_places_a_customer_in_a_household_by_its_number_and_clears_review(client_for):
    client, _ = client_for("agent")
    home = HouseholdFactory()
    customer = CustomerFactory(needs_review=True)
    form = {
        "kind": "person",
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "language": "en",
        "segment": "consumer",
        "value_tier": "standard",
        "lifetime_value": "0",
        "status": "customer",
    }

    unknown = client.post(f"/customers/{customer.pk}/edit/", {**form, "household": home.pk + 99})
    client.post(f"/customers/{customer.pk}/edit/", {**form, "household": home.pk})

    assert "There is no household with this number." in unknown.content.decode()
    customer.refresh_from_db()
    assert (customer.household, customer.needs_review) == (home, False)
