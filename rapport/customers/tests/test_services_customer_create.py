"""customer_create and customer_update: name keys, contact points, conflicts, validation."""

import pytest

from rapport.core.errors import Conflict, ValidationFailed
from rapport.customers import services
from rapport.customers.models import ContactPoint, Customer
from rapport.customers.services import ContactPointInput
from rapport.customers.tests.factories import ContactPointFactory, CustomerFactory, HouseholdFactory

pytestmark = pytest.mark.django_db


class TestCustomerCreate:
    def test_sets_name_keys_from_the_name(self):
        customer = services.customer_create(first_name="Zoë", last_name="  O'Brien ")

        customer.refresh_from_db()
        assert customer.name_key == "zoe o'brien"
        assert customer.surname_key == "o'brien zoe"
        assert customer.first_name == "Zoë"

    def test_names_are_stored_in_nfc(self):
        customer = services.customer_create(first_name="Zoe\u0308", last_name="Lee")

        customer.refresh_from_db()
        assert customer.first_name == "Zo\u00eb"

    def test_organisation_keys_on_its_name(self):
        customer = services.customer_create(kind="organisation", organisation_name="Ácme  Widgets")

        assert customer.name_key == customer.surname_key == "acme widgets"
        assert customer.display_name == "Ácme  Widgets"

    def test_contact_points_are_stored_as_written_and_normalised(self):
        customer = services.customer_create(
            first_name="Ann",
            last_name="Lee",
            contact_points=[
                ContactPointInput(kind="phone", value=" (415) 555-2671 ", preferred=True),
                ContactPointInput(kind="email", value="Ann.Lee@Example.COM"),
                ContactPointInput(kind="social", network="x", value="@AnnLee"),
            ],
        )

        points = {p.kind: p for p in customer.contact_points.all()}
        assert points["phone"].value == "(415) 555-2671"
        assert points["phone"].normalised == "+14155552671"
        assert points["phone"].preferred is True
        assert points["email"].normalised == "ann.lee@example.com"
        assert points["social"].normalised == "annlee"
        assert points["social"].network == "x"

    def test_network_is_dropped_for_non_social_points(self):
        customer = services.customer_create(
            first_name="Ann",
            contact_points=[ContactPointInput(kind="email", value="a@example.com", network="x")],
        )

        assert customer.contact_points.get().network == ""

    def test_contact_point_held_by_another_customer_is_a_conflict_naming_them(self):
        # Given Maria Holder owns a phone number
        holder = services.customer_create(
            first_name="Maria",
            last_name="Holder",
            contact_points=[ContactPointInput(kind="phone", value="415-555-2671")],
        )
        # When someone creates a new customer with the same number written differently
        with pytest.raises(Conflict) as caught:
            services.customer_create(
                first_name="Other",
                last_name="Person",
                contact_points=[ContactPointInput(kind="phone", value="+1 (415) 555.2671")],
            )
        # Then it is a 409 that names the holder, and nothing was made
        assert caught.value.status == 409
        assert caught.value.code == "contact_point_taken"
        assert "Maria Holder" in caught.value.message
        assert str(holder.pk) in caught.value.message
        assert not Customer.objects.filter(last_name="Person").exists()
        assert ContactPoint.objects.count() == 1

    def test_email_in_another_case_is_the_same_contact_point(self):
        services.customer_create(
            first_name="Maria",
            last_name="Holder",
            contact_points=[ContactPointInput(kind="email", value="m@example.com")],
        )

        with pytest.raises(Conflict) as caught:
            services.customer_create(
                first_name="X",
                contact_points=[ContactPointInput(kind="email", value="M@EXAMPLE.COM")],
            )
        assert "Maria Holder" in caught.value.message

    def test_taken_email_sent_with_a_stray_network_is_still_a_conflict_naming_the_holder(self):
        services.customer_create(
            first_name="Maria",
            last_name="Holder",
            contact_points=[ContactPointInput(kind="email", value="m@example.com")],
        )

        with pytest.raises(Conflict) as caught:
            services.customer_create(
                first_name="X",
                contact_points=[
                    ContactPointInput(kind="email", value="m@example.com", network="x")
                ],
            )
        assert "Maria Holder" in caught.value.message

    def test_invalid_inline_phone_names_its_position(self):
        with pytest.raises(ValidationFailed) as caught:
            services.customer_create(
                first_name="Ann",
                contact_points=[
                    ContactPointInput(kind="email", value="ann@example.com"),
                    ContactPointInput(kind="phone", value="not a phone"),
                ],
            )

        assert list(caught.value.fields) == ["contact_points[1].value"]
        assert caught.value.status == 400
        assert not Customer.objects.exists()
        assert not ContactPoint.objects.exists()

    def test_invalid_first_inline_phone_is_contact_points_0_value(self):
        with pytest.raises(ValidationFailed) as caught:
            services.customer_create(
                first_name="Ann", contact_points=[ContactPointInput(kind="phone", value="12")]
            )

        assert "contact_points[0].value" in caught.value.fields

    def test_organisation_without_a_name_is_rejected(self):
        with pytest.raises(ValidationFailed) as caught:
            services.customer_create(kind="organisation", organisation_name="   ", first_name="Ann")

        assert "organisation_name" in caught.value.fields
        assert not Customer.objects.exists()

    def test_person_without_any_name_is_rejected(self):
        with pytest.raises(ValidationFailed) as caught:
            services.customer_create(first_name=" ", last_name="")

        assert "last_name" in caught.value.fields

    def test_unknown_fields_are_rejected(self):
        with pytest.raises(ValidationFailed) as caught:
            services.customer_create(first_name="Ann", name_key="forged", erased_at=None)

        assert "erased_at" in caught.value.message and "name_key" in caught.value.message

    def test_creation_is_recorded_in_history(self):
        customer = services.customer_create(first_name="Ann", last_name="Lee")

        assert [r.history_type for r in customer.history.all()] == ["+"]


class TestCustomerUpdate:
    def test_a_new_name_rewrites_the_name_keys(self):
        customer = services.customer_create(first_name="Ann", last_name="Lee")

        services.customer_update(customer=customer, first_name="Élodie", last_name="Martin")

        customer.refresh_from_db()
        assert customer.name_key == "elodie martin"
        assert customer.surname_key == "martin elodie"

    def test_moves_into_a_household(self):
        customer = CustomerFactory()
        household = HouseholdFactory()

        services.customer_update(customer=customer, household=household)

        customer.refresh_from_db()
        assert customer.household == household

    def test_removing_every_name_is_rejected_and_not_saved(self):
        customer = services.customer_create(first_name="Ann", last_name="Lee")

        with pytest.raises(ValidationFailed):
            services.customer_update(customer=customer, first_name="", last_name="")

        customer.refresh_from_db()
        assert customer.last_name == "Lee"

    def test_unknown_fields_are_rejected(self):
        customer = CustomerFactory()

        with pytest.raises(ValidationFailed):
            services.customer_update(customer=customer, erased_at=None)

    def test_each_update_adds_a_history_row(self):
        customer = services.customer_create(first_name="Ann", last_name="Lee")

        services.customer_update(customer=customer, last_name="Leigh")

        assert [r.history_type for r in customer.history.order_by("history_id")] == ["+", "~"]
        assert customer.history.latest("history_id").last_name == "Leigh"


def test_existing_contact_point_of_a_factory_customer_blocks_creation():
    ContactPointFactory(value="Taken@Example.com", normalised="taken@example.com")

    with pytest.raises(Conflict):
        services.customer_create(
            first_name="A",
            contact_points=[ContactPointInput(kind="email", value="taken@example.com")],
        )
