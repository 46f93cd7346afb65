"""Writing, opening, closing and answering polls."""

import datetime

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.briefings.choices import PollStatus
from rapport.briefings.models import PollAnswer, PollResponse
from rapport.briefings.services import polls as services
from rapport.briefings.tests.factories_polls import (
    PollFactory,
    PollQuestionFactory,
    answers_for,
    open_poll,
)
from rapport.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rapport.core.models import AuditEvent

pytestmark = pytest.mark.django_db

SAFE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
)


def _draft(trainer, **overrides):
    fields = {
        "title": "New wrap-up codes",
        "description": "Fewer codes.",
        "audience_roles": ["agent"],
    }
    fields.update(overrides)
    return services.poll_create(by=trainer, **fields)


def test_create_normalises_the_request_key_and_audits(make_user):
    trainer = make_user("trainer")
    poll = _draft(trainer, enhancement_request=" enh-142 ")
    assert poll.status == PollStatus.DRAFT
    assert poll.enhancement_request == "ENH-142"
    assert AuditEvent.objects.filter(action="poll.created", target_id=str(poll.pk)).exists()


@pytest.mark.parametrize("key", ["ENH142", "142-ENH", "ENH-", "EN H-1", "ENH-12a"])
def test_create_refuses_a_malformed_request_key(make_user, key):
    with pytest.raises(ValidationFailed) as caught:
        _draft(make_user("trainer"), enhancement_request=key)
    assert "enhancement_request" in caught.value.fields


def test_only_trainers_and_admins_write_polls(make_user):
    with pytest.raises(PermissionDenied):
        _draft(make_user("supervisor"))


def test_a_poll_without_a_question_cannot_open(make_user):
    trainer = make_user("trainer")
    make_user("agent")
    poll = _draft(trainer)
    with pytest.raises(ValidationFailed, match="question"):
        services.poll_open(by=trainer, poll=poll)
    poll.refresh_from_db()
    assert poll.status == PollStatus.DRAFT


def test_a_poll_whose_audience_reaches_nobody_cannot_open(make_user):
    trainer = make_user("trainer")
    poll = _draft(trainer, audience_roles=[])
    services.poll_question_add(by=trainer, poll=poll, kind="rating", text="Better?")
    with pytest.raises(ValidationFailed, match="nobody"):
        services.poll_open(by=trainer, poll=poll)


def test_open_then_questions_are_frozen_and_close_works(make_user):
    trainer = make_user("trainer")
    make_user("agent")
    poll = _draft(trainer)
    question = services.poll_question_add(
        by=trainer, poll=poll, kind="choice", text="Which?", options=["A", "B", "A", " "]
    )
    assert question.options == ["A", "B"]
    services.poll_open(by=trainer, poll=poll)
    poll.refresh_from_db()
    assert poll.status == PollStatus.OPEN and poll.opened_at is not None
    with pytest.raises(Conflict):
        services.poll_question_add(by=trainer, poll=poll, kind="rating", text="More?")
    with pytest.raises(Conflict):
        services.poll_question_update(by=trainer, question=question, kind="rating", text="X")
    with pytest.raises(Conflict):
        services.poll_question_delete(by=trainer, question=question)
    assert poll.questions.count() == 1
    services.poll_close(by=trainer, poll=poll)
    poll.refresh_from_db()
    assert poll.status == PollStatus.CLOSED
    actions = set(
        AuditEvent.objects.filter(target_id=str(poll.pk)).values_list("action", flat=True)
    )
    assert {"poll.created", "poll.question_added", "poll.opened", "poll.closed"} <= actions


def test_a_choice_question_needs_two_options(make_user):
    trainer = make_user("trainer")
    poll = _draft(trainer)
    with pytest.raises(ValidationFailed) as caught:
        services.poll_question_add(by=trainer, poll=poll, kind="choice", text="Q", options=["A"])
    assert "options" in caught.value.fields


def test_answer_keeps_main_role_team_and_clamped_seconds(make_user):
    team = TeamFactory()
    agent = make_user("supervisor", "agent", team=team)
    poll = open_poll(roles=["agent"])
    response = services.poll_answer(
        poll=poll, respondent=agent, data=answers_for(poll, text="Looks good"), seconds_taken=10**7
    )
    assert response.role == "agent"
    assert response.team_id == team.pk
    assert response.seconds_taken == services.SECONDS_TAKEN_MAX
    assert response.answers.count() == 3
    assert set(response.answers.values_list("rating", flat=True)) == {4, None}


def test_a_second_answer_is_refused_and_nothing_is_doubled(make_user):
    agent = make_user("agent")
    poll = open_poll()
    services.poll_answer(poll=poll, respondent=agent, data=answers_for(poll))
    with pytest.raises(Conflict, match="already answered"):
        services.poll_answer(poll=poll, respondent=agent, data=answers_for(poll, rating=1))
    assert PollResponse.objects.filter(poll=poll).count() == 1
    assert PollAnswer.objects.filter(response__poll=poll, rating=1).count() == 0


def test_answers_are_checked_per_question(make_user):
    agent = make_user("agent")
    poll = open_poll()
    rating, choice, _ = poll.questions.all()
    data = {f"q{rating.pk}": "9", f"q{choice.pk}": "Maybe"}
    with pytest.raises(ValidationFailed) as caught:
        services.poll_answer(poll=poll, respondent=agent, data=data)
    assert set(caught.value.fields) == {f"q{rating.pk}", f"q{choice.pk}"}
    with pytest.raises(ValidationFailed) as caught:
        services.poll_answer(poll=poll, respondent=agent, data={})
    assert f"q{rating.pk}" in caught.value.fields
    assert not PollResponse.objects.exists()


def test_people_outside_the_audience_cannot_answer(make_user):
    poll = open_poll(roles=["agent"])
    with pytest.raises(NotFound):
        services.poll_answer(poll=poll, respondent=make_user("marketer"), data=answers_for(poll))


def test_a_closed_or_expired_poll_takes_no_answers(make_user):
    agent = make_user("agent")
    expired = open_poll(closes_at=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(Conflict, match="closed"):
        services.poll_answer(poll=expired, respondent=agent, data=answers_for(expired))
    closed = open_poll()
    closed.status = PollStatus.CLOSED
    closed.save()
    with pytest.raises(Conflict):
        services.poll_answer(poll=closed, respondent=agent, data=answers_for(closed))


def test_named_people_without_a_role_answer_as_agents(make_user):
    person = UserFactory()
    poll = PollFactory(audience_roles=[], status=PollStatus.OPEN)
    poll.audience_agents.add(person)
    PollQuestionFactory(poll=poll)
    response = services.poll_answer(poll=poll, respondent=person, data=answers_for(poll))
    assert response.role == "agent"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(
        st.one_of(SAFE_TEXT, st.integers(), st.none(), st.floats(allow_nan=True), st.booleans()),
        min_size=3,
        max_size=3,
    ),
    seconds=st.one_of(st.none(), st.integers(), st.text(max_size=5), st.floats()),
)
def test_any_input_is_stored_or_refused_plainly(make_user, values, seconds):
    """Whatever is sent, the service stores a valid response or raises ValidationFailed and
    stores nothing; it never fails otherwise."""
    agent = make_user("agent")
    poll = open_poll()
    data = {f"q{q.pk}": v for q, v in zip(poll.questions.all(), values, strict=True)}
    try:
        response = services.poll_answer(
            poll=poll, respondent=agent, data=data, seconds_taken=seconds
        )
    except ValidationFailed:
        assert not PollResponse.objects.filter(poll=poll).exists()
    else:
        for answer in response.answers.all():
            assert answer.rating is None or 1 <= answer.rating <= 5
            assert answer.choice in ("", "Yes", "No", "Not sure")
        assert response.seconds_taken is None or 0 <= response.seconds_taken <= 3600


@given(st.one_of(st.none(), st.integers(), st.floats(), st.text(max_size=8), st.booleans()))
def test_clamp_seconds_is_total(value):
    result = services.clamp_seconds(value)
    assert result is None or 0 <= result <= services.SECONDS_TAKEN_MAX
