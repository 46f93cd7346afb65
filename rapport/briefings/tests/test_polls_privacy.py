"""Poll results and exports never single a person out by a small (team, role) or answer group."""

from collections import defaultdict

import pytest
from django.urls import reverse

from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.briefings.selectors import polls as selectors
from rapport.briefings.services import polls as services
from rapport.briefings.tests.factories_polls import PollQuestionFactory, answers_for, open_poll

pytestmark = pytest.mark.django_db


def _answer(poll, team, role, **answers):
    person = UserFactory(roles=[role], team=team)
    services.poll_answer(poll=poll, respondent=person, data=answers_for(poll, **answers))
    return person


def test_export_folds_on_the_team_and_role_pair(make_user):
    care, desk = TeamFactory(name="Care"), TeamFactory(name="Desk")
    poll = open_poll(roles=("agent", "supervisor"), kinds=("rating",))
    # Teams (4 and 5) and roles (6 agents, 3 supervisors) are each large enough,
    # but Care has one supervisor: ("Care", "Supervisor") would be that person.
    for team, role in [(care, "agent")] * 3 + [(care, "supervisor")]:
        _answer(poll, team, role)
    for team, role in [(desk, "agent")] * 3 + [(desk, "supervisor")] * 2:
        _answer(poll, team, role)
    rows = list(selectors.poll_export_rows(user=make_user("trainer"), poll=poll))
    people: dict[tuple, set] = defaultdict(set)
    for row in rows:
        people[(row[2], row[3])].add(row[1])
    assert ("Care", "Supervisor") not in people
    assert set(people) == {("Care", "Agent"), ("Desk", "Agent"), ("Other", "Other")}
    assert all(len(numbers) >= selectors.MIN_GROUP for numbers in people.values())
    assert len(rows) == 9


def _poll_with_optional_rating():
    poll = open_poll(kinds=("rating",))
    optional = PollQuestionFactory(poll=poll, kind="rating", order=9, required=False)
    return poll, optional


def _answer_some(poll, optional, team, *, skip: bool, rating: int = 4):
    person = UserFactory(roles=["agent"], team=team)
    data = answers_for(poll, rating=rating)
    if skip:
        data.pop(f"q{optional.pk}")
    services.poll_answer(poll=poll, respondent=person, data=data)


def test_a_group_where_few_answered_a_question_shows_no_figures_for_it(make_user):
    alpha, beta = TeamFactory(name="Alpha"), TeamFactory(name="Beta")
    poll, optional = _poll_with_optional_rating()
    for _ in range(3):
        _answer_some(poll, optional, alpha, skip=False, rating=4)
    # Beta has three respondents, but only one of them answered the optional question.
    _answer_some(poll, optional, beta, skip=False, rating=1)
    _answer_some(poll, optional, beta, skip=True)
    _answer_some(poll, optional, beta, skip=True)
    results = selectors.poll_results_for(user=make_user("trainer"), poll_id=poll.pk)
    first, second = results.questions
    assert [g.label for g in first.by_team] == ["Alpha", "Beta"]
    # Beta's lone answer is neither shown as Beta's nor derivable as overall minus Alpha.
    assert [g.label for g in second.by_team] == [selectors.OTHER]
    assert second.by_team[0].n == 4 and not second.by_team[0].hidden
    for group in second.by_team + second.by_role + [second.overall]:
        assert group.hidden or group.n >= selectors.MIN_GROUP


def test_a_question_answered_by_fewer_than_the_minimum_shows_nothing(make_user, api_for):
    team = TeamFactory(name="Alpha")
    poll, optional = _poll_with_optional_rating()
    _answer_some(poll, optional, team, skip=False, rating=1)
    _answer_some(poll, optional, team, skip=False, rating=5)
    for _ in range(2):
        _answer_some(poll, optional, team, skip=True)
    results = selectors.poll_results_for(user=make_user("trainer"), poll_id=poll.pk)
    second = results.questions[1]
    assert second.overall.hidden and second.overall.n == 2
    assert second.overall.distribution == [] and second.overall.mean is None
    assert all(g.hidden and g.distribution == [] for g in second.by_team + second.by_role)
    client, _ = api_for("trainer")
    body = client.get(reverse("api-poll-results", args=[poll.pk])).json()
    api_second = body["questions"][1]
    assert api_second["overall"]["hidden"] is True
    assert api_second["overall"]["distribution"] == []


def test_comments_are_hidden_when_fewer_than_the_minimum_wrote_one(make_user):
    poll = open_poll(kinds=("rating", "text"))
    _answer(poll, None, "agent", text="only me")
    _answer(poll, None, "agent")
    _answer(poll, None, "agent")
    results = selectors.poll_results_for(user=make_user("trainer"), poll_id=poll.pk)
    assert results.enough
    assert results.questions[1].comments == []
