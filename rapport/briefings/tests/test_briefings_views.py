"""Briefing pages: readers see only their own, the check fails then passes in the card (also
over htmx for the idle panel), authors write and publish, figures stay within a supervisor's
teams, attachments are served only to those who may read them."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.briefings.choices import BriefingStatus
from rapport.briefings.models import Briefing
from rapport.briefings.services import briefings as services
from rapport.briefings.tests.factories_briefings import (
    BriefingFactory,
    delivery_of,
    png_upload,
    published,
    right_answers,
    wrong_answers,
)
from rapport.performance.choices import Answer
from rapport.performance.tests.factories_qa import evaluation, form_with

pytestmark = pytest.mark.django_db


def _post_answers(client, briefing, answers, **extra):
    data = {f"q{qid}": choices for qid, choices in answers.items()}
    return client.post(reverse("briefings:check", args=[briefing.pk]), data, **extra)


def test_reader_fails_then_passes_and_it_counts_only_then(client):
    trainer = UserFactory(roles=["trainer"])
    agent = UserFactory(roles=["agent"])
    briefing = published(author=trainer, agents=[agent], questions=2)
    client.force_login(agent)

    page = client.get(reverse("briefings:mine"))
    assert briefing.title in page.content.decode()
    read = client.get(reverse("briefings:read", args=[briefing.pk]))
    assert read.status_code == 200 and 'name="q' in read.content.decode()
    assert delivery_of(briefing, agent).opened_at is not None

    failed = _post_answers(client, briefing, wrong_answers(briefing))
    body = failed.content.decode()
    assert 'data-testid="check-failed"' in body and "Because: Question 0?" in body
    assert delivery_of(briefing, agent).understood_at is None

    passed = _post_answers(client, briefing, right_answers(briefing))
    assert 'data-testid="check-passed"' in passed.content.decode()
    assert delivery_of(briefing, agent).understood_at is not None


def test_htmx_answers_with_the_card_for_the_target_it_was_sent(client):
    trainer = UserFactory(roles=["trainer"])
    agent = UserFactory(roles=["agent"])
    briefing = published(author=trainer, agents=[agent], questions=0)
    client.force_login(agent)
    response = client.post(
        reverse("briefings:acknowledge", args=[briefing.pk]),
        {"card_target": "idle-item"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith("<article") and 'id="idle-item"' in body
    assert 'data-testid="understood"' in body
    assert "<html" not in body


def test_someone_elses_briefing_is_not_found(client):
    trainer = UserFactory(roles=["trainer"])
    briefing = published(author=trainer, agents=[UserFactory(roles=["agent"])], questions=1)
    client.force_login(UserFactory(roles=["agent"]))
    assert client.get(reverse("briefings:read", args=[briefing.pk])).status_code == 404
    assert client.post(reverse("briefings:acknowledge", args=[briefing.pk])).status_code == 404
    assert client.get(reverse("briefings:read", args=[2**63])).status_code == 404
    draft = BriefingFactory()
    assert client.get(reverse("briefings:read", args=[draft.pk])).status_code == 404


def test_attachments_served_to_readers_only(client):
    trainer = UserFactory(roles=["trainer"])
    agent = UserFactory(roles=["agent"])
    briefing = BriefingFactory(author=trainer)
    briefing.audience_agents.set([agent])
    file = services.attachment_add(by=trainer, briefing=briefing, upload=png_upload())
    url = reverse("briefings:attachment", args=[file.pk])
    client.force_login(agent)
    assert client.get(url).status_code == 404  # still a draft
    services.briefing_publish(by=trainer, briefing=briefing)
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    client.force_login(UserFactory(roles=["agent"]))
    assert client.get(url).status_code == 404


def test_agents_may_not_author(client):
    client.force_login(UserFactory(roles=["agent"]))
    for name in ("briefings:manage", "briefings:create", "briefings:dashboard"):
        assert client.get(reverse(name)).status_code == 403


def test_trainer_writes_adds_a_question_and_publishes(client):
    trainer = UserFactory(roles=["trainer"])
    team = TeamFactory()
    agent = UserFactory(roles=["agent"], team=team)
    client.force_login(trainer)
    due = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    created = client.post(
        reverse("briefings:create"),
        {
            "title": "Refunds",
            "body": "**New**",
            "due_at": due,
            "pass_mark": 80,
            "requires_ack": "on",
            "teams": [team.pk],
        },
    )
    briefing = Briefing.objects.get(title="Refunds")
    assert created.status_code == 302 and briefing.author == trainer
    refused = client.post(
        reverse("briefings:question_add", args=[briefing.pk]),
        {"text": "Which?", "choice_0": "A", "choice_1": "B"},
    )
    assert refused.status_code == 400 and "Mark at least one choice" in refused.content.decode()
    client.post(
        reverse("briefings:question_add", args=[briefing.pk]),
        {
            "text": "Which?",
            "explanation": "A it is",
            "choice_0": "A",
            "correct_0": "on",
            "choice_1": "B",
        },
    )
    assert briefing.questions.count() == 1
    client.post(reverse("briefings:publish", args=[briefing.pk]))
    briefing.refresh_from_db()
    assert briefing.status == BriefingStatus.PUBLISHED
    assert delivery_of(briefing, agent).team == team
    page = client.get(reverse("briefings:edit", args=[briefing.pk]))
    assert "can no longer change" in page.content.decode()
    preview = client.post(reverse("briefings:preview"), {"body": "<script>x</script>**b**"})
    assert (
        "<strong>b</strong>" in preview.content.decode()
        and "<script>" not in preview.content.decode()
    )


def test_bad_input_is_a_form_error_not_a_500(client):
    client.force_login(UserFactory(roles=["trainer"]))
    response = client.post(
        reverse("briefings:create"), {"title": "", "due_at": "yesterday", "pass_mark": "10**9"}
    )
    assert response.status_code == 400
    assert not Briefing.objects.exists()


def test_supervisor_sees_only_their_teams_figures_and_raised_overdue(client):
    lead = UserFactory(roles=["supervisor"])
    mine = TeamFactory(supervisor=lead, name="Mine")
    theirs = TeamFactory(name="Theirs")
    trainer = UserFactory(roles=["trainer"])
    ours = UserFactory(roles=["agent"], team=mine, first_name="Ours", last_name="Agent")
    other = UserFactory(roles=["agent"], team=theirs, first_name="Other", last_name="Person")
    at = timezone.now() - datetime.timedelta(days=3)
    briefing = published(
        author=trainer, agents=[ours, other], at=at, due_at=at + datetime.timedelta(days=1)
    )
    services.reminders_send(now=timezone.now())
    client.force_login(lead)

    page = client.get(reverse("briefings:dashboard")).content.decode()
    assert 'data-testid="raised"' in page and "Ours Agent" in page
    assert "Other Person" not in page and "Theirs" not in page
    report = client.get(reverse("briefings:report", args=[briefing.pk])).content.decode()
    assert "0 of 1" in report and "Other Person" not in report
    assert client.get(reverse("briefings:edit", args=[briefing.pk])).status_code == 404
    assert client.get(reverse("briefings:manage")).content.decode().count(briefing.title) == 0


def test_report_shows_adoption_of_the_named_criterion(client):
    trainer = UserFactory(roles=["trainer"])
    agent = UserFactory(roles=["agent"])
    form = form_with(10, 10)
    criterion = form.criteria.order_by("order").first()
    published_at = timezone.now() - datetime.timedelta(days=10)
    briefing = published(
        author=trainer,
        agents=[agent],
        at=published_at,
        qa_criterion=criterion,
        due_at=published_at + datetime.timedelta(days=2),
    )
    for days, answer in [
        (-5, Answer.NOT_MET),
        (-4, Answer.NOT_MET),
        (3, Answer.MET),
        (4, Answer.MET),
        (5, Answer.NOT_MET),
    ]:
        evaluation(
            agent=agent,
            evaluator=trainer,
            form=form,
            submitted_at=published_at + datetime.timedelta(days=days),
            answers={0: answer},
        )
    client.force_login(trainer)
    page = client.get(reverse("briefings:report", args=[briefing.pk])).content.decode()
    assert 'data-testid="adoption"' in page
    assert "0 of 2" in page and "2 of 3" in page and "Not enough evaluations" in page


def test_manage_list_query_count(client, django_assert_max_num_queries):
    trainer = UserFactory(roles=["trainer"])
    agents = [UserFactory(roles=["agent"]) for _ in range(2)]
    for _ in range(6):
        published(author=trainer, agents=agents)
    client.force_login(trainer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("briefings:manage"), {"status": "published"})
    assert (
        response.content.decode().count("2 of 2") == 0
        and response.content.decode().count("0 of 2") == 6
    )
