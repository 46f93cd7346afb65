"""Reading customers for matching: current customers only, with their contact points and the
household's address, in id order, in a fixed number of queries."""

import datetime as dt

import pytest
from django.utils import timezone

from rapport.customers.models import ContactPoint, Customer, Household
from rapport.customers.normalise import name_key
from rapport.identity.matching import records_from_db, score_pair

pytestmark = pytest.mark.django_db


def make(first: str, last: str, **fields) -> Customer:
    return Customer.objects.create(
        first_name=first,
        last_name=last,
        name_key=name_key(first, last),
        surname_key=name_key(last, first),
        **fields,
    )


def contact(customer: Customer, kind: str, value: str, normalised: str) -> None:
    ContactPoint.objects.create(customer=customer, kind=kind, value=value, normalised=normalised)


def test_records_carry_contacts_and_the_household_address(django_assert_max_num_queries):
    home = Household.objects.create(
        name="The Okafors", address_line1="12 Elm Street", postal_code="02139", city="Cambridge"
    )
    grace = make("Grace", "Okafor", date_of_birth=dt.date(1981, 11, 20), household=home)
    contact(grace, "email", "Grace@Example.com", "grace@example.com")
    contact(grace, "phone", "(212) 555-0134", "+12125550134")
    contact(grace, "phone", "212 555 0199", "+12125550199")
    contact(grace, "social", "@grace", "grace")
    lone = make("Ada", "Byrne")
    contact(lone, "postal", "4 Mill Lane, Springfield 62704", "4 mill lane, springfield 62704")

    with django_assert_max_num_queries(4):
        records = list(records_from_db(Customer.objects.all()))

    assert [r.id for r in records] == [grace.pk, lone.pk]
    first, second = records
    assert first.emails == ("grace@example.com",)
    assert first.phones == ("+12125550134", "+12125550199")
    assert (first.address, first.postal_code, first.city) == ("12 Elm Street", "02139", "Cambridge")
    assert first.household_id == home.pk
    assert first.dob == dt.date(1981, 11, 20)
    assert second.address == "4 mill lane, springfield 62704"
    assert second.postal_code == "62704"
    assert second.emails == () and second.household_id is None


def test_erased_and_merged_customers_are_left_out():
    kept = make("Ada", "Byrne")
    make("Ada", "Byrne", erased_at=timezone.now())
    make("Ada", "Byrne", merged_into=kept)

    assert [r.id for r in records_from_db(Customer.objects.all())] == [kept.pk]


def test_only_the_queryset_s_customers_are_read():
    a, b, c = make("Ada", "Byrne"), make("Bob", "Marsh"), make("Cy", "Nolan")
    contact(b, "email", "bob@example.com", "bob@example.com")
    contact(c, "email", "cy@example.com", "cy@example.com")

    records = list(records_from_db(Customer.objects.filter(pk__in=[a.pk, c.pk])))

    assert [(r.id, r.emails) for r in records] == [(a.pk, ()), (c.pk, ("cy@example.com",))]


def test_two_stored_customers_can_be_scored():
    a = make("Robert", "Marsh", date_of_birth=dt.date(1970, 1, 2))
    b = make("Bob", "Marsh", date_of_birth=dt.date(1970, 1, 2))

    left, right = records_from_db(Customer.objects.filter(pk__in=[a.pk, b.pk]))
    match = score_pair(left, right)

    assert (match.left_id, match.right_id) == (a.pk, b.pk)
    assert match.score > 0.9
