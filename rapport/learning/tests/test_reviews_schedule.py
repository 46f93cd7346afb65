"""Spaced reinforcement: review items from a module, the fsrs schedule's progression, when an
answer is taken (free, due, in the burst under way, once), and the retention and mastery
measured from the answers."""

import datetime
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.accounts.choices import AgentState
from rapport.core.errors import Conflict, NotFound, ValidationFailed
from rapport.learning import reinforcement
from rapport.learning.models import LearningSettings, ReviewItem, ReviewLog
from rapport.learning.selectors import reviews as selectors
from rapport.learning.services import reviews as services
from rapport.learning.tests.factories_idle import answer, burst_of
from rapport.learning.tests.factories_learning import module_with_questions
from rapport.learning.tests.factories_reviews import T0, agent_in, reviews_for, set_state

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def right_choice(item: ReviewItem) -> int:
    return next(c.pk for c in item.question.choices.all() if c.is_correct)


def wrong_choice(item: ReviewItem) -> int:
    return next(c.pk for c in item.question.choices.all() if not c.is_correct)


# --- The grade an answer earns (pure) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("correct", "seconds", "rating"),
    [(False, 3, 1), (False, None, 1), (True, 40, 2), (True, None, 3), (True, 15, 3), (True, 5, 4)],
)
def test_right_wrong_and_speed_map_to_a_grade(correct, seconds, rating):
    assert int(reinforcement.rating_for(correct=correct, seconds_taken=seconds)) == rating


# --- Making items -------------------------------------------------------------------------------------


def test_a_passed_module_gives_one_item_per_question_due_a_day_later_once():
    agent = agent_in("idle")
    module = module_with_questions(3)

    first = services.review_items_create(agent=agent, module=module, at=T0)
    again = services.review_items_create(agent=agent, module=module, at=T0 + DAY)

    assert len(first) == 3
    assert sorted(i.pk for i in again) == sorted(i.pk for i in first)
    assert ReviewItem.objects.filter(agent=agent).count() == 3
    assert all(item.due_at == T0 + reinforcement.FIRST_REVIEW_AFTER for item in again)
    assert all(item.reps == 0 and item.stability is None for item in again)


# --- Progression -------------------------------------------------------------------------------------


def test_right_answers_push_the_next_review_further_out_and_a_wrong_one_brings_it_back():
    agent = agent_in("idle")
    (item,) = reviews_for(agent, n=1)
    at = item.due_at
    gaps = []
    for _ in range(4):
        answer(item, correct=True, seconds=12, at=at)
        item.refresh_from_db()
        gaps.append(item.due_at - at)
        at = item.due_at
    assert gaps[0] >= DAY
    assert all(later > earlier for earlier, later in itertools.pairwise(gaps))
    assert item.reps == 4 and item.lapses == 0
    stable = item.stability
    assert stable is not None

    answer(item, correct=False, seconds=12, at=at)
    item.refresh_from_db()

    assert item.due_at - at < datetime.timedelta(hours=1)
    assert item.lapses == 1
    assert item.stability is not None and item.stability < stable
    log = ReviewLog.objects.filter(item=item).last()
    assert log.rating == 1 and log.correct is False
    assert log.predicted_recall is not None and 0 < log.predicted_recall <= 1
    assert log.stability_after == pytest.approx(item.stability)


def test_the_schedule_is_deterministic():
    agent_a, agent_b = agent_in("idle"), agent_in("idle")
    module = module_with_questions(1)
    dues = []
    for agent in (agent_a, agent_b):
        (item,) = services.review_items_create(agent=agent, module=module, at=T0)
        at = item.due_at
        for correct in (True, True, False, True):
            answer(item, correct=correct, seconds=20, at=at)
            item.refresh_from_db()
            at = item.due_at
        dues.append(item.due_at)
    assert dues[0] == dues[1]


def test_a_higher_desired_retention_reviews_sooner():
    due = {}
    for retention in ("0.80", "0.95"):
        LearningSettings.objects.all().delete()
        LearningSettings.objects.create(desired_retention=retention)
        agent = agent_in("idle")
        (item,) = reviews_for(agent, n=1)
        at = item.due_at
        for _ in range(3):
            answer(item, correct=True, at=at)
            item.refresh_from_db()
            at = item.due_at
        due[retention] = item.due_at
    assert due["0.95"] < due["0.80"]


@settings(max_examples=25, deadline=None)
@given(answers=st.lists(st.tuples(st.booleans(), st.integers(0, 120)), min_size=1, max_size=8))
def test_every_answer_moves_due_forward_and_counts(answers):
    agent = agent_in("idle")
    (item,) = reviews_for(agent, n=1)
    at = item.due_at
    for correct, seconds in answers:
        answer(item, correct=correct, seconds=seconds, at=at)
        item.refresh_from_db()
        assert item.due_at > at
        assert item.last_reviewed_at == at
        at = item.due_at
    assert item.reps == len(answers)
    assert ReviewLog.objects.filter(item=item).count() == len(answers)


def test_a_bad_time_or_an_older_answer_is_refused_and_changes_nothing():
    agent = agent_in("idle")
    (item,) = reviews_for(agent, n=1)
    at = item.due_at
    burst_of(agent, [item], at)
    with pytest.raises(ValidationFailed):
        services.review_answer(item=item, correct=True, seconds_taken=-1, at=at)
    with pytest.raises(ValidationFailed):
        services.review_answer(item=item, correct=True, seconds_taken=10**12, at=at)
    answer(item, correct=True, at=at + DAY)
    # A burst opened later, answered at an earlier moment (a clock gone back).
    ReviewItem.objects.filter(pk=item.pk).update(due_at=at)
    burst_of(agent, [item], at + 2 * DAY)
    with pytest.raises(Conflict):
        services.review_answer(item=item, correct=True, at=at + DAY - datetime.timedelta(hours=1))
    assert ReviewLog.objects.filter(item=item).count() == 1


def test_choosing_scores_exactly_the_correct_choices():
    agent = agent_in("idle")
    first, second = reviews_for(agent, n=2)
    burst_of(agent, [first, second], first.due_at)

    right = services.review_choose(item=first, choice_ids=[right_choice(first)], at=first.due_at)
    wrong = services.review_choose(
        item=second, choice_ids=[right_choice(second), wrong_choice(second)], at=second.due_at
    )

    assert right.correct is True and right.log.correct is True
    assert wrong.correct is False and wrong.explanation == second.question.explanation
    assert wrong.correct_choices == [c.text for c in second.question.choices.all() if c.is_correct]
    with pytest.raises(ValidationFailed):
        services.review_choose(item=first, choice_ids=["x"], at=first.due_at + DAY)
    with pytest.raises(ValidationFailed):
        services.review_choose(item=first, choice_ids=[], at=first.due_at + DAY)


# --- Reads ----------------------------------------------------------------------------------------------


def test_someone_elses_item_is_not_found():
    owner, other = agent_in("idle"), agent_in("idle")
    (item,) = reviews_for(owner, n=1)
    assert selectors.review_item_get_for(user=owner, item_id=item.pk) == item
    for bad in (item.pk, "abc", 2**70, -1):
        with pytest.raises(NotFound):
            selectors.review_item_get_for(user=other if bad == item.pk else owner, item_id=bad)


def test_due_items_are_the_most_overdue_first_and_limited():
    agent = agent_in("idle")
    early = reviews_for(agent, n=2, at=T0)
    late = reviews_for(agent, n=2, at=T0 + DAY)
    due = selectors.reviews_due_for(agent=agent, now=T0 + 3 * DAY, limit=3)
    assert [i.pk for i in due] == [i.pk for i in early] + [late[0].pk]
    assert selectors.reviews_due_for(agent=agent, now=T0, limit=3) == []


def test_retention_is_the_share_right_with_an_interval_and_needs_enough_answers():
    agent = agent_in("idle")
    items = reviews_for(agent, n=40)
    for index, item in enumerate(items):
        later = DAY if index >= 10 else datetime.timedelta(0)
        answer(item, correct=index % 4 != 0, at=item.due_at + later)
    since, until = T0, T0 + 10 * DAY

    estimate = selectors.retention(agent_ids=[agent.pk], since=since, until=until)
    few = selectors.retention(
        agent_ids=[agent.pk], since=since, until=T0 + DAY + datetime.timedelta(seconds=1)
    )

    assert estimate.n == 40 and estimate.value == pytest.approx(30 / 40)
    assert estimate.ci_low is not None and estimate.ci_high is not None
    assert estimate.ci_low < 0.75 < estimate.ci_high
    assert few.n == 10 and few.enough_data is False and few.value is None
    by_module = selectors.retention_by(agent_ids=[agent.pk], since=since, until=until, by="module")
    assert next(iter(by_module.values())).n == 40


def test_mastery_counts_items_whose_stability_reached_the_setting():
    agent = agent_in("idle")
    module = module_with_questions(3)
    items = services.review_items_create(agent=agent, module=module, at=T0)
    ReviewItem.objects.filter(pk=items[0].pk).update(stability=30.0)
    ReviewItem.objects.filter(pk=items[1].pk).update(stability=5.0)

    assert selectors.mastery(agent_ids=[agent.pk]) == (1, 3)
    assert selectors.mastery_by_skill(agent_ids=[agent.pk]) == {(agent.pk, module.skill_id): (1, 3)}


def test_the_summary_shows_due_next_and_a_week_by_week_count():
    agent = agent_in("idle")
    items = reviews_for(agent, n=3)
    answer(items[0], correct=True, at=items[0].due_at)
    answer(items[1], correct=False, at=items[1].due_at)

    summary = selectors.review_summary_for(agent=agent, now=T0 + 2 * DAY)

    assert summary.items == 3 and summary.due_now >= 2
    assert sum(w.right for w in summary.weeks) == 1
    assert sum(w.wrong for w in summary.weeks) == 1
    assert len(summary.chart()["labels"]) == selectors.CHART_WEEKS
    assert summary.retention.n == 2 and summary.retention.value is None


# --- The schedule from the pass on (pure) -------------------------------------------------------------


def test_the_first_review_comes_a_day_after_the_pass_and_each_right_answer_waits_longer():
    card = reinforcement.new_card(card_id=1, at=T0)
    at = reinforcement.card_due(card)
    assert at - T0 == reinforcement.FIRST_REVIEW_AFTER == DAY
    gaps = []
    for _ in range(5):
        reviewed = reinforcement.review(
            card, correct=True, seconds_taken=12, at=at, desired_retention=0.9
        )
        gaps.append(reviewed.due_at - at)
        card, at = reviewed.card, reviewed.due_at
    # A right first answer is not a learning step: it is not asked again within the hour.
    assert gaps[0] >= DAY
    assert all(later > earlier for earlier, later in itertools.pairwise(gaps))
    assert gaps[-1] > 30 * DAY


def test_a_wrong_answer_to_a_learnt_question_comes_back_within_the_hour():
    card = reinforcement.new_card(card_id=1, at=T0)
    at = reinforcement.card_due(card)
    learnt = reinforcement.review(
        card, correct=True, seconds_taken=12, at=at, desired_retention=0.9
    )
    wrong = reinforcement.review(
        learnt.card, correct=False, seconds_taken=12, at=learnt.due_at, desired_retention=0.9
    )
    assert wrong.lapsed is True and wrong.rating == 1
    assert wrong.due_at - learnt.due_at < datetime.timedelta(hours=1)


# --- When an answer is taken --------------------------------------------------------------------------


def test_a_double_submit_writes_one_log_and_returns_the_first_outcome():
    agent = agent_in(AgentState.IDLE)
    (item,) = reviews_for(agent, n=1)
    at = item.due_at
    burst_of(agent, [item], at)

    first = services.review_choose(item=item, choice_ids=[wrong_choice(item)], at=at)
    item.refresh_from_db()
    due_after_first = item.due_at
    again = services.review_choose(
        item=item, choice_ids=[right_choice(item)], at=at + datetime.timedelta(seconds=2)
    )

    assert ReviewLog.objects.filter(item=item).count() == 1
    assert again.log.pk == first.log.pk and again.correct is False
    item.refresh_from_db()
    assert item.reps == 1 and item.due_at == due_after_first


def test_an_item_not_due_yet_is_refused():
    agent = agent_in(AgentState.IDLE)
    (item,) = reviews_for(agent, n=1)
    burst_of(agent, [item], T0)
    with pytest.raises(Conflict, match="not due"):
        services.review_answer(
            item=item, correct=True, at=item.due_at - datetime.timedelta(hours=1)
        )
    assert not ReviewLog.objects.exists()
    assert ReviewItem.objects.get(pk=item.pk).reps == 0


@pytest.mark.parametrize("state", [AgentState.ON_CONTACT, AgentState.BREAK, AgentState.OFFLINE])
def test_an_answer_while_on_a_contact_or_away_is_refused(state):
    agent = agent_in(AgentState.IDLE)
    (item,) = reviews_for(agent, n=1)
    burst_of(agent, [item], item.due_at)
    set_state(agent, state)
    with pytest.raises(Conflict, match="on a contact"):
        services.review_answer(item=item, correct=True, at=item.due_at)
    assert not ReviewLog.objects.exists()


def test_an_item_outside_the_burst_under_way_is_refused():
    agent = agent_in(AgentState.IDLE)
    first, second = reviews_for(agent, n=2)
    at = second.due_at
    with pytest.raises(Conflict, match="not in the review questions"):
        services.review_answer(item=second, correct=True, at=at)  # no burst at all
    burst = burst_of(agent, [first], at)
    with pytest.raises(Conflict, match="not in the review questions"):
        services.review_answer(item=second, correct=True, at=at)
    burst.status = "paused"
    burst.save()
    with pytest.raises(Conflict, match="not in the review questions"):
        services.review_answer(item=first, correct=True, at=at)
    assert not ReviewLog.objects.exists()
