"""Poll pages: authoring with a mockup, answering over htmx once, results and the CSV export."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.briefings.choices import PollStatus
from rapport.briefings.models import Poll, PollResponse
from rapport.briefings.services import polls as services
from rapport.briefings.tests.factories_polls import PollFactory, answers_for, open_poll
from rapport.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _png(size=(4, 4)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, format="PNG")
    return buffer.getvalue()


def _poll_post(**overrides):
    data = {
        "title": "Shorter wrap-up",
        "description": "We plan **fewer** wrap-up codes.",
        "enhancement_request": "ENH-142",
        "audience_roles": ["agent"],
    }
    data.update(overrides)
    return data


def test_trainer_creates_a_draft_with_a_mockup(client_for):
    client, trainer = client_for("trainer")
    mockup = SimpleUploadedFile("m.png", _png(), content_type="image/png")
    response = client.post(reverse("briefings:poll_create"), _poll_post(mockup=mockup))
    poll = Poll.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("briefings:poll_edit", args=[poll.pk])
    assert poll.mockup and poll.author == trainer and poll.enhancement_request == "ENH-142"
    image = client.get(reverse("briefings:poll_mockup", args=[poll.pk]))
    assert image.status_code == 200 and b"".join(image.streaming_content) == _png()


def test_a_file_that_is_not_an_image_is_refused(client_for):
    client, _ = client_for("trainer")
    fake = SimpleUploadedFile("m.png", b"<?php echo 1; ?>", content_type="image/png")
    response = client.post(reverse("briefings:poll_create"), _poll_post(mockup=fake))
    assert response.status_code == 400
    assert "mockup" in response.context["form"].errors
    assert not Poll.objects.exists()


def test_a_mockup_over_5_mb_is_refused(client_for, monkeypatch):
    monkeypatch.setattr("rapport.briefings.poll_forms.MOCKUP_MAX_BYTES", 10)
    client, _ = client_for("trainer")
    big = SimpleUploadedFile("m.png", _png(), content_type="image/png")
    response = client.post(reverse("briefings:poll_create"), _poll_post(mockup=big))
    assert response.status_code == 400 and "5 MB" in str(response.context["form"].errors)


def test_a_bad_request_key_is_shown_on_its_field(client_for):
    client, _ = client_for("trainer")
    response = client.post(reverse("briefings:poll_create"), _poll_post(enhancement_request="x"))
    assert response.status_code == 400
    assert "enhancement_request" in response.context["form"].errors


def test_question_editor_and_open(client_for):
    client, _ = client_for("trainer")
    UserFactory(roles=["agent"])
    poll = PollFactory()
    opened = client.post(reverse("briefings:poll_open", args=[poll.pk]), follow=True)
    assert "Add at least one question" in opened.content.decode()
    added = client.post(
        reverse("briefings:poll_question_add", args=[poll.pk]),
        {"kind": "choice", "text": "Which layout?", "options": "Left\nRight", "required": "on"},
    )
    assert added.status_code == 302
    assert poll.questions.get().options == ["Left", "Right"]
    bad = client.post(
        reverse("briefings:poll_question_add", args=[poll.pk]),
        {"kind": "choice", "text": "Only one?", "options": "Left"},
    )
    assert bad.status_code == 400 and "options" in bad.context["question_form"].errors
    client.post(reverse("briefings:poll_open", args=[poll.pk]))
    poll.refresh_from_db()
    assert poll.status == PollStatus.OPEN
    page = client.get(reverse("briefings:poll_edit", args=[poll.pk]))
    assert "Add a question" not in page.content.decode()


def test_authoring_pages_are_for_trainers_and_admins(client_for):
    poll = PollFactory()
    client, _ = client_for("supervisor")
    assert client.get(reverse("briefings:poll_manage")).status_code == 403
    assert client.get(reverse("briefings:poll_edit", args=[poll.pk])).status_code == 403


def test_manage_list_searches_and_counts_queries(client_for, django_assert_max_num_queries):
    client, _ = client_for("admin")
    for n in range(6):
        PollFactory(title=f"Layout {n}", enhancement_request=f"ENH-{n}")
    PollFactory(title="Something else")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("briefings:poll_manage"), {"q": "layout"})
    assert len(response.context["page"].object_list) == 6
    garbage = client.get(reverse("briefings:poll_manage"), {"status": "nope", "page": "x"})
    assert garbage.status_code == 200


def test_agent_answers_over_htmx_once(client_for):
    client, agent = client_for("agent")
    poll = open_poll()
    url = reverse("briefings:poll_answer", args=[poll.pk])
    page = client.get(url)
    body = page.content.decode()
    assert "3 questions" in body and 'type="radio"' in body
    data = {**answers_for(poll, text="Nice"), "started_at": "garbage", "card_target": "idle-card"}
    first = client.post(url, data, HTTP_HX_REQUEST="true")
    assert first.status_code == 200
    assert 'id="idle-card"' in first.content.decode()
    assert "Thank you" in first.content.decode()
    second = client.post(url, data, HTTP_HX_REQUEST="true")
    assert "already answered" in second.content.decode()
    assert PollResponse.objects.filter(poll=poll, respondent=agent).count() == 1
    assert PollResponse.objects.get().seconds_taken is None


def test_a_missing_required_answer_is_shown_on_the_card(client_for):
    client, _ = client_for("agent")
    poll = open_poll()
    response = client.post(
        reverse("briefings:poll_answer", args=[poll.pk]),
        {"card_target": "x"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    assert not PollResponse.objects.exists()


def test_card_target_is_kept_to_safe_characters(client_for):
    client, _ = client_for("agent")
    poll = open_poll()
    response = client.get(
        reverse("briefings:poll_answer", args=[poll.pk]),
        {"card_target": '"><script>x</script>'},
        HTTP_HX_REQUEST="true",
    )
    assert "<script>x" not in response.content.decode()


def test_polls_outside_my_audience_are_not_found(client_for):
    client, _ = client_for("agent")
    other = open_poll(roles=["marketer"])
    assert client.get(reverse("briefings:poll_answer", args=[other.pk])).status_code == 404
    assert client.get(reverse("briefings:poll_mockup", args=[other.pk])).status_code == 404


def test_my_polls_page_lists_waiting_and_answered(client_for):
    client, agent = client_for("agent")
    waiting, done = open_poll(title="Waiting one"), open_poll(title="Done one")
    services.poll_answer(poll=done, respondent=agent, data=answers_for(done))
    body = client.get(reverse("briefings:polls")).content.decode()
    assert "Waiting one" in body and "Done one" in body
    assert body.index("Waiting one") < body.index("Done one")
    assert waiting.pk


def _answered_poll(count=3):
    team = TeamFactory(name="Care")
    poll = open_poll()
    for _ in range(count):
        person = UserFactory(roles=["agent"], team=team)
        services.poll_answer(poll=poll, respondent=person, data=answers_for(poll, text="Fine"))
    return poll


def test_results_page_shows_charts_and_tables(client_for):
    client, _ = client_for("executive")
    poll = _answered_poll()
    response = client.get(reverse("briefings:poll_results", args=[poll.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "poll-charts" in body and "data-poll-chart" in body and "<table" in body
    assert "Care" in body


def test_results_are_not_for_agents(client_for):
    client, _ = client_for("agent")
    poll = _answered_poll()
    assert client.get(reverse("briefings:poll_results", args=[poll.pk])).status_code == 403
    assert client.get(reverse("briefings:poll_export", args=[poll.pk])).status_code == 403


def test_export_streams_csv_without_names_and_is_audited(client_for):
    client, trainer = client_for("trainer")
    poll = _answered_poll()
    response = client.get(reverse("briefings:poll_export", args=[poll.pk]))
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    lines = text.strip().splitlines()
    assert lines[0].startswith("poll,response,team,role,question")
    assert len(lines) == 1 + 9
    for person in PollResponse.objects.values_list("respondent__username", flat=True):
        assert person not in text
    assert AuditEvent.objects.filter(
        action="poll.results_exported", actor=trainer, target_id=str(poll.pk)
    ).exists()
