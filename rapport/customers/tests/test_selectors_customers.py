"""Customer reads: search, scoping by role, duplicate hints, change history, screen-pop lookup."""

import datetime

import pytest

from rapport.core.errors import NotFound, ValidationFailed
from rapport.customers import selectors, services
from rapport.customers.services import ContactPointInput
from rapport.customers.tests.factories import (
    ContactPointFactory,
    CustomerFactory,
    ErasedCustomerFactory,
    HoldingFactory,
    HouseholdFactory,
    NoteFactory,
    PhoneFactory,
    ProductFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(make_user):
    return make_user("agent")


def _names(customers) -> list[str]:
    return [c.display_name for c in customers]


@pytest.fixture
def people():
    """Three people made the way the product makes them."""
    zoe = services.customer_create(
        first_name="Zoë",
        last_name="Ångström",
        status="customer",
        contact_points=[
            ContactPointInput(kind="email", value="Zoe.A@Example.com"),
            ContactPointInput(kind="phone", value="415-555-2671"),
        ],
    )
    zack = services.customer_create(
        first_name="Zack", last_name="Brown", status="prospect", segment="small_business"
    )
    mary = services.customer_create(
        first_name="Mary", last_name="Zoeller", value_tier="gold", status="customer"
    )
    return {"zoe": zoe, "zack": zack, "mary": mary}


class TestCustomerSearchFor:
    def test_first_name_prefix_without_accent_finds_the_accented_name(self, agent, people):
        found = selectors.customer_search_for(user=agent, query="zoe")

        # "zoe" is a prefix of Zoë's first name and of Mary Zoeller's last name
        assert set(found) == {people["zoe"], people["mary"]}

    def test_last_name_prefix(self, agent, people):
        assert list(selectors.customer_search_for(user=agent, query="angs")) == [people["zoe"]]
        assert list(selectors.customer_search_for(user=agent, query="BRO")) == [people["zack"]]

    def test_full_name_in_either_order(self, agent, people):
        assert list(selectors.customer_search_for(user=agent, query="Zoe Angstrom")) == [
            people["zoe"]
        ]
        assert list(selectors.customer_search_for(user=agent, query="brown  zack")) == [
            people["zack"]
        ]

    def test_a_middle_fragment_is_not_a_prefix(self, agent, people):
        assert list(selectors.customer_search_for(user=agent, query="rown")) == []

    @pytest.mark.parametrize(
        "query", ["zoe.a@example.com", "ZOE.A@EXAMPLE.COM", "  Zoe.A@example.COM "]
    )
    def test_email_in_any_case(self, agent, people, query):
        assert list(selectors.customer_search_for(user=agent, query=query)) == [people["zoe"]]

    @pytest.mark.parametrize(
        "query",
        ["(415) 555-2671", "415.555.2671", "+1 415 555 2671", "4155552671", "1-415-555-2671"],
    )
    def test_phone_in_any_format(self, agent, people, query):
        assert list(selectors.customer_search_for(user=agent, query=query)) == [people["zoe"]]

    def test_an_unknown_or_invalid_email_or_phone_finds_nobody(self, agent, people):
        assert list(selectors.customer_search_for(user=agent, query="nobody@example.com")) == []
        assert list(selectors.customer_search_for(user=agent, query="415-555-0000")) == []
        assert list(selectors.customer_search_for(user=agent, query="000-000-0000")) == []

    def test_filters_narrow_the_result(self, agent, people):
        assert list(selectors.customer_search_for(user=agent, filters={"status": "prospect"})) == [
            people["zack"]
        ]
        assert list(
            selectors.customer_search_for(user=agent, filters={"segment": "small_business"})
        ) == [people["zack"]]
        assert list(
            selectors.customer_search_for(user=agent, query="z", filters={"value_tier": "gold"})
        ) == [people["mary"]]

    def test_empty_filter_values_are_ignored(self, agent, people):
        found = selectors.customer_search_for(user=agent, filters={"status": "", "segment": None})

        assert len(found) == 3

    def test_ordered_by_surname(self, agent, people):
        assert _names(selectors.customer_search_for(user=agent)) == [
            "Zoë Ångström",
            "Zack Brown",
            "Mary Zoeller",
        ]

    def test_erased_customers_are_not_listed(self, agent):
        ErasedCustomerFactory()
        kept = CustomerFactory()

        assert list(selectors.customer_search_for(user=agent)) == [kept]

    @pytest.mark.parametrize("role", ["trainer", "executive"])
    def test_trainers_and_executives_see_no_customers(self, make_user, people, role):
        user = make_user(role)

        assert list(selectors.customer_search_for(user=user)) == []
        assert list(selectors.customer_search_for(user=user, query="zoe")) == []
        with pytest.raises(NotFound):
            selectors.customer_get_for(user=user, customer_id=people["zoe"].pk)

    @pytest.mark.parametrize("role", ["agent", "supervisor", "qa_analyst", "marketer", "admin"])
    def test_customer_readers_see_customers(self, make_user, people, role):
        user = make_user(role)

        assert len(selectors.customer_search_for(user=user)) == 3
        assert selectors.customer_get_for(user=user, customer_id=people["zoe"].pk) == people["zoe"]

    def test_get_for_an_unknown_or_malformed_id_is_not_found(self, agent):
        with pytest.raises(NotFound):
            selectors.customer_get_for(user=agent, customer_id=999999)
        with pytest.raises(NotFound):
            selectors.customer_get_for(user=agent, customer_id="abc")


class TestRoleScoping:
    def test_marketer_sees_customers_but_no_notes(self, make_user):
        note = NoteFactory()
        marketer = make_user("marketer")

        assert list(selectors.customers_for(user=marketer)) == [note.customer]
        assert list(selectors.notes_for(user=marketer)) == []
        assert selectors.can_read_notes(marketer) is False

    def test_marketer_who_is_also_an_agent_sees_notes(self, make_user):
        note = NoteFactory()

        assert list(selectors.notes_for(user=make_user("marketer", "agent"))) == [note]

    def test_marketer_who_is_also_a_trainer_still_sees_no_notes(self, make_user):
        NoteFactory()

        assert list(selectors.notes_for(user=make_user("marketer", "trainer"))) == []

    def test_agent_sees_notes_of_visible_customers_only(self, agent):
        visible = NoteFactory()
        NoteFactory(customer=ErasedCustomerFactory())

        assert list(selectors.notes_for(user=agent)) == [visible]

    @pytest.mark.parametrize("role", ["trainer", "executive"])
    def test_non_readers_get_nothing_from_any_list(self, make_user, role):
        user = make_user(role)
        customer = CustomerFactory(household=HouseholdFactory())
        ContactPointFactory(customer=customer)
        HoldingFactory(customer=customer)
        NoteFactory(customer=customer)

        assert list(selectors.contact_points_for(user=user)) == []
        assert list(selectors.holdings_for(user=user)) == []
        assert list(selectors.consents_for(user=user)) == []
        assert list(selectors.notes_for(user=user)) == []
        assert list(selectors.households_for(user=user)) == []
        assert list(selectors.products_for(user=user)) == []
        assert selectors.change_history_for(user=user, customer=customer) == []
        with pytest.raises(NotFound):
            selectors.household_get_for(user=user, household_id=customer.household_id)

    def test_households_search_by_name_postal_code_or_city(self, agent):
        okafor = HouseholdFactory(name="The Okafors", postal_code="10001", city="New York")
        HouseholdFactory(name="The Lees", postal_code="94105", city="San Francisco")

        assert list(selectors.households_for(user=agent, query="okaf")) == [okafor]
        assert list(selectors.households_for(user=agent, query="10001")) == [okafor]
        assert list(selectors.households_for(user=agent, query="new york")) == [okafor]

    def test_household_members_come_with_their_products(self, agent, django_assert_max_num_queries):
        household = HouseholdFactory()
        for customer in CustomerFactory.create_batch(4, household=household):
            HoldingFactory.create_batch(2, customer=customer)
        CustomerFactory()  # elsewhere

        with django_assert_max_num_queries(3):
            members = selectors.household_members_for(user=agent, household=household)
            products = [h.product.name for m in members for h in m.holdings.all()]

        assert len(members) == 4
        assert len(products) == 8


class TestDuplicateCandidates:
    def test_an_existing_normalised_contact_point(self):
        holder = CustomerFactory(first_name="Maria", last_name="Holder")
        PhoneFactory(customer=holder, value="415-555-2671", normalised="+14155552671")

        hints = selectors.duplicate_candidates(
            first_name="Someone", contact_points=[("phone", "", "+14155552671")]
        )

        assert [h.customer for h in hints] == [holder]
        assert "415-555-2671" in hints[0].reason

    def test_a_close_name_in_the_same_household(self):
        household = HouseholdFactory()
        jon = services.customer_create(
            first_name="Jonathan", last_name="Okafor", household=household
        )

        hints = selectors.duplicate_candidates(
            first_name="Jonathon", last_name="Okafor", household=household
        )

        assert [h.customer for h in hints] == [jon]
        assert "same household" in hints[0].reason

    def test_a_close_name_in_another_household_is_not_a_hint(self):
        services.customer_create(
            first_name="Jonathan", last_name="Okafor", household=HouseholdFactory()
        )

        hints = selectors.duplicate_candidates(
            first_name="Jonathan", last_name="Okafor", household=HouseholdFactory()
        )

        assert hints == []

    def test_a_different_name_in_the_same_household_is_not_a_hint(self):
        household = HouseholdFactory()
        services.customer_create(first_name="Jonathan", last_name="Okafor", household=household)

        assert (
            selectors.duplicate_candidates(
                first_name="Ada", last_name="Okafor", household=household
            )
            == []
        )

    def test_without_a_household_names_are_not_compared(self):
        services.customer_create(first_name="Jonathan", last_name="Okafor")

        assert selectors.duplicate_candidates(first_name="Jonathan", last_name="Okafor") == []

    def test_the_same_person_is_hinted_once(self):
        household = HouseholdFactory()
        jon = services.customer_create(
            first_name="Jonathan",
            last_name="Okafor",
            household=household,
            contact_points=[ContactPointInput(kind="email", value="jo@example.com")],
        )

        hints = selectors.duplicate_candidates(
            first_name="Jonathan",
            last_name="Okafor",
            household=household,
            contact_points=[("email", "", "jo@example.com")],
        )

        assert [h.customer for h in hints] == [jon]

    def test_erased_members_are_not_hinted(self):
        household = HouseholdFactory()
        ErasedCustomerFactory(first_name="Jonathan", last_name="Okafor", household=household)

        assert (
            selectors.duplicate_candidates(
                first_name="Jonathan", last_name="Okafor", household=household
            )
            == []
        )


class TestChangeHistoryFor:
    def test_lists_created_and_changed_entries_with_field_diffs(self, agent):
        customer = services.customer_create(first_name="Ann", last_name="Lee")
        services.customer_update(customer=customer, first_name="Anna", value_tier="gold")

        entries = selectors.change_history_for(user=agent, customer=customer)

        assert [(e.what, e.action) for e in entries] == [
            ("Profile", "changed"),
            ("Profile", "created"),
        ]
        changed = {f: (old, new) for f, old, new in entries[0].changes}
        assert changed["first name"] == ("Ann", "Anna")
        assert changed["value tier"] == ("standard", "gold")
        assert entries[1].changes == []
        assert entries[0].who == "system"

    def test_a_change_lists_only_the_fields_a_person_changed(self, agent):
        customer = services.customer_create(first_name="Ann", last_name="Lee")
        services.customer_update(customer=customer, first_name="Anna")

        entries = selectors.change_history_for(user=agent, customer=customer)

        assert [f for f, _, _ in entries[0].changes] == ["first name"]

    def test_includes_contact_points_products_consents_and_notes(self, agent):
        customer = services.customer_create(
            first_name="Ann",
            contact_points=[ContactPointInput(kind="email", value="ann@example.com")],
        )
        point = customer.contact_points.get()
        services.contact_point_update(contact_point=point, label="work")
        services.holding_add(
            customer=customer, product=ProductFactory(), since=datetime.date(2024, 1, 1)
        )
        services.consent_record(
            customer=customer, channel="email", purpose="marketing", granted=True, source="call"
        )
        services.note_add(customer=customer, body="Hello", by=agent)

        entries = selectors.change_history_for(user=agent, customer=customer)

        kinds = {(e.what, e.action) for e in entries}
        assert {
            ("Contact point", "created"),
            ("Contact point", "changed"),
            ("Product", "created"),
            ("Consent", "created"),
            ("Note", "created"),
        } <= kinds
        label_change = next(
            e for e in entries if e.what == "Contact point" and e.action == "changed"
        )
        assert ("label", "—", "work") in label_change.changes

    def test_marketers_do_not_see_note_history(self, make_user, agent):
        customer = services.customer_create(first_name="Ann")
        services.note_add(customer=customer, body="Private", by=agent)

        entries = selectors.change_history_for(user=make_user("marketer"), customer=customer)

        assert "Note" not in {e.what for e in entries}
        assert "Profile" in {e.what for e in entries}

    def test_newest_first_and_limited(self, agent):
        customer = services.customer_create(first_name="Ann")
        for tier in ("silver", "gold", "platinum"):
            services.customer_update(customer=customer, value_tier=tier)

        entries = selectors.change_history_for(user=agent, customer=customer, limit=2)

        assert len(entries) == 2
        assert entries[0].when >= entries[1].when
        assert ("value tier", "gold", "platinum") in entries[0].changes

    def test_names_who_made_the_change_through_a_page(self, client_for):
        client, agent = client_for("agent")
        customer = services.customer_create(first_name="Ann")

        client.post(f"/customers/{customer.pk}/notes/", {"body": "Via the page"})

        entries = selectors.change_history_for(user=agent, customer=customer)
        assert next(e for e in entries if e.what == "Note").who == agent.username


class TestCustomerLookupFor:
    @pytest.fixture
    def zoe(self):
        household = HouseholdFactory(name="The Ångströms")
        return services.customer_create(
            first_name="Zoë",
            last_name="Ångström",
            household=household,
            contact_points=[
                ContactPointInput(kind="phone", value="415-555-2671"),
                ContactPointInput(kind="email", value="zoe@example.com"),
                ContactPointInput(kind="social", network="x", value="@ZoeA"),
            ],
        )

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"phone": "(415) 555-2671"},
            {"phone": "+14155552671"},
            {"email": "ZOE@example.com"},
            {"handle": "zoea"},
        ],
    )
    def test_finds_the_customer_behind_a_contact_point(self, agent, zoe, kwargs):
        assert selectors.customer_lookup_for(user=agent, **kwargs) == zoe

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({}, "phone"),
            ({"phone": "415-555-2671", "email": "zoe@example.com"}, "phone"),
            ({"phone": "not-a-number"}, "phone"),
            ({"email": "not-an-email"}, "email"),
            ({"handle": "two words"}, "handle"),
        ],
    )
    def test_bad_input_is_a_validation_error_naming_the_field(self, agent, kwargs, field):
        with pytest.raises(ValidationFailed) as caught:
            selectors.customer_lookup_for(user=agent, **kwargs)

        assert caught.value.status == 400
        assert field in caught.value.fields

    def test_an_unknown_contact_point_is_not_found(self, agent, zoe):
        with pytest.raises(NotFound) as caught:
            selectors.customer_lookup_for(user=agent, phone="212-555-0100")

        assert caught.value.status == 404

    @pytest.mark.parametrize("role", ["trainer", "executive"])
    def test_non_readers_get_not_found_even_for_a_known_number(self, make_user, zoe, role):
        with pytest.raises(NotFound):
            selectors.customer_lookup_for(user=make_user(role), phone="415-555-2671")

    def test_summary_carries_household_products_and_contact_points(self, zoe):
        HoldingFactory(
            customer=zoe,
            product__code="gold-card",
            product__name="Gold card",
            since=datetime.date(2023, 4, 5),
        )
        HoldingFactory(customer=zoe, status="cancelled", product__code="old-loan")

        summary = selectors.customer_summary(customer=zoe)

        assert summary["name"] == "Zoë Ångström"
        assert summary["household"] == {"id": zoe.household_id, "name": "The Ångströms"}
        assert summary["products"] == [
            {"code": "gold-card", "name": "Gold card", "since": "2023-04-05"}
        ]
        assert {p["normalised"] for p in summary["contact_points"]} == {
            "+14155552671",
            "zoe@example.com",
            "zoea",
        }
        assert summary["url"] == f"/customers/{zoe.pk}/"
