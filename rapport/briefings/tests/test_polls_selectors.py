"""Who sees which poll, what waits for whom, and results that never single anyone out."""

import datetime

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from rapport.accounts.tests.factories import TeamFactory
from rapport.briefings.choices import PollStatus
from rapport.briefings.selectors import polls as selectors
from rapport.briefings.services import polls as services
from rapport.briefings.tests.factories_polls import PollFactory, answers_for, open_poll
from rapport.core.errors import NotFound

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def test_polls_waiting_for_is_open_in_audience_unanswered_oldest_first(make_user):
    agent = make_user("agent")
    newer = open_poll(opened_at=NOW - datetime.timedelta(hours=1))
    older = open_poll(opened_at=NOW - datetime.timedelta(days=1))
    answered = open_poll()
    services.poll_answer(poll=answered, respondent=agent, data=answers_for(answered))
    open_poll(roles=["marketer"])  # not for agents
    open_poll(closes_at=NOW - datetime.timedelta(minutes=1))  # past its closing time
    PollFactory(status=PollStatus.DRAFT)
    waiting = selectors.polls_waiting_for(user=agent, now=NOW)
    assert [poll.pk for poll in waiting] == [older.pk, newer.pk]


def test_poll_for_hides_drafts_and_other_audiences(make_user):
    agent = make_user("agent")
    draft = PollFactory(status=PollStatus.DRAFT)
    other = open_poll(roles=["marketer"])
    mine = open_poll()
    for poll_id in (draft.pk, other.pk, 2**70, "x", -1):
        with pytest.raises(NotFound):
            selectors.poll_for(user=agent, poll_id=poll_id)
    assert selectors.poll_for(user=agent, poll_id=mine.pk) == mine


def test_a_closed_poll_stays_visible_to_those_who_answered(make_user):
    agent, other = make_user("agent"), make_user("agent")
    poll = open_poll()
    services.poll_answer(poll=poll, respondent=agent, data=answers_for(poll))
    poll.status = PollStatus.CLOSED
    poll.save()
    assert selectors.poll_for(user=agent, poll_id=poll.pk) == poll
    with pytest.raises(NotFound):
        selectors.poll_for(user=other, poll_id=poll.pk)


def test_main_role_follows_the_documented_order(make_user):
    assert selectors.main_role(make_user("admin", "trainer", "supervisor")) == "supervisor"
    assert selectors.main_role(make_user("executive", "marketer")) == "marketer"


@given(st.dictionaries(st.text(min_size=1, max_size=4), st.integers(1, 12), max_size=8))
def test_no_shown_group_is_smaller_than_the_minimum(sizes):
    shown = selectors.fold_small_groups(sizes)
    totals: dict[str, int] = {}
    for name, size in sizes.items():
        totals[shown[name]] = totals.get(shown[name], 0) + size
    if sum(sizes.values()) >= selectors.MIN_GROUP:
        assert all(total >= selectors.MIN_GROUP for total in totals.values())
    for name, size in sizes.items():
        if size >= selectors.MIN_GROUP and shown[name] != name:
            assert shown[name] == selectors.OTHER


def _answer(poll, team, rating, *roles, text=""):
    from rapport.accounts.tests.factories import UserFactory

    person = UserFactory(roles=list(roles or ["agent"]), team=team)
    services.poll_answer(
        poll=poll, respondent=person, data=answers_for(poll, rating=rating, text=text)
    )
    return person


def test_results_fold_small_teams_and_give_a_t_interval(make_user):
    big, small = TeamFactory(name="Billing"), TeamFactory(name="Tiny")
    poll = open_poll()
    ratings = [5, 4, 4, 3]
    for rating in ratings:
        _answer(poll, big, rating, text=f"note {rating}")
    _answer(poll, small, 1)
    trainer = make_user("trainer")
    results = selectors.poll_results_for(user=trainer, poll_id=poll.pk)
    assert results.enough and results.respondents == 5
    rating_q = results.questions[0]
    labels = [group.label for group in rating_q.by_team]
    assert "Tiny" not in labels
    # Billing alone would leave "Other" with one person: Billing joins it too.
    assert labels == [selectors.OTHER]
    overall = rating_q.overall.mean
    low, high = scipy_stats.t.interval(
        0.95, 4, loc=sum([*ratings, 1]) / 5, scale=scipy_stats.sem([*ratings, 1])
    )
    assert overall.value == pytest.approx(3.4)
    assert (overall.ci_low, overall.ci_high) == (pytest.approx(low), pytest.approx(high))
    assert rating_q.overall.distribution == [1, 0, 1, 2, 1]
    text_q = results.questions[2]
    assert text_q.comments == sorted(f"note {r}" for r in ratings)


def test_results_by_team_show_groups_of_three_or_more(make_user):
    a, b = TeamFactory(name="Alpha"), TeamFactory(name="Beta")
    poll = open_poll()
    for team in (a, a, a, b, b, b):
        _answer(poll, team, 4)
    results = selectors.poll_results_for(user=make_user("executive"), poll_id=poll.pk)
    assert [g.label for g in results.questions[0].by_team] == ["Alpha", "Beta"]
    choice = results.questions[1].overall
    assert choice.choices[0][0:2] == ("Yes", 6)


def test_supervisors_see_only_their_teams_answers(make_user):
    supervisor = make_user("supervisor")
    mine, theirs = TeamFactory(supervisor=supervisor), TeamFactory()
    poll = open_poll()
    for team in (mine, mine, mine, theirs, theirs, theirs, theirs):
        _answer(poll, team, 5 if team == mine else 1)
    results = selectors.poll_results_for(user=supervisor, poll_id=poll.pk)
    assert results.respondents == 3 and results.team_scope_limited
    assert results.questions[0].overall.mean.value == 5
    assert results.audience == 3


def test_fewer_than_three_respondents_show_no_figures(make_user):
    poll = open_poll()
    _answer(poll, None, 2)
    _answer(poll, None, 3)
    results = selectors.poll_results_for(user=make_user("trainer"), poll_id=poll.pk)
    assert not results.enough
    assert results.questions[0].overall.n == 0
    assert list(selectors.poll_export_rows(user=make_user("admin"), poll=poll)) == []


def test_results_are_for_readers_and_never_for_drafts(make_user):
    draft = PollFactory(status=PollStatus.DRAFT)
    with pytest.raises(NotFound):
        selectors.poll_results_for(user=make_user("trainer"), poll_id=draft.pk)
    poll = open_poll()
    with pytest.raises(NotFound):
        selectors.poll_results_for(user=make_user("agent"), poll_id=poll.pk)


def test_export_rows_carry_team_and_role_but_no_name(make_user):
    team = TeamFactory(name="Care")
    poll = open_poll()
    people = [_answer(poll, team, 3, text="ok") for _ in range(3)]
    rows = list(selectors.poll_export_rows(user=make_user("trainer"), poll=poll))
    assert len(rows) == 9
    assert {row[2] for row in rows} == {"Care"} and {row[3] for row in rows} == {"Agent"}
    flat = " ".join(str(cell) for row in rows for cell in row)
    for person in people:
        assert person.username not in flat and person.get_full_name() not in flat
