"""customers_merge and merge_undo: everything that points at the merged record moves to the
survivor and back again, exactly."""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from rapport.cases.models import Case
from rapport.cases.tests.factories import CaseFactory
from rapport.core.errors import Conflict, ValidationFailed
from rapport.core.models import AuditEvent
from rapport.customers.models import Consent, ContactPoint, Customer, Holding, Note
from rapport.customers.tests.factories import (
    ConsentFactory,
    ContactPointFactory,
    CustomerFactory,
    ErasedCustomerFactory,
    HoldingFactory,
    HouseholdFactory,
    NoteFactory,
    PhoneFactory,
)
from rapport.identity.choices import PairStatus
from rapport.identity.models import CustomerMerge
from rapport.identity.services.merges import KEPT, customers_merge, merge_undo
from rapport.identity.services.relations import customer_relations
from rapport.identity.tests.factories import MatchPairFactory
from rapport.insights import catalog as insight_catalog
from rapport.insights.models import Alert, AlertRule, ChurnRisk, InteractionSignal
from rapport.interactions.models import Interaction, RevenueEvent
from rapport.interactions.tests.factories import InteractionFactory
from rapport.surveys import catalog as survey_catalog
from rapport.surveys.models import DrawSettings, Invitation, Response
from rapport.surveys.services.responses import response_submit
from rapport.surveys.tests.factories_draw import invitation_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def shipped_defaults(db):
    """The default survey and alert rules their migrations make (a transactional test elsewhere
    may have emptied the tables)."""
    if not DrawSettings.objects.exists():
        survey_catalog.defaults_ensure()
    if not AlertRule.objects.exists():
        insight_catalog.defaults_ensure()


@dataclass
class World:
    """Two records of one person: everything the merged one has, by what it is."""

    survivor: Customer
    merged: Customer
    rows: dict  # "app.model.field" -> ids that point at `merged`


def churn_risk(customer: Customer) -> ChurnRisk:
    return ChurnRisk.objects.create(
        customer=customer, score=0.4, band="medium", computed_at=timezone.now()
    )


def world() -> World:
    household = HouseholdFactory()
    survivor = CustomerFactory(first_name="", last_name="Okafor", date_of_birth=None)
    merged = CustomerFactory(
        first_name="Ada",
        last_name="Okafor",
        date_of_birth=datetime.date(1984, 3, 2),
        household=household,
    )
    ContactPointFactory(customer=survivor)  # the survivor's own; never moves
    invitation = invitation_for(customer=merged)
    questions = {q.kind: q for q in invitation.survey.questions.all()}
    response = response_submit(
        invitation=invitation,
        answers={questions["csat"].pk: 1, questions["nps"].pk: 2},
        verbatim="Terrible, I want to cancel.",
        device="d",
        network="n",
    )
    signal = InteractionSignal.objects.create(
        interaction=InteractionFactory(customer=merged),
        customer=merged,
        day=timezone.localdate(),
        channel="phone",
        compound=-0.6,
        sentiment="negative",
        scored_at=timezone.now(),
    )
    revenue = RevenueEvent.objects.create(
        kind="order",
        customer=merged,
        occurred_at=timezone.now(),
        source="billing",
        external_id="order-1",
    )
    rows = {
        "customers.contactpoint.customer": [
            ContactPointFactory(customer=merged).pk,
            PhoneFactory(customer=merged).pk,
        ],
        "customers.holding.customer": [HoldingFactory(customer=merged).pk],
        "customers.consent.customer": [ConsentFactory(customer=merged).pk],
        "customers.note.customer": [NoteFactory(customer=merged).pk],
        "cases.case.customer": [CaseFactory(customer=merged).pk, CaseFactory(customer=merged).pk],
        "interactions.interaction.customer": list(
            Interaction.objects.filter(customer=merged).values_list("pk", flat=True)
        ),
        "interactions.revenueevent.customer": [revenue.pk],
        "surveys.invitation.customer": [invitation.pk],
        "insights.interactionsignal.customer": list(
            InteractionSignal.objects.filter(customer=merged).values_list("pk", flat=True)
        ),
        "insights.alert.customer": list(
            Alert.objects.filter(customer=merged).values_list("pk", flat=True)
        ),
        "insights.churnrisk.customer": [churn_risk(merged).pk],
    }
    assert response.invitation_id == invitation.pk and signal.pk
    assert rows["insights.alert.customer"], "the low survey score raises an alert"
    return World(survivor=survivor, merged=merged, rows=rows)


def pointing_at(customer: Customer) -> dict[str, list[int]]:
    """Every row of every relation that points at the customer, by relation."""
    found = {}
    for relation in customer_relations():
        ids = sorted(
            relation.rows.filter(**{relation.field.attname: customer.pk}).values_list(
                "pk", flat=True
            )
        )
        if ids:
            found[relation.key] = ids
    return found


def sort_lists(by_key: dict) -> dict:
    return {key: sorted(ids) for key, ids in by_key.items()}


def test_every_row_of_the_merged_record_moves_to_the_survivor_and_is_recorded(steward):
    w = world()
    own_before = pointing_at(w.survivor)

    merge = customers_merge(survivor=w.survivor, merged=w.merged, by=steward)

    assert pointing_at(w.merged) == {}
    on_survivor = pointing_at(w.survivor)
    for key, ids in w.rows.items():
        assert set(ids) <= set(on_survivor[key]), key
    assert sort_lists(merge.moved) == sort_lists(w.rows)
    assert set(on_survivor) == set(own_before) | set(w.rows)
    invitation = Invitation.objects.get(pk=w.rows["surveys.invitation.customer"][0])
    assert Response.objects.get(invitation=invitation).invitation.customer_id == w.survivor.pk


def test_the_merged_record_stays_marked_and_the_survivor_takes_its_empty_fields(steward):
    w = world()

    merge = customers_merge(survivor=w.survivor, merged=w.merged, by=steward)

    w.merged.refresh_from_db()
    w.survivor.refresh_from_db()
    assert Customer.objects.filter(pk=w.merged.pk).exists()
    assert w.merged.merged_into_id == w.survivor.pk
    assert w.survivor.first_name == "Ada" and w.survivor.last_name == "Okafor"
    assert w.survivor.date_of_birth == datetime.date(1984, 3, 2)
    assert w.survivor.household_id == w.merged.household_id
    assert w.survivor.name_key == "ada okafor"
    assert merge.survivor_before == {"first_name": "", "date_of_birth": None, "household": None}
    assert merge.merged_by == steward and merge.automatic is False


def test_history_names_the_merge_for_both_customers_and_the_rows_moved(steward):
    w = world()

    customers_merge(survivor=w.survivor, merged=w.merged, by=steward)

    latest_merged = w.merged.history.first()
    latest_survivor = w.survivor.history.first()
    assert latest_merged.merged_into_id == w.survivor.pk
    assert latest_merged.history_user == steward
    reason = f"Customer {w.merged.pk} merged into customer {w.survivor.pk}"
    assert latest_merged.history_change_reason == reason
    assert latest_survivor.history_change_reason == reason
    assert latest_survivor.date_of_birth == datetime.date(1984, 3, 2)
    for model in (ContactPoint, Holding, Consent, Note):
        moved = model.history.filter(customer_id=w.survivor.pk, history_change_reason=reason)
        assert moved.exists(), model


def test_the_merge_is_audited_with_both_ids_and_counts(steward):
    w = world()

    merge = customers_merge(survivor=w.survivor, merged=w.merged, by=steward)

    event = AuditEvent.objects.get(action="identity.customers_merged", target_id=str(merge.pk))
    assert event.actor == steward
    assert event.detail["survivor"] == w.survivor.pk and event.detail["merged"] == w.merged.pk
    assert event.detail["moved"]["cases.case.customer"] == 2
    assert event.detail["moved"]["customers.contactpoint.customer"] == 2


def test_undo_puts_every_row_back_and_gives_the_survivor_its_fields_back(steward):
    w = world()
    survivor_rows, merged_rows = pointing_at(w.survivor), pointing_at(w.merged)
    merge = customers_merge(survivor=w.survivor, merged=w.merged, by=steward)

    merge_undo(merge=merge, by=steward)

    assert pointing_at(w.survivor) == survivor_rows
    assert pointing_at(w.merged) == merged_rows
    w.survivor.refresh_from_db()
    w.merged.refresh_from_db()
    assert w.merged.merged_into_id is None
    assert w.survivor.first_name == "" and w.survivor.date_of_birth is None
    assert w.survivor.household_id is None and w.survivor.name_key == "okafor"
    merge.refresh_from_db()
    assert merge.undone_by == steward and merge.undone_at is not None
    event = AuditEvent.objects.get(action="identity.merge_undone", target_id=str(merge.pk))
    assert event.detail["moved_back"]["cases.case.customer"] == 2


def test_a_second_undo_is_refused(steward):
    w = world()
    merge = customers_merge(survivor=w.survivor, merged=w.merged, by=steward)
    merge_undo(merge=merge, by=steward)

    with pytest.raises(Conflict, match="already undone"):
        merge_undo(merge=merge, by=steward)


def test_a_one_per_customer_row_the_survivor_has_too_stays_on_the_merged_record(steward):
    survivor, merged = CustomerFactory(), CustomerFactory()
    theirs, mine = churn_risk(survivor), churn_risk(merged)
    note = NoteFactory(customer=merged)

    merge = customers_merge(survivor=survivor, merged=merged, by=steward)

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.customer_id == merged.pk and theirs.customer_id == survivor.pk
    assert merge.moved[KEPT] == {"insights.churnrisk.customer": [mine.pk]}
    assert merge.moved["customers.note.customer"] == [note.pk]
    assert "insights.churnrisk.customer" not in {k for k in merge.moved if k != KEPT}
    event = AuditEvent.objects.get(action="identity.customers_merged", target_id=str(merge.pk))
    assert event.detail["kept"] == {"insights.churnrisk.customer": 1}

    merge_undo(merge=merge, by=steward)

    mine.refresh_from_db()
    note.refresh_from_db()
    assert mine.customer_id == merged.pk and note.customer_id == merged.pk


def test_a_one_per_customer_row_only_the_merged_record_has_moves(steward):
    survivor, merged = CustomerFactory(), CustomerFactory()
    risk = churn_risk(merged)

    merge = customers_merge(survivor=survivor, merged=merged, by=steward)

    risk.refresh_from_db()
    assert risk.customer_id == survivor.pk
    assert KEPT not in merge.moved


def test_relations_are_found_from_the_models_hidden_ones_too():
    keys = {relation.key for relation in customer_relations()}

    assert {
        "surveys.invitation.customer",
        "insights.alert.customer",
        "insights.interactionsignal.customer",
        "insights.churnrisk.customer",
        "interactions.revenueevent.customer",
        "cases.case.customer",
    } <= keys
    assert not any(key.startswith("identity.") for key in keys)
    assert not any(".historical" in key for key in keys)
    assert "customers.customer.merged_into" not in keys


def test_undo_leaves_rows_made_or_moved_since_the_merge_where_they_are(steward):
    survivor, merged = CustomerFactory(), CustomerFactory()
    moved_case, gone_note = CaseFactory(customer=merged), NoteFactory(customer=merged)
    merge = customers_merge(survivor=survivor, merged=merged, by=steward)
    new_case = CaseFactory(customer=survivor)  # opened on the survivor after the merge
    gone_note.delete()

    merge_undo(merge=merge, by=steward)

    assert Case.objects.get(pk=moved_case.pk).customer_id == merged.pk
    assert Case.objects.get(pk=new_case.pk).customer_id == survivor.pk


def test_undo_keeps_a_survivor_field_someone_changed_since(steward):
    survivor = CustomerFactory(date_of_birth=None)
    merged = CustomerFactory(date_of_birth=datetime.date(1990, 1, 1))
    merge = customers_merge(survivor=survivor, merged=merged, by=steward)
    survivor.refresh_from_db()
    survivor.date_of_birth = datetime.date(1991, 1, 1)
    survivor.save()

    merge_undo(merge=merge, by=steward)

    survivor.refresh_from_db()
    assert survivor.date_of_birth == datetime.date(1991, 1, 1)
    event = AuditEvent.objects.get(action="identity.merge_undone")
    assert event.detail["changed_since"] == ["date_of_birth"]


def test_undo_is_refused_while_the_survivor_is_merged_into_someone_else(steward):
    first, second, third = CustomerFactory(), CustomerFactory(), CustomerFactory()
    case = CaseFactory(customer=second)
    earlier = customers_merge(survivor=first, merged=second, by=steward)
    later = customers_merge(survivor=third, merged=first, by=steward)
    assert Case.objects.get(pk=case.pk).customer_id == third.pk

    with pytest.raises(Conflict, match=f"merge {later.pk}.*undo that merge first"):
        merge_undo(merge=earlier, by=steward)

    merge_undo(merge=later, by=steward)
    merge_undo(merge=earlier, by=steward)
    assert Case.objects.get(pk=case.pk).customer_id == second.pk


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda c: (c, c), "cannot be merged into itself"),
        (lambda c: (c, ErasedCustomerFactory()), "was erased"),
        (lambda c: (ErasedCustomerFactory(), c), "was erased"),
    ],
)
def test_refused_merges(steward, make, message):
    survivor, merged = make(CustomerFactory())

    with pytest.raises(Conflict, match=message):
        customers_merge(survivor=survivor, merged=merged, by=steward)

    assert not CustomerMerge.objects.exists()


def test_a_record_already_merged_is_not_merged_again(steward):
    first, second, third = CustomerFactory(), CustomerFactory(), CustomerFactory()
    customers_merge(survivor=first, merged=second, by=steward)

    with pytest.raises(Conflict, match=f"already merged into customer {first.pk}"):
        customers_merge(survivor=third, merged=second, by=steward)
    with pytest.raises(Conflict, match=f"merge into customer {first.pk} instead"):
        customers_merge(survivor=second, merged=third, by=steward)


def test_a_pair_of_other_customers_is_refused(steward):
    pair = MatchPairFactory()
    with pytest.raises(ValidationFailed):
        customers_merge(survivor=CustomerFactory(), merged=CustomerFactory(), by=steward, pair=pair)


def test_undo_reopens_nothing_but_marks_the_pair_undone(steward):
    pair = MatchPairFactory()
    merge = customers_merge(survivor=pair.left, merged=pair.right, by=steward, pair=pair)
    pair.refresh_from_db()
    assert pair.status == PairStatus.MERGED and merge.score == pair.score

    merge_undo(merge=merge, by=steward)

    pair.refresh_from_db()
    assert pair.status == PairStatus.UNDONE
