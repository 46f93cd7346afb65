"""Services for what hangs off a customer: contact points, holdings, consents, notes, households."""

import datetime

import pytest
from django.utils import timezone

from rapport.core.errors import Conflict, ValidationFailed
from rapport.customers import selectors, services
from rapport.customers.models import Consent, ContactPoint, Holding, Note
from rapport.customers.services import ContactPointInput
from rapport.customers.tests.factories import (
    ContactPointFactory,
    CustomerFactory,
    PhoneFactory,
    ProductFactory,
)

pytestmark = pytest.mark.django_db


class TestContactPointAdd:
    def test_stores_the_normalised_value(self):
        customer = CustomerFactory()

        point = services.contact_point_add(
            customer=customer, point=ContactPointInput(kind="phone", value="415.555.2671")
        )

        assert point.normalised == "+14155552671"
        assert point.value == "415.555.2671"
        assert point.customer == customer

    def test_a_value_held_by_someone_else_is_a_conflict_naming_them(self):
        holder = CustomerFactory(first_name="Maria", last_name="Holder")
        PhoneFactory(customer=holder, value="415-555-2671", normalised="+14155552671")
        other = CustomerFactory()

        with pytest.raises(Conflict) as caught:
            services.contact_point_add(
                customer=other, point=ContactPointInput(kind="phone", value="(415) 555 2671")
            )

        assert caught.value.status == 409
        assert "Maria Holder" in caught.value.message
        assert not other.contact_points.exists()

    def test_an_invalid_value_names_the_value_field(self):
        with pytest.raises(ValidationFailed) as caught:
            services.contact_point_add(
                customer=CustomerFactory(), point=ContactPointInput(kind="email", value="nope")
            )

        assert list(caught.value.fields) == ["value"]

    def test_a_new_preferred_point_unsets_the_old_one_of_the_same_kind_only(self):
        customer = CustomerFactory()
        old_email = ContactPointFactory(customer=customer, preferred=True)
        phone = PhoneFactory(customer=customer, preferred=True)

        new_email = services.contact_point_add(
            customer=customer,
            point=ContactPointInput(kind="email", value="new@example.com", preferred=True),
        )

        old_email.refresh_from_db()
        phone.refresh_from_db()
        assert old_email.preferred is False
        assert new_email.preferred is True
        assert phone.preferred is True
        assert customer.contact_points.filter(kind="email", preferred=True).count() == 1


class TestContactPointUpdate:
    def test_a_new_value_is_normalised(self):
        point = PhoneFactory()

        services.contact_point_update(contact_point=point, value="+1 415 555 2671")

        point.refresh_from_db()
        assert point.normalised == "+14155552671"
        assert point.value == "+1 415 555 2671"

    def test_keeping_ones_own_value_in_another_format_is_allowed(self):
        point = PhoneFactory(value="415-555-2671", normalised="+14155552671")

        services.contact_point_update(contact_point=point, value="(415) 555-2671", label="home")

        point.refresh_from_db()
        assert point.value == "(415) 555-2671"
        assert point.label == "home"

    def test_a_value_taken_by_another_customer_is_a_conflict(self):
        ContactPointFactory(
            customer=CustomerFactory(first_name="Maria", last_name="Holder"), value="m@example.com"
        )
        point = ContactPointFactory()
        original = point.normalised

        with pytest.raises(Conflict) as caught:
            services.contact_point_update(contact_point=point, value="M@example.com")

        assert "Maria Holder" in caught.value.message
        point.refresh_from_db()
        assert point.normalised == original

    def test_making_one_preferred_unsets_the_others_of_that_kind(self):
        customer = CustomerFactory()
        first = ContactPointFactory(customer=customer, preferred=True)
        second = ContactPointFactory(customer=customer, preferred=False)
        phone = PhoneFactory(customer=customer, preferred=True)

        services.contact_point_update(contact_point=second, preferred=True)

        first.refresh_from_db()
        second.refresh_from_db()
        phone.refresh_from_db()
        assert (first.preferred, second.preferred, phone.preferred) == (False, True, True)

    def test_kind_and_customer_cannot_change(self):
        point = ContactPointFactory()

        with pytest.raises(ValidationFailed):
            services.contact_point_update(contact_point=point, kind="phone")

    def test_invalid_value_is_rejected(self):
        point = PhoneFactory()

        with pytest.raises(ValidationFailed) as caught:
            services.contact_point_update(contact_point=point, value="abc")
        assert "value" in caught.value.fields


def test_contact_point_remove_deletes_it():
    point = ContactPointFactory()

    services.contact_point_remove(contact_point=point)

    assert not ContactPoint.objects.filter(pk=point.pk).exists()


class TestHoldingAdd:
    def test_a_future_start_is_rejected(self):
        customer = CustomerFactory(status="prospect")
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)

        with pytest.raises(ValidationFailed) as caught:
            services.holding_add(customer=customer, product=ProductFactory(), since=tomorrow)

        assert "since" in caught.value.fields
        assert not Holding.objects.exists()
        customer.refresh_from_db()
        assert customer.status == "prospect"

    def test_today_is_allowed(self):
        holding = services.holding_add(
            customer=CustomerFactory(), product=ProductFactory(), since=timezone.localdate()
        )

        assert holding.pk is not None

    def test_an_active_holding_makes_a_prospect_a_customer(self):
        customer = CustomerFactory(status="prospect")

        services.holding_add(
            customer=customer, product=ProductFactory(), since=datetime.date(2024, 5, 1)
        )

        customer.refresh_from_db()
        assert customer.status == "customer"

    def test_a_pending_holding_leaves_a_prospect_a_prospect(self):
        customer = CustomerFactory(status="prospect")

        services.holding_add(
            customer=customer,
            product=ProductFactory(),
            since=datetime.date(2024, 5, 1),
            status="pending",
        )

        customer.refresh_from_db()
        assert customer.status == "prospect"

    def test_holding_end_cancels_it_on_the_day(self):
        holding = services.holding_add(
            customer=CustomerFactory(), product=ProductFactory(), since=datetime.date(2024, 5, 1)
        )

        services.holding_end(holding=holding, on=datetime.date(2024, 6, 1))

        holding.refresh_from_db()
        assert (holding.status, holding.ended_on) == ("cancelled", datetime.date(2024, 6, 1))


class TestConsentRecord:
    def test_each_decision_is_a_new_row(self, make_user):
        customer = CustomerFactory()
        agent = make_user("agent")

        first = services.consent_record(
            customer=customer,
            channel="email",
            purpose="marketing",
            granted=True,
            source="call",
            by=agent,
        )
        second = services.consent_record(
            customer=customer, channel="email", purpose="marketing", granted=False, source="letter"
        )

        assert first.pk != second.pk
        assert Consent.objects.filter(customer=customer).count() == 2
        first.refresh_from_db()
        assert first.granted is True  # the earlier decision is never overwritten
        assert first.recorded_by == agent
        assert second.recorded_by is None

    def test_current_consents_shows_the_newest_per_channel_and_purpose(self):
        customer = CustomerFactory()
        base = timezone.now() - datetime.timedelta(days=10)
        services.consent_record(
            customer=customer,
            channel="email",
            purpose="marketing",
            granted=True,
            source="web",
            at=base,
        )
        services.consent_record(
            customer=customer,
            channel="email",
            purpose="marketing",
            granted=False,
            source="call",
            at=base + datetime.timedelta(days=2),
        )
        services.consent_record(
            customer=customer,
            channel="sms",
            purpose="marketing",
            granted=True,
            source="web",
            at=base,
        )
        services.consent_record(
            customer=customer,
            channel="email",
            purpose="surveys",
            granted=True,
            source="web",
            at=base + datetime.timedelta(days=1),
        )
        # An older decision recorded later (back-filled) does not replace the newer one
        services.consent_record(
            customer=customer,
            channel="sms",
            purpose="marketing",
            granted=False,
            source="letter",
            at=base - datetime.timedelta(days=5),
        )

        current = {
            (c.channel, c.purpose): (c.granted, c.source)
            for c in selectors.current_consents(customer=customer)
        }

        assert current == {
            ("email", "marketing"): (False, "call"),
            ("email", "surveys"): (True, "web"),
            ("sms", "marketing"): (True, "web"),
        }

    def test_a_source_is_required(self):
        with pytest.raises(ValidationFailed) as caught:
            services.consent_record(
                customer=CustomerFactory(),
                channel="email",
                purpose="marketing",
                granted=True,
                source=" ",
            )

        assert "source" in caught.value.fields


class TestNoteAdd:
    @pytest.mark.parametrize("body", ["", "   ", "\n\t"])
    def test_an_empty_note_is_rejected(self, body, make_user):
        with pytest.raises(ValidationFailed) as caught:
            services.note_add(customer=CustomerFactory(), body=body, by=make_user("agent"))

        assert "body" in caught.value.fields
        assert not Note.objects.exists()

    def test_stores_trimmed_body_and_author(self, make_user):
        agent = make_user("agent")

        note = services.note_add(
            customer=CustomerFactory(), body="  Called about billing.  ", by=agent, pinned=True
        )

        assert (note.body, note.author, note.pinned) == ("Called about billing.", agent, True)


class TestHouseholdAndProduct:
    def test_household_needs_a_name(self):
        with pytest.raises(ValidationFailed):
            services.household_create(name="  ")

    def test_household_set_places_the_customer(self):
        household = services.household_create(name=" The Okafors ", city="Lagos")
        customer = CustomerFactory()

        services.household_set(customer=customer, household=household)

        customer.refresh_from_db()
        assert customer.household.name == "The Okafors"

    def test_duplicate_product_code_is_a_conflict(self):
        ProductFactory(code="gold-card")

        with pytest.raises(Conflict) as caught:
            services.product_create(code="gold-card", name="Gold", category="card")

        assert caught.value.status == 409
        assert "code" in caught.value.fields
