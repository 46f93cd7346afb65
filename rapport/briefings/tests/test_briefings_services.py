"""Briefing services: publishing reaches the audience once, the text is fixed after publishing,
supervisors reach only their teams, understanding follows the rules, reminders and escalation."""

import datetime
from typing import cast

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.briefings.choices import BriefingStatus
from rapport.briefings.models import Briefing, BriefingAttempt, BriefingDelivery
from rapport.briefings.selectors import briefings as selectors
from rapport.briefings.services import briefings as services
from rapport.briefings.tests.factories_briefings import (
    BriefingFactory,
    add_question,
    delivery_of,
    png_upload,
    published,
    right_answers,
    wrong_answers,
)
from rapport.core.errors import Conflict, ValidationFailed
from rapport.core.models import AuditEvent

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=datetime.UTC)


def _audience(**parts):
    return services.AudienceChoice(
        roles=parts.get("roles", []),
        teams=parts.get("teams", []),
        skills=parts.get("skills", []),
        agents=parts.get("agents", []),
    )


def _create(by, **overrides):
    kwargs = {
        "title": "Refunds",
        "body": "New rule.",
        "due_at": NOW + datetime.timedelta(days=2),
        "requires_ack": True,
        "pass_mark": 80,
        "audience": _audience(),
    }
    kwargs.update(overrides)
    return services.briefing_create(by=by, **kwargs)


def test_publish_delivers_once_per_audience_member_and_sync_is_idempotent():
    trainer = UserFactory(roles=["trainer"])
    team = TeamFactory()
    agents = [UserFactory(roles=["agent"], team=team) for _ in range(3)]
    UserFactory(roles=["agent"])  # another team: not reached
    briefing = _create(trainer, audience=_audience(roles=["agent"], teams=[team]))

    made = services.briefing_publish(by=trainer, briefing=briefing, at=NOW)

    assert made == 3
    assert set(briefing.deliveries.values_list("agent_id", flat=True)) == {a.pk for a in agents}
    assert briefing.deliveries.filter(team=team, delivered_at=NOW).count() == 3
    assert services.deliveries_sync(briefing=briefing, at=NOW) == 0
    newcomer = UserFactory(roles=["agent"], team=team)
    assert services.deliveries_sync(briefing=briefing, at=NOW) == 1
    assert delivery_of(briefing, newcomer).team_id == team.pk
    assert AuditEvent.objects.filter(action="briefing.publish", target_id=str(briefing.pk)).exists()


def test_a_published_briefing_cannot_change():
    trainer = UserFactory(roles=["trainer"])
    agent = UserFactory(roles=["agent"])
    briefing = published(author=trainer, agents=[agent], questions=1)

    with pytest.raises(Conflict, match="can no longer change"):
        services.briefing_update(
            by=trainer,
            briefing=briefing,
            title="Changed",
            body="Changed",
            due_at=briefing.due_at,
            requires_ack=True,
            pass_mark=50,
            audience=_audience(agents=[agent]),
        )
    with pytest.raises(Conflict):
        services.question_add(
            by=trainer,
            briefing=briefing,
            text="Q",
            explanation="",
            choices=[("a", True), ("b", False)],
        )
    briefing.refresh_from_db()
    assert briefing.body != "Changed" and briefing.questions.count() == 1


def test_publishing_needs_an_audience_and_a_future_due_time():
    trainer = UserFactory(roles=["trainer"])
    briefing = _create(trainer)
    with pytest.raises(ValidationFailed, match="reaches nobody"):
        services.briefing_publish(by=trainer, briefing=briefing, at=NOW)
    briefing.audience_agents.set([UserFactory(roles=["agent"])])
    with pytest.raises(ValidationFailed, match="due time has passed"):
        services.briefing_publish(
            by=trainer, briefing=briefing, at=NOW + datetime.timedelta(days=5)
        )
    briefing.refresh_from_db()
    assert briefing.status == BriefingStatus.DRAFT and not briefing.deliveries.exists()


def test_supervisors_reach_only_their_own_teams():
    lead = UserFactory(roles=["supervisor"])
    mine = TeamFactory(supervisor=lead)
    other = TeamFactory()
    outsider = UserFactory(roles=["agent"], team=other)
    with pytest.raises(ValidationFailed) as refused:
        _create(lead, audience=_audience(teams=[other]))
    assert "teams" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        _create(lead, audience=_audience(agents=[outsider]))
    assert "agents" in refused.value.fields
    with pytest.raises(ValidationFailed, match="Choose which of your teams"):
        _create(lead, audience=_audience(roles=["agent"]))
    made = _create(lead, audience=_audience(roles=["agent"], teams=[mine]))
    assert made.author == lead


def test_question_needs_a_right_and_a_wrong_choice():
    trainer = UserFactory(roles=["trainer"])
    briefing = _create(trainer)
    for choices, message in [
        ([("a", False), ("b", False)], "at least one choice as correct"),
        ([("a", True)], "at least two choices"),
        ([("a", True), ("b", True)], "must be wrong"),
    ]:
        with pytest.raises(ValidationFailed, match=message):
            services.question_add(
                by=trainer, briefing=briefing, text="Q?", explanation="", choices=choices
            )
    services.question_add(
        by=trainer,
        briefing=briefing,
        text="Q?",
        explanation="E",
        choices=[("a", True), ("", True), ("b", False)],
    )
    question = briefing.questions.get()
    assert [c.text for c in question.choices.all()] == ["a", "b"]


def test_understood_only_after_passing_the_check():
    trainer = UserFactory(roles=["trainer"])
    agent = UserFactory(roles=["agent"])
    briefing = published(author=trainer, agents=[agent], questions=2)
    delivery = delivery_of(briefing, agent)

    services.delivery_open(delivery=delivery, at=NOW)
    services.delivery_acknowledge(delivery=delivery, at=NOW)
    assert (
        delivery.understood_at is None
    )  # acknowledging is not understanding when there is a check

    failed = services.check_submit(delivery=delivery, answers=wrong_answers(briefing), at=NOW)
    assert not failed.passed and failed.score == 0
    assert [m.explanation for m in failed.missed] == [
        "Because: Question 0?",
        "Because: Question 1?",
    ]
    delivery.refresh_from_db()
    assert delivery.understood_at is None and delivery.attempts == 1 and delivery.score == 0
    assert briefing.pk in {
        d.briefing_id for d in selectors.briefings_waiting_for(agent=agent, now=NOW)
    }

    passed = services.check_submit(delivery=delivery, answers=right_answers(briefing), at=NOW)
    assert passed.passed and passed.score == 100
    delivery.refresh_from_db()
    assert delivery.understood_at == NOW and delivery.attempts == 2
    assert list(
        BriefingAttempt.objects.filter(delivery=delivery).values_list("passed", flat=True)
    ) == [False, True]
    assert selectors.briefings_waiting_for(agent=agent, now=NOW) == []
    with pytest.raises(Conflict, match="already passed"):
        services.check_submit(delivery=delivery, answers=right_answers(briefing))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(picks=st.lists(st.booleans(), min_size=4, max_size=4), pass_mark=st.integers(1, 100))
def test_understood_iff_the_score_meets_the_pass_mark(picks, pass_mark):
    trainer = UserFactory(roles=["trainer"])
    agent = UserFactory(roles=["agent"])
    briefing = published(
        author=trainer, agents=[agent], questions=4, pass_mark=pass_mark, requires_ack=False
    )
    right, wrong = right_answers(briefing), wrong_answers(briefing)
    answers = {
        qid: (right[qid] if pick else wrong[qid]) for qid, pick in zip(right, picks, strict=True)
    }

    result = services.check_submit(delivery=delivery_of(briefing, agent), answers=answers, at=NOW)

    delivery = delivery_of(briefing, agent)
    assert result.score == 25 * sum(picks)
    assert result.passed == (result.score >= pass_mark)
    assert (delivery.understood_at is not None) == result.passed
    assert len(result.missed) == 4 - sum(picks)


def test_without_a_check_acknowledging_is_understanding_and_without_either_opening_is():
    trainer = UserFactory(roles=["trainer"])
    agent = UserFactory(roles=["agent"])
    ack = published(author=trainer, agents=[agent], requires_ack=True)
    info = published(author=trainer, agents=[agent], requires_ack=False)

    first = delivery_of(ack, agent)
    services.delivery_open(delivery=first, at=NOW)
    assert first.understood_at is None
    services.delivery_acknowledge(delivery=first, at=NOW)
    assert first.understood_at == NOW and first.acknowledged_at == NOW

    second = delivery_of(info, agent)
    services.delivery_open(delivery=second, at=NOW)
    assert delivery_of(info, agent).understood_at == NOW
    with pytest.raises(Conflict, match="does not ask"):
        services.delivery_acknowledge(delivery=second)


def test_passing_also_acknowledges():
    trainer = UserFactory(roles=["trainer"])
    agent = UserFactory(roles=["agent"])
    briefing = published(author=trainer, agents=[agent], questions=1, requires_ack=True)
    delivery = delivery_of(briefing, agent)
    services.check_submit(delivery=delivery, answers=right_answers(briefing), at=NOW)
    delivery.refresh_from_db()
    assert delivery.acknowledged_at == NOW and delivery.opened_at == NOW


def test_unknown_questions_and_junk_answers_are_ignored():
    trainer = UserFactory(roles=["trainer"])
    agent = UserFactory(roles=["agent"])
    briefing = published(author=trainer, agents=[agent], questions=1)
    result = services.check_submit(
        delivery=delivery_of(briefing, agent), answers=cast(dict, {999999: [1], "x": ["y"]}), at=NOW
    )
    assert result.score == 0 and result.total == 1


def test_waiting_for_lists_mandatory_ones_overdue_first():
    trainer = UserFactory(roles=["trainer"])
    agent = UserFactory(roles=["agent"])
    at = NOW - datetime.timedelta(days=5)
    later = published(
        author=trainer, agents=[agent], at=at, due_at=NOW + datetime.timedelta(days=2)
    )
    overdue = published(
        author=trainer, agents=[agent], at=at, due_at=NOW - datetime.timedelta(days=1)
    )
    soon = published(
        author=trainer,
        agents=[agent],
        at=at,
        due_at=NOW + datetime.timedelta(hours=2),
        questions=1,
        requires_ack=False,
    )
    published(
        author=trainer, agents=[agent], at=at, requires_ack=False
    )  # nothing asked: not mandatory
    archived = published(author=trainer, agents=[agent], at=at)
    services.briefing_archive(by=trainer, briefing=archived)

    waiting = selectors.briefings_waiting_for(agent=agent, now=NOW)

    assert [d.briefing_id for d in waiting] == [overdue.pk, soon.pk, later.pk]
    assert selectors.delivery_for(user=agent, briefing_id=later.pk).agent == agent


def test_reminders_a_day_before_then_daily_while_overdue_and_escalated_once():
    lead = UserFactory(roles=["supervisor"], email="lead@example.com")
    team = TeamFactory(supervisor=lead)
    agent = UserFactory(roles=["agent"], team=team, email="a@example.com")
    done = UserFactory(roles=["agent"], team=team)
    due = NOW + datetime.timedelta(days=2)
    briefing = published(author=lead, agents=[agent, done], at=NOW, due_at=due)
    services.delivery_acknowledge(delivery=delivery_of(briefing, done), at=NOW)

    assert services.reminders_send(now=NOW)["reminded"] == 0  # two days out: too early
    assert services.reminders_send(now=due - datetime.timedelta(hours=20))["reminded"] == 1
    assert services.reminders_send(now=due - datetime.timedelta(hours=10))["reminded"] == 0
    assert mail.outbox[-1].to == ["a@example.com"] and "Due soon" in mail.outbox[-1].subject

    overdue = services.reminders_send(now=due + datetime.timedelta(hours=1))
    assert overdue == {"reminded": 1, "escalated": 1, "supervisors_told": 1}
    assert services.reminders_send(now=due + datetime.timedelta(hours=2))["reminded"] == 0
    assert services.reminders_send(now=due + datetime.timedelta(hours=26))["escalated"] == 0
    for day in range(2, 10):
        services.reminders_send(now=due + datetime.timedelta(days=day, hours=2))
    row = delivery_of(briefing, agent)
    assert row.reminders_sent == services.REMINDERS_MAX
    assert row.escalated_at == due + datetime.timedelta(hours=1)
    assert delivery_of(briefing, done).reminders_sent == 0
    assert [d.agent for d in selectors.overdue_raised_to(user=lead)] == [agent]


def test_attachments_checked_for_size_and_content():
    trainer = UserFactory(roles=["trainer"])
    briefing = BriefingFactory(author=trainer)
    saved = services.attachment_add(by=trainer, briefing=briefing, upload=png_upload())
    assert saved.is_image and saved.size > 0

    fake = SimpleUploadedFile("x.png", b"<script>alert(1)</script>", content_type="image/png")
    with pytest.raises(ValidationFailed, match="not a readable image"):
        services.attachment_add(by=trainer, briefing=briefing, upload=fake)
    html = SimpleUploadedFile("x.html", b"<html>", content_type="text/html")
    with pytest.raises(ValidationFailed, match="Attach an image"):
        services.attachment_add(by=trainer, briefing=briefing, upload=html)
    big = SimpleUploadedFile(
        "big.pdf", b"%PDF-" + b"0" * services.ATTACHMENT_MAX_BYTES, content_type="application/pdf"
    )
    with pytest.raises(ValidationFailed, match="10 MB"):
        services.attachment_add(by=trainer, briefing=briefing, upload=big)
    not_pdf = SimpleUploadedFile("x.pdf", b"MZ....", content_type="application/pdf")
    with pytest.raises(ValidationFailed, match="does not match"):
        services.attachment_add(by=trainer, briefing=briefing, upload=not_pdf)
    assert briefing.attachments.count() == 1


def test_archived_briefings_close_the_check():
    trainer = UserFactory(roles=["trainer"])
    agent = UserFactory(roles=["agent"])
    briefing = published(author=trainer, agents=[agent], questions=1)
    services.briefing_archive(by=trainer, briefing=briefing)
    with pytest.raises(Conflict, match="archived"):
        services.check_submit(
            delivery=delivery_of(briefing, agent), answers=right_answers(briefing)
        )
    assert not BriefingDelivery.objects.filter(understood_at__isnull=False).exists()


def test_add_question_helper_marks_correct():
    briefing = cast(Briefing, BriefingFactory())
    question = add_question(briefing, correct=(0, 2))
    assert [c.is_correct for c in question.choices.all()] == [True, False, True]
    assert timezone.is_aware(briefing.due_at)
