"""Who sent this? The customer behind a contact point, or a new prospect for review; never a merge."""

import threading

import pytest
from django.db import connection
from django.db.models.signals import post_save

from rapport.core.errors import ValidationFailed
from rapport.customers.models import ContactPoint, Customer
from rapport.customers.services import customer_for_sender
from rapport.customers.tests.factories import ContactPointFactory, CustomerFactory, PhoneFactory


@pytest.mark.django_db
@pytest.mark.parametrize(
    "written",
    [
        "(212) 555-0100",
        "212-555-0100",
        "+1 212 555 0100",
        "2125550100",
        "+12125550100",
        "212.555.0100",
    ],
)
def test_a_known_number_in_any_format_is_its_customer(written):
    point = PhoneFactory(normalised="+12125550100")

    assert customer_for_sender(kind="phone", raw=written) == point.customer
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_a_known_address_in_any_case_is_its_customer():
    point = ContactPointFactory(value="alice@example.com")

    assert customer_for_sender(kind="email", raw="  Alice@Example.COM ") == point.customer


@pytest.mark.django_db
def test_a_handle_belongs_to_its_network():
    point = ContactPointFactory(kind="social", network="x", value="@Alice", normalised="alice")

    assert customer_for_sender(kind="social", raw="@alice", network="x") == point.customer
    elsewhere = customer_for_sender(kind="social", raw="@alice", network="instagram")
    assert elsewhere != point.customer
    assert elsewhere.contact_points.get().network == "instagram"


@pytest.mark.django_db
def test_an_unknown_sender_becomes_a_prospect_to_review():
    customer = customer_for_sender(kind="phone", raw="(415) 555-0199", name="  Zoë   van der Berg ")

    assert (customer.status, customer.needs_review, customer.source) == (
        "prospect",
        True,
        "inbound",
    )
    assert (customer.first_name, customer.last_name) == ("Zoë van der", "Berg")
    point = customer.contact_points.get()
    assert (point.kind, point.value, point.normalised) == (
        "phone",
        "(415) 555-0199",
        "+14155550199",
    )
    # and the next message from them finds the same prospect
    assert customer_for_sender(kind="phone", raw="+1 415 555 0199") == customer
    assert Customer.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "raw", "last_name"),
    [
        ("email", "Jo.Bloggs@Example.com", "jo.bloggs"),
        ("phone", "+12125550142", "+12125550142"),
        ("social", "@jo_b", "jo_b"),
    ],
)
def test_a_nameless_prospect_is_named_after_the_contact_point(kind, raw, last_name):
    customer = customer_for_sender(kind=kind, raw=raw)

    assert (customer.first_name, customer.last_name) == ("", last_name)


@pytest.mark.django_db
def test_two_customers_are_never_merged():
    # given Alice by e-mail and Bob by phone
    alice = ContactPointFactory(value="alice@example.com").customer
    bob = PhoneFactory(normalised="+12125550100").customer

    # when Alice writes signing with Bob's name, and Bob texts
    from_alice = customer_for_sender(kind="email", raw="alice@example.com", name=str(bob))
    from_bob = customer_for_sender(kind="phone", raw="212 555 0100", name=str(alice))

    # then each is themselves, with nothing moved between them
    assert (from_alice, from_bob) == (alice, bob)
    assert list(alice.contact_points.values_list("kind", flat=True)) == ["email"]
    assert list(bob.contact_points.values_list("kind", flat=True)) == ["phone"]
    assert Customer.objects.count() == 2


@pytest.mark.django_db
def test_two_unknown_senders_with_one_name_are_two_prospects():
    first = customer_for_sender(kind="email", raw="sam@example.com", name="Sam Smith")
    second = customer_for_sender(kind="email", raw="sam.smith@example.org", name="Sam Smith")

    assert first != second
    assert Customer.objects.filter(needs_review=True).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("phone", "call me maybe"),
        ("phone", "123"),
        ("email", "not-an-address"),
        ("social", " "),
        ("pigeon", "x"),
    ],
)
def test_an_invalid_sender_is_refused(kind, raw):
    with pytest.raises(ValidationFailed):
        customer_for_sender(kind=kind, raw=raw)

    assert not Customer.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs a second connection writing while the first holds its transaction (PostgreSQL)",
)
def test_a_sender_created_by_someone_else_meanwhile_is_read_not_duplicated():
    # given another process creates the same new sender between our lookup and our insert
    # (it commits while our prospect is saved but before its phone number is)
    rival: dict[str, Customer] = {}

    def other_process() -> None:
        try:
            customer = CustomerFactory(status="prospect", needs_review=True, source="inbound")
            ContactPoint.objects.create(
                customer=customer, kind="phone", value="+12125550177", normalised="+12125550177"
            )
            rival["customer"] = customer
        finally:
            connection.close()

    started = threading.Event()

    def meanwhile(sender, instance, created, **kwargs) -> None:
        if created and not started.is_set():
            started.set()
            thread = threading.Thread(target=other_process)
            thread.start()
            thread.join()

    post_save.connect(meanwhile, sender=Customer, dispatch_uid="race")
    try:
        # when the message from that sender is resolved here
        found = customer_for_sender(kind="phone", raw="(212) 555-0177", name="Rae Race")
    finally:
        post_save.disconnect(sender=Customer, dispatch_uid="race")

    # then we get the other process's customer, and our half-made prospect is gone
    assert found == rival["customer"]
    assert Customer.objects.count() == 1
    assert ContactPoint.objects.filter(normalised="+12125550177").count() == 1
