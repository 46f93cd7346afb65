"""The poll export leaves out a question too few answered, and numbers respondents in an order
that says nothing about when they answered or which group they are in."""

import csv
import hashlib
import hmac
import io

import pytest
from django.urls import reverse

from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.briefings.models import PollResponse
from rapport.briefings.selectors import polls as selectors
from rapport.briefings.services import polls as services
from rapport.briefings.tests.factories_polls import PollQuestionFactory, answers_for, open_poll

pytestmark = pytest.mark.django_db


def _answer(poll, team, **answers) -> PollResponse:
    person = UserFactory(roles=["agent"], team=team)
    return services.poll_answer(poll=poll, respondent=person, data=answers_for(poll, **answers))


def test_a_lone_optional_comment_is_not_exported(client_for):
    client, _ = client_for("trainer")
    team = TeamFactory(name="Care")
    poll = open_poll(kinds=("rating", "text"))  # the text question is optional
    _answer(poll, team, rating=2, text="My manager ignores me")
    for _ in range(3):
        _answer(poll, team, rating=4)

    response = client.get(reverse("briefings:poll_export", args=[poll.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert rows[0] == selectors.EXPORT_HEADER
    assert {row[5] for row in rows[1:]} == {"rating"}
    assert len(rows) == 1 + 4
    assert "My manager ignores me" not in str(rows)


def test_a_question_enough_people_answered_is_exported_in_full(make_user):
    poll = open_poll(kinds=("rating",))
    optional = PollQuestionFactory(poll=poll, kind="text", order=5, required=False)
    for word in ("slow", "fine", "great"):
        person = UserFactory(roles=["agent"])
        data = {**answers_for(poll), f"q{optional.pk}": word}
        services.poll_answer(poll=poll, respondent=person, data=data)

    rows = list(selectors.poll_export_rows(user=make_user("trainer"), poll=poll))

    assert sorted(str(row[8]) for row in rows if row[5] == "text") == ["fine", "great", "slow"]


def test_respondents_are_numbered_by_a_keyed_hash_of_the_response_id(make_user, settings):
    settings.SECRET_KEY = "export-numbering-test-key"
    response_id = 12345
    expected = hmac.new(
        b"export-numbering-test-key", b"poll-export-response:12345", hashlib.sha256
    ).hexdigest()
    assert selectors.export_number_key(response_id) == expected


def _rated(poll, team) -> dict[int, int]:
    """Five respondents with ratings 1 to 5: {rating: response id}."""
    return {rating: _answer(poll, team, rating=rating).pk for rating in range(1, 6)}


def test_numbers_follow_the_key_not_the_answer_order(make_user, monkeypatch):
    poll = open_poll(kinds=("rating",))
    by_rating = _rated(poll, TeamFactory(name="Care"))
    # A key that reverses the id order: the last to answer must be numbered first.
    monkeypatch.setattr(selectors, "export_number_key", lambda response_id: -response_id)

    rows = list(selectors.poll_export_rows(user=make_user("trainer"), poll=poll))

    number_of = {row[6]: row[1] for row in rows}
    latest_first = sorted(by_rating, key=lambda rating: -by_rating[rating])
    assert [number_of[rating] for rating in latest_first] == [1, 2, 3, 4, 5]
    assert [row[1] for row in rows] == [1, 2, 3, 4, 5]  # rows follow the numbers, not the ids


def test_numbers_are_the_rank_of_the_keyed_hash(make_user):
    poll = open_poll(kinds=("rating",))
    by_rating = _rated(poll, TeamFactory(name="Care"))

    rows = list(selectors.poll_export_rows(user=make_user("trainer"), poll=poll))

    ranked = sorted(by_rating, key=lambda rating: selectors.export_number_key(by_rating[rating]))
    assert [row[6] for row in rows] == ranked
