"""Batch runs: start (one at a time), the task body, upserting pairs and merging unreviewed."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.core.errors import Conflict, ValidationFailed
from rapport.core.models import AuditEvent
from rapport.customers.models import Customer
from rapport.customers.tests.factories import (
    ContactPointFactory,
    CustomerFactory,
    ErasedCustomerFactory,
)
from rapport.identity.choices import FoundBy, PairStatus, RunState
from rapport.identity.models import CustomerMerge, MatchPair, MatchRun
from rapport.identity.services.merges import customers_merge
from rapport.identity.services.runs import found_pairs_record, run_execute, run_start
from rapport.identity.tests.conftest import Found
from rapport.identity.tests.factories import MatchPairFactory, MatchRunFactory

pytestmark = pytest.mark.django_db


def one_person_twice() -> tuple[Customer, Customer]:
    """Robert Okafor and Bob Okafor: same birthday, the same name before the @."""
    robert: Customer = CustomerFactory(
        first_name="Robert", last_name="Okafor", date_of_birth=datetime.date(1980, 1, 2)
    )
    bob: Customer = CustomerFactory(
        first_name="Bob", last_name="Okafor", date_of_birth=datetime.date(1980, 1, 2)
    )
    ContactPointFactory(customer=robert, value="rob.okafor@example.com")
    ContactPointFactory(customer=bob, value="rob.okafor@example.org")
    return robert, bob


def test_a_run_finds_real_duplicates_and_queues_them_for_review(
    steward, confidences, django_capture_on_commit_callbacks
):
    confidences(0.8)
    robert, bob = one_person_twice()
    CustomerFactory(first_name="Ada", last_name="Nwosu", date_of_birth=datetime.date(1990, 5, 6))

    with django_capture_on_commit_callbacks(execute=True):
        run = run_start(by=steward, engine=FoundBy.SCORING)

    run.refresh_from_db()
    assert (run.state, run.percent, run.failure) == (RunState.DONE, 100, "")
    assert run.customers == 3 and run.pairs_found == 1 and run.merged == 0
    assert run.comparisons == 1  # only Robert and Bob share a key (the e-mail's name)
    assert run.started_at and run.finished_at and run.stage.startswith("Done: 1 likely")
    pair = MatchPair.objects.get()
    assert (pair.left_id, pair.right_id) == (robert.pk, bob.pk)
    assert pair.status == PairStatus.OPEN and pair.run == run
    assert pair.found_by == FoundBy.SCORING and pair.score >= 0.8
    levels = {item["field"]: item["level"] for item in pair.explanation}
    assert levels["first_name"] == "nickname"
    assert AuditEvent.objects.filter(action="identity.run_started", actor=steward).exists()
    assert AuditEvent.objects.filter(action="identity.run_finished").exists()


def test_a_splink_run_writes_pairs_from_real_customers(
    steward, confidences, django_capture_on_commit_callbacks
):
    confidences(0.8)
    robert, bob = one_person_twice()
    CustomerFactory(first_name="Ada", last_name="Nwosu", date_of_birth=datetime.date(1990, 5, 6))

    with django_capture_on_commit_callbacks(execute=True):
        run = run_start(by=steward, engine=FoundBy.SPLINK)

    run.refresh_from_db()
    assert (run.state, run.percent, run.failure) == (RunState.DONE, 100, "")
    assert run.customers == 3 and run.pairs_found == 1 and run.comparisons == 1
    pair = MatchPair.objects.get()
    assert (pair.left_id, pair.right_id) == (robert.pk, bob.pk)
    assert pair.found_by == FoundBy.SPLINK and pair.run == run and pair.score >= 0.8
    assert {item["field"] for item in pair.explanation} >= {"first_name", "date_of_birth"}


def test_a_run_merges_real_duplicates_above_the_automatic_confidence(
    steward, confidences, django_capture_on_commit_callbacks
):
    confidences(0.8, 0.99)
    robert, bob = one_person_twice()

    with django_capture_on_commit_callbacks(execute=True):
        run = run_start(by=steward, engine=FoundBy.SCORING)

    run.refresh_from_db()
    merge = CustomerMerge.objects.get()
    assert run.merged == 1 and merge.automatic and merge.merged_by is None
    assert {merge.survivor_id, merge.merged_id} == {robert.pk, bob.pk}
    assert MatchPair.objects.get().status == PairStatus.MERGED


def test_one_run_at_a_time(steward):
    first = run_start(by=steward, engine=FoundBy.SCORING)  # queued: nothing commits in a test

    with pytest.raises(Conflict, match=f"Match run {first.pk} is queued"):
        run_start(by=steward, engine=FoundBy.SCORING)

    MatchRun.objects.filter(pk=first.pk).update(state=RunState.RUNNING)
    with pytest.raises(Conflict, match="is running"):
        run_start(by=steward)

    MatchRun.objects.filter(pk=first.pk).update(state=RunState.DONE)
    assert run_start(by=steward).state == RunState.QUEUED


def test_a_run_that_stopped_moving_no_longer_blocks_a_new_one(steward):
    stuck = MatchRunFactory(state=RunState.RUNNING)
    MatchRun.objects.filter(pk=stuck.pk).update(
        updated_at=timezone.now() - datetime.timedelta(hours=2)
    )

    fresh = run_start(by=steward)

    stuck.refresh_from_db()
    assert fresh.pk != stuck.pk
    assert stuck.state == RunState.FAILED and "no progress" in stuck.failure


def test_an_unknown_engine_is_refused(steward):
    with pytest.raises(ValidationFailed, match="Unknown matching engine"):
        run_start(by=steward, engine="guesswork")
    assert not MatchRun.objects.exists()


def test_a_failing_run_records_why_and_does_not_raise():
    run = MatchRunFactory(state=RunState.QUEUED, engine="guess")

    returned = run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert returned is not None and run.state == RunState.FAILED
    assert run.failure == (
        "Failed while looking for likely duplicates: Unknown matching engine 'guess'."
    )
    assert run.finished_at is not None
    assert AuditEvent.objects.get(action="identity.run_failed").detail["failure"] == run.failure


def test_a_finished_or_missing_run_is_left_alone():
    done = MatchRunFactory(state=RunState.DONE, pairs_found=7)

    assert run_execute(run_id=done.pk) == done
    done.refresh_from_db()
    assert done.pairs_found == 7 and done.state == RunState.DONE
    assert run_execute(run_id=done.pk + 1000) is None


def test_progress_is_reported_as_the_run_goes():
    CustomerFactory()
    run = MatchRunFactory(state=RunState.QUEUED)
    seen: list[tuple[str, int]] = []

    run_execute(run_id=run.pk, on_update=lambda r: seen.append((r.stage, r.percent)))

    assert seen[0] == ("Looking for likely duplicates", 0)
    assert seen[-1][1] == 100 and seen[-1][0].startswith("Done")
    assert [percent for _, percent in seen] == sorted(percent for _, percent in seen)


# ----------------------------------------------------------------------------- upserting


def record(found, *, review_at=0.8, auto_merge_at=None, run=None):
    run = run or MatchRunFactory(state=RunState.RUNNING)
    tally = found_pairs_record(
        run=run, found=found, review_at=review_at, auto_merge_at=auto_merge_at
    )
    return run, tally


def test_only_pairs_at_or_above_review_are_written_in_id_order():
    a, b, c = CustomerFactory(), CustomerFactory(), CustomerFactory()

    run, tally = record([Found(b.pk, a.pk, 0.8), Found(a.pk, c.pk, 0.79999)])

    pair = MatchPair.objects.get()
    assert (pair.left_id, pair.right_id, pair.score) == (a.pk, b.pk, 0.8)
    assert tally.found == tally.new == 1 and run.pairs_found == 1


def test_running_again_updates_open_pairs_without_doubling_them():
    a, b = CustomerFactory(), CustomerFactory()
    record([Found(a.pk, b.pk, 0.85, [{"field": "last_name", "points": 1.0}])])

    second, tally = record([Found(a.pk, b.pk, 0.9, [{"field": "last_name", "points": 2.0}])])

    pair = MatchPair.objects.get()
    assert pair.score == 0.9 and pair.explanation == [{"field": "last_name", "points": 2.0}]
    assert pair.run == second and pair.status == PairStatus.OPEN
    assert tally.new == 0 and tally.updated == 1


@pytest.mark.parametrize("status", [PairStatus.DISMISSED, PairStatus.MERGED, PairStatus.UNDONE])
def test_a_decided_pair_keeps_its_decision_when_found_again(status):
    pair = MatchPairFactory(status=status, score=0.85)

    _, tally = record([Found(pair.left_id, pair.right_id, 0.99)], auto_merge_at=0.95)

    pair.refresh_from_db()
    assert pair.status == status and pair.score == 0.85
    assert MatchPair.objects.count() == 1 and tally.left_alone == 1 and tally.merged == 0
    assert not CustomerMerge.objects.exists()


def test_a_pair_found_twice_in_one_run_is_written_once_with_its_best_score():
    a, b = CustomerFactory(), CustomerFactory()

    _, tally = record([Found(a.pk, b.pk, 0.85), Found(b.pk, a.pk, 0.95), Found(a.pk, a.pk, 1)])

    assert MatchPair.objects.get().score == 0.95 and tally.found == 1


def test_pairs_with_a_merged_or_erased_side_are_not_queued(steward):
    a, b, c = CustomerFactory(), CustomerFactory(), CustomerFactory()
    erased = ErasedCustomerFactory()
    customers_merge(survivor=a, merged=b, by=steward)

    record([Found(b.pk, c.pk, 0.9), Found(c.pk, erased.pk, 0.9)])

    assert not MatchPair.objects.exists()


# ----------------------------------------------------------------------------- merging unreviewed


def test_a_pair_at_the_automatic_confidence_merges_and_one_just_below_stays_open():
    a, b, c, d = (CustomerFactory() for _ in range(4))

    run, tally = record([Found(a.pk, b.pk, 0.95), Found(c.pk, d.pk, 0.9499999)], auto_merge_at=0.95)

    merge = CustomerMerge.objects.get()
    assert (merge.survivor_id, merge.merged_id) == (a.pk, b.pk)
    assert merge.automatic and merge.merged_by is None and merge.score == 0.95
    assert MatchPair.objects.get(left=c).status == PairStatus.OPEN
    assert tally.merged == run.merged == 1
    event = AuditEvent.objects.get(action="identity.customers_merged")
    assert event.actor is None and event.detail["automatic"] is True
    assert event.detail["run"] == run.pk


def test_without_an_automatic_confidence_nothing_merges():
    a, b = CustomerFactory(), CustomerFactory()

    record([Found(a.pk, b.pk, 1.0)], auto_merge_at=None)

    assert not CustomerMerge.objects.exists()
    assert MatchPair.objects.get().status == PairStatus.OPEN


def test_a_pair_whose_side_this_run_merged_already_waits_for_a_person():
    a, b, c = CustomerFactory(), CustomerFactory(), CustomerFactory()

    _, tally = record([Found(a.pk, b.pk, 0.99), Found(b.pk, c.pk, 0.98)], auto_merge_at=0.95)

    assert tally.merged == 1 and tally.not_merged == 1
    assert MatchPair.objects.get(left=b, right=c).status == PairStatus.OPEN
    assert Customer.objects.get(pk=c.pk).merged_into_id is None


def test_open_pairs_of_earlier_runs_not_found_again_are_not_merged():
    stale = MatchPairFactory(score=0.99)

    record([], auto_merge_at=0.9)

    stale.refresh_from_db()
    assert stale.status == PairStatus.OPEN


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    review_at=st.floats(0, 1),
    gap=st.floats(0, 1),
    scores=st.lists(st.floats(0, 1), min_size=1, max_size=6),
)
def test_merged_iff_at_or_above_the_automatic_confidence(review_at, gap, scores):
    auto_merge_at = min(1.0, review_at + gap)
    people = [(CustomerFactory(), CustomerFactory()) for _ in scores]
    # The thresholds themselves, and the floats just around them, are the edges that matter.
    edges = [auto_merge_at, review_at, auto_merge_at - 1e-12, review_at - 1e-12]
    scores = [max(0.0, s) for s in (edges + scores)[: len(people)]]

    record(
        [Found(a.pk, b.pk, s) for (a, b), s in zip(people, scores, strict=True)],
        review_at=review_at,
        auto_merge_at=auto_merge_at,
    )

    for (a, b), score in zip(people, scores, strict=True):
        pair = MatchPair.objects.filter(left=a, right=b).first()
        merged = Customer.objects.get(pk=b.pk).merged_into_id == a.pk
        if score < review_at:
            assert pair is None and not merged
        elif score >= auto_merge_at:
            assert pair is not None and pair.status == PairStatus.MERGED and merged
        else:
            assert pair is not None and pair.status == PairStatus.OPEN and not merged


# ----------------------------------------------------------------------------- the command


def test_the_command_runs_in_the_foreground_and_prints_progress(steward, confidences, capsys):
    confidences(0.8)
    one_person_twice()

    call_command("identity_match", "--engine", "scoring", "--by", steward.username)

    out = capsys.readouterr().out
    assert "  0%  Looking for likely duplicates" in out
    assert "1 likely duplicate pairs" in out and "done in" in out
    run = MatchRun.objects.get()
    assert run.state == RunState.DONE and run.created_by == steward
    assert MatchPair.objects.count() == 1


def test_the_command_refuses_while_a_run_is_busy(steward):
    MatchRunFactory(state=RunState.RUNNING)

    with pytest.raises(CommandError, match="start another when it has finished"):
        call_command("identity_match", "--engine", "scoring")


def test_the_command_names_an_unknown_user():
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("identity_match", "--by", "nobody")
