"""pair_merge and pair_dismiss: a steward's decision on a likely duplicate pair."""

import pytest

from rapport.core.errors import Conflict, ValidationFailed
from rapport.core.models import AuditEvent
from rapport.customers.tests.factories import CustomerFactory
from rapport.identity.choices import PairStatus
from rapport.identity.services.merges import merge_undo
from rapport.identity.services.pairs import pair_dismiss, pair_merge
from rapport.identity.tests.factories import MatchPairFactory

pytestmark = pytest.mark.django_db


def test_merging_a_pair_keeps_the_chosen_record(steward):
    pair = MatchPairFactory(score=0.93)

    merge = pair_merge(pair=pair, by=steward, survivor_id=pair.right_id)

    pair.refresh_from_db()
    assert merge.survivor_id == pair.right_id and merge.merged_id == pair.left_id
    assert merge.pair == pair and merge.score == 0.93
    assert pair.status == PairStatus.MERGED
    assert pair.reviewed_by == steward and pair.reviewed_at is not None


def test_without_a_choice_the_checked_record_stays_else_the_older():
    older, newer = CustomerFactory(), CustomerFactory()
    prospect_first = MatchPairFactory(
        left=CustomerFactory(needs_review=True), right=CustomerFactory()
    )
    plain = MatchPairFactory(left=older, right=newer)

    assert pair_merge(pair=prospect_first, by=None).survivor_id == prospect_first.right_id
    assert pair_merge(pair=plain, by=None).survivor_id == older.pk


def test_the_survivor_must_be_one_of_the_pair(steward):
    pair = MatchPairFactory()

    with pytest.raises(ValidationFailed, match="one of the pair"):
        pair_merge(pair=pair, by=steward, survivor_id=CustomerFactory().pk)


def test_a_merged_pair_is_not_merged_again(steward):
    pair = MatchPairFactory()
    pair_merge(pair=pair, by=steward)

    with pytest.raises(Conflict, match="already merged"):
        pair_merge(pair=pair, by=steward)


def test_an_undone_pair_can_be_merged_again(steward):
    pair = MatchPairFactory()
    merge_undo(merge=pair_merge(pair=pair, by=steward), by=steward)

    again = pair_merge(pair=pair, by=steward)

    pair.refresh_from_db()
    assert again.undone_at is None and pair.status == PairStatus.MERGED


def test_dismissing_records_who_and_why(steward):
    pair = MatchPairFactory()

    pair_dismiss(pair=pair, by=steward, note="  Twins,   same  address ")

    pair.refresh_from_db()
    assert pair.status == PairStatus.DISMISSED
    assert pair.reviewed_by == steward and pair.reviewed_at is not None
    event = AuditEvent.objects.get(action="identity.pair_dismissed", target_id=str(pair.pk))
    assert event.actor == steward
    assert event.detail["note"] == "Twins, same address"
    assert event.detail["left"] == pair.left_id and event.detail["right"] == pair.right_id


def test_a_merged_pair_cannot_be_dismissed_until_the_merge_is_undone(steward):
    pair = MatchPairFactory()
    merge = pair_merge(pair=pair, by=steward)

    with pytest.raises(Conflict, match="undo the merge"):
        pair_dismiss(pair=pair, by=steward)

    merge_undo(merge=merge, by=steward)
    assert pair_dismiss(pair=pair, by=steward).status == PairStatus.DISMISSED


def test_dismissing_twice_says_so(steward):
    pair = MatchPairFactory()
    pair_dismiss(pair=pair, by=steward)

    with pytest.raises(Conflict, match="already marked"):
        pair_dismiss(pair=pair, by=steward)


def test_an_overlong_note_is_refused(steward):
    pair = MatchPairFactory()

    with pytest.raises(ValidationFailed, match="500"):
        pair_dismiss(pair=pair, by=steward, note="x" * 501)

    pair.refresh_from_db()
    assert pair.status == PairStatus.OPEN
