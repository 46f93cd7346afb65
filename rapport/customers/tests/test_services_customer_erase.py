"""customer_erase: the person is gone from every place that could name or reach them."""

import datetime
import json
from urllib.parse import unquote_plus

import pytest

from rapport.core.errors import NotFound
from rapport.core.models import AuditEvent
from rapport.customers import selectors, services
from rapport.customers.models import (
    ContactPoint,
    Customer,
    ErasedExternalId,
    Holding,
    Household,
    Note,
)
from rapport.customers.services import ContactPointInput
from rapport.customers.tests.factories import (
    ConsentFactory,
    CustomerFactory,
    HouseholdFactory,
    ProductFactory,
)

pytestmark = pytest.mark.django_db

FIRST, LAST, EMAIL, PHONE = "Philippa", "Quenneville", "pq.private@example.com", "415-555-2671"
TRACES = [FIRST, LAST, FIRST.lower(), LAST.lower(), EMAIL, "4155552671", "555-2671", "1980-02-03"]


@pytest.fixture
def person(make_user):
    """A customer with a history: created, renamed, contact points, a note, a product, a consent."""
    household = services.household_create(name="The Quennevilles", address_line1="1 Elm St")
    customer = services.customer_create(
        first_name=FIRST,
        last_name=LAST,
        date_of_birth=datetime.date(1980, 2, 3),
        household=household,
        external_id="crm-77",
        contact_points=[
            ContactPointInput(kind="email", value=EMAIL, preferred=True),
            ContactPointInput(kind="phone", value=PHONE),
        ],
    )
    services.customer_update(customer=customer, language="fr")
    services.note_add(
        customer=customer, body=f"{FIRST} called about her card.", by=make_user("agent")
    )
    services.holding_add(
        customer=customer, product=ProductFactory(name="Card"), since=datetime.date(2024, 1, 1)
    )
    ConsentFactory(customer=customer)
    return customer


@pytest.fixture
def admin(make_user):
    return make_user("admin")


def _contains_trace(value) -> list[str]:
    text = unquote_plus(json.dumps(value, default=str)).lower()
    return [t for t in TRACES if t.lower() in text]


def test_contact_points_and_notes_are_deleted(person, admin):
    services.customer_erase(customer=person, by=admin)

    assert not ContactPoint.objects.filter(customer_id=person.pk).exists()
    assert not Note.objects.filter(customer_id=person.pk).exists()


def test_identifying_fields_are_anonymised(person, admin):
    services.customer_erase(customer=person, by=admin)

    erased = Customer.objects.get(pk=person.pk)
    assert FIRST not in erased.first_name and LAST not in erased.last_name
    assert erased.first_name == "Erased"
    assert erased.date_of_birth is None
    assert erased.external_id is None
    assert erased.household is None
    assert erased.erased_at is not None
    assert erased.status == "former"
    assert LAST.lower() not in erased.name_key and LAST.lower() not in erased.surname_key


def test_the_id_in_the_other_system_is_remembered_only_as_a_digest(person, admin):
    services.customer_erase(customer=person, by=admin)

    kept = ErasedExternalId.objects.get()
    assert (kept.source, len(kept.digest)) == (person.source, 64)
    assert "crm-77" not in f"{kept.source} {kept.digest}"
    assert selectors.erased_among(person.source, ["crm-77", "crm-78", ""]) == {"crm-77"}
    assert selectors.erased_among("salesforce", ["crm-77"]) == set()


def test_products_and_consents_stay_as_anonymous_records(person, admin):
    services.customer_erase(customer=person, by=admin)

    assert Holding.objects.filter(customer_id=person.pk).count() == 1
    assert person.consents.count() == 1


def test_change_history_holds_nothing_of_the_person(person, admin):
    assert Customer.history.filter(
        id=person.pk, last_name=LAST
    ).exists()  # given: history names them

    services.customer_erase(customer=person, by=admin)

    assert not Customer.history.filter(id=person.pk).exists()
    assert not Customer.history.filter(first_name=FIRST).exists()
    assert not ContactPoint.history.filter(customer_id=person.pk).exists()
    assert not ContactPoint.history.filter(normalised=EMAIL).exists()
    assert not Note.history.filter(customer_id=person.pk).exists()
    assert not Household.history.filter(name="The Quennevilles").exists()


def test_the_audit_event_records_the_erasure_without_personal_data(person, admin):
    services.customer_erase(customer=person, by=admin)

    event = AuditEvent.objects.get(action="customer.erased")
    assert event.actor == admin
    assert (event.target_type, event.target_id) == ("customers.customer", str(person.pk))
    assert event.detail == {"contact_points_removed": 2, "notes_removed": 1}
    assert _contains_trace([event.detail, event.target_type, event.target_id, str(event)]) == []


def test_a_household_of_one_is_deleted(person, admin):
    household_id = person.household_id

    services.customer_erase(customer=person, by=admin)

    assert not Household.objects.filter(pk=household_id).exists()
    assert not Household.history.filter(id=household_id).exists()


def test_a_shared_household_stays_for_the_others(admin):
    household = HouseholdFactory()
    leaving = CustomerFactory(household=household)
    staying = CustomerFactory(household=household)

    services.customer_erase(customer=leaving, by=admin)

    assert Household.objects.filter(pk=household.pk).exists()
    assert list(household.members.all()) == [staying]


def test_the_erased_person_is_not_found_by_search_or_lookup(person, admin, make_user):
    agent = make_user("agent")
    customer_id = person.pk

    services.customer_erase(customer=person, by=admin)

    for query in (FIRST, LAST, EMAIL, PHONE, "Erased", f"customer {customer_id}"):
        assert list(selectors.customer_search_for(user=agent, query=query)) == []
    assert list(selectors.customer_search_for(user=agent)) == []
    with pytest.raises(NotFound):
        selectors.customer_lookup_for(user=agent, email=EMAIL)
    with pytest.raises(NotFound):
        selectors.customer_lookup_for(user=agent, phone=PHONE)
    with pytest.raises(NotFound):
        selectors.customer_get_for(user=agent, customer_id=customer_id)


def test_the_contact_points_are_free_for_someone_new(person, admin):
    services.customer_erase(customer=person, by=admin)

    newcomer = services.customer_create(
        first_name="New", contact_points=[ContactPointInput(kind="email", value=EMAIL)]
    )

    assert newcomer.contact_points.get().normalised == EMAIL


def test_an_organisation_is_renamed_too(admin):
    org = services.customer_create(kind="organisation", organisation_name="Quenneville Holdings")

    services.customer_erase(customer=org, by=admin)

    org.refresh_from_db()
    assert org.organisation_name == "Erased organisation"
    assert "quenneville" not in org.name_key


def test_no_audit_event_keeps_the_erased_persons_contact_details(person, admin, make_user):
    marketer = make_user("marketer")
    found = selectors.customer_search_for(user=marketer, query=EMAIL)
    services.customers_export_csv(customers=found, by=marketer, filters={}, text_search=True)

    services.customer_erase(customer=person, by=admin)

    leaks = [e.action for e in AuditEvent.objects.all() if _contains_trace([e.detail, e.target_id])]
    assert leaks == []
