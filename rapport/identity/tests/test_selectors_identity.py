"""Reads of pairs, merges and runs: stewards only, everyone else sees nothing (404)."""

import datetime

import pytest
from django.utils import timezone

from rapport.cases.tests.factories import CaseFactory
from rapport.core.errors import NotFound
from rapport.core.roles import Role
from rapport.customers.tests.factories import (
    ContactPointFactory,
    CustomerFactory,
    ErasedCustomerFactory,
    HouseholdFactory,
    PhoneFactory,
)
from rapport.identity.choices import PairStatus, RunState
from rapport.identity.selectors.merges import merge_get_for, merges_for
from rapport.identity.selectors.pairs import pair_comparison, pair_get_for, pairs_for
from rapport.identity.selectors.runs import run_get_for, run_progress, runs_for
from rapport.identity.services.merges import customers_merge, merge_undo
from rapport.identity.tests.factories import MatchPairFactory, MatchRunFactory
from rapport.interactions.tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db

NOT_STEWARDS = [role for role in Role.values if role != Role.ADMIN]


@pytest.mark.parametrize("role", [*NOT_STEWARDS, None])
def test_nobody_but_a_steward_sees_anything(make_user, steward, role):
    user = make_user(role) if role else make_user()
    pair = MatchPairFactory()
    run = MatchRunFactory()
    merge = customers_merge(survivor=CustomerFactory(), merged=CustomerFactory(), by=steward)

    assert not pairs_for(user=user, status="all").exists()
    assert not merges_for(user=user).exists()
    assert not runs_for(user=user).exists()
    with pytest.raises(NotFound):
        pair_get_for(user=user, pair_id=pair.pk)
    with pytest.raises(NotFound):
        merge_get_for(user=user, merge_id=merge.pk)
    with pytest.raises(NotFound):
        run_get_for(user=user, run_id=run.pk)


def test_a_steward_gets_each_by_id(steward):
    pair, run = MatchPairFactory(), MatchRunFactory()
    merge = customers_merge(survivor=CustomerFactory(), merged=CustomerFactory(), by=steward)

    assert pair_get_for(user=steward, pair_id=pair.pk) == pair
    assert merge_get_for(user=steward, merge_id=merge.pk) == merge
    assert run_get_for(user=steward, run_id=run.pk) == run
    with pytest.raises(NotFound):
        pair_get_for(user=steward, pair_id="x")
    with pytest.raises(NotFound):
        run_get_for(user=steward, run_id=run.pk + 1)


def test_the_queue_lists_open_pairs_best_first(steward, django_assert_max_num_queries):
    low, high = MatchPairFactory(score=0.81), MatchPairFactory(score=0.97)
    MatchPairFactory(status=PairStatus.DISMISSED)

    with django_assert_max_num_queries(3):
        listed = [
            (p.pk, p.left.display_name, p.right.display_name) for p in pairs_for(user=steward)
        ]

    assert [pk for pk, _, _ in listed] == [high.pk, low.pk]


def test_open_pairs_with_a_merged_or_erased_side_are_not_in_the_queue(steward):
    kept = MatchPairFactory()
    taken = MatchPairFactory()
    erased = MatchPairFactory(right=ErasedCustomerFactory())
    merge = customers_merge(survivor=CustomerFactory(), merged=taken.right, by=steward)

    assert list(pairs_for(user=steward)) == [kept]
    # A pair with an erased person is never shown again, whatever the status asked.
    assert erased not in set(pairs_for(user=steward, status="all"))
    assert set(pairs_for(user=steward, status="all")) == {kept, taken}

    merge_undo(merge=merge, by=steward)
    assert set(pairs_for(user=steward)) == {kept, taken}


def test_the_queue_filters_by_status(steward):
    dismissed = MatchPairFactory(status=PairStatus.DISMISSED)
    MatchPairFactory()

    assert list(pairs_for(user=steward, status=PairStatus.DISMISSED)) == [dismissed]
    assert pairs_for(user=steward, status="").count() == 2


def test_the_queue_searches_either_side_by_name_start_or_customer_id(steward):
    okafor = MatchPairFactory(
        left=CustomerFactory(first_name="Ada", last_name="Okafor"),
        right=CustomerFactory(first_name="Adaeze", last_name="Okafor"),
    )
    other = MatchPairFactory(
        left=CustomerFactory(first_name="Jon", last_name="Smith"),
        right=CustomerFactory(first_name="John", last_name="Smyth"),
    )

    assert list(pairs_for(user=steward, search="okaf")) == [okafor]
    assert list(pairs_for(user=steward, search="  JOHN ")) == [other]
    assert list(pairs_for(user=steward, search=str(other.right_id))) == [other]
    assert list(pairs_for(user=steward, search="Zebedee")) == []


def test_the_comparison_shows_both_sides_what_differs_and_why(django_assert_max_num_queries):
    home = HouseholdFactory(
        name="The Okafors", address_line1="1 Main St", postal_code="10001", city="Albany"
    )
    left = CustomerFactory(
        first_name="Robert",
        last_name="Okafor",
        date_of_birth=datetime.date(1980, 1, 2),
        household=home,
    )
    right = CustomerFactory(first_name="Bob", last_name="Okafor", date_of_birth=None)
    ContactPointFactory(customer=left, value="rob@example.com")
    ContactPointFactory(customer=right, value="rob@example.org")
    PhoneFactory(customer=right)
    InteractionFactory.create_batch(3, customer=left)
    CaseFactory(customer=right)
    nickname = {
        "field": "first_name",
        "left": "Robert",
        "right": "Bob",
        "level": "nickname",
        "points": 3.9,
    }
    pair = MatchPairFactory(left=left, right=right, explanation=[nickname])

    with django_assert_max_num_queries(4):
        rows = {row.field: row for row in pair_comparison(pair)}

    first = rows["first_name"]
    assert (first.left, first.right, first.same, first.explanation) == (
        "Robert",
        "Bob",
        False,
        nickname,
    )
    assert rows["last_name"].same is True and rows["last_name"].explanation is None
    assert rows["date_of_birth"].left == "1980-01-02" and rows["date_of_birth"].same is None
    assert rows["household"].left == "The Okafors, 1 Main St, 10001 Albany"
    assert rows["household"].right == "" and rows["household"].same is None
    assert (rows["email"].left, rows["email"].right, rows["email"].same) == (
        "rob@example.com",
        "rob@example.org",
        False,
    )
    assert rows["phone"].left == "" and rows["phone"].right and rows["phone"].same is None
    assert (rows["interactions"].left, rows["interactions"].right) == ("3", "0")
    assert (rows["cases"].left, rows["cases"].right) == ("0", "1")
    assert rows["status"].left == "Customer" and rows["status"].same is True
    assert "social" not in rows


def test_members_of_one_household_compare_as_the_same_household():
    home = HouseholdFactory()
    pair = MatchPairFactory(
        left=CustomerFactory(household=home), right=CustomerFactory(household=home)
    )

    household = next(row for row in pair_comparison(pair) if row.field == "household")

    assert household.same is True


def test_merges_are_listed_newest_first_and_filter_by_undone(steward):
    first = customers_merge(survivor=CustomerFactory(), merged=CustomerFactory(), by=steward)
    second = customers_merge(survivor=CustomerFactory(), merged=CustomerFactory(), by=steward)
    merge_undo(merge=first, by=steward)

    assert list(merges_for(user=steward)) == [second, first]
    assert list(merges_for(user=steward, undone=True)) == [first]
    assert list(merges_for(user=steward, undone=False)) == [second]


def test_runs_are_listed_newest_first(steward):
    older, newer = MatchRunFactory(), MatchRunFactory()

    assert list(runs_for(user=steward)) == [newer, older]


def test_progress_of_a_running_a_finished_and_a_failed_run():
    started = timezone.now() - datetime.timedelta(seconds=30)
    running = MatchRunFactory(
        state=RunState.RUNNING, percent=40, stage="Comparing", started_at=started
    )
    done = MatchRunFactory(
        state=RunState.DONE,
        percent=97,
        started_at=started,
        finished_at=started + datetime.timedelta(seconds=12),
        pairs_found=5,
    )
    failed = MatchRunFactory(state=RunState.FAILED, failure="Failed while comparing: boom")

    now = run_progress(running)
    assert (now.percent, now.stage, now.finished, now.state_label) == (
        40,
        "Comparing",
        False,
        "Running",
    )
    assert now.elapsed_seconds is not None and now.elapsed_seconds >= 30
    end = run_progress(done)
    assert (end.percent, end.finished, end.failed, end.pairs_found) == (100, True, False, 5)
    assert end.elapsed_seconds == 12
    broke = run_progress(failed)
    assert broke.finished and broke.failed and broke.failure == "Failed while comparing: boom"
    assert broke.elapsed_seconds is None
