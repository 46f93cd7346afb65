"""The desktop's "Between contacts" panel, the review card, and "My review questions"."""

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.accounts.choices import AgentState
from rapport.learning.choices import ActivityStatus, AssignmentStatus
from rapport.learning.models import Activity, ReviewItem, ReviewLog
from rapport.learning.tests.factories_idle import answer
from rapport.learning.tests.factories_learning import correct_answers, post_data, wrong_answers
from rapport.learning.tests.factories_reviews import (
    agent_in,
    assignment_for,
    briefing_for,
    call_offered,
    poll_for,
    reviews_for,
    set_state,
)

pytestmark = pytest.mark.django_db
PANEL = "/learning/idle/"


def logged_in(client, agent):
    client.force_login(agent)
    return client


def due_reviews(agent, n=2):
    return reviews_for(agent, n=n, at=timezone.now() - timezone.timedelta(days=3))


def test_the_desktop_has_the_panel_and_its_script(client):
    agent = agent_in(AgentState.AVAILABLE)
    page = logged_in(client, agent).get(reverse("workspace:desktop"))
    html = page.content.decode()
    assert 'id="idle"' in html and "Between contacts" in html and 'aria-live="polite"' in html
    assert reverse("learning:idle_panel") in html and reverse("learning:idle_pause") in html
    assert "learning/idle.js" in html


def test_nothing_waiting_shows_what_comes_here(client):
    response = logged_in(client, agent_in(AgentState.IDLE)).get(PANEL, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Nothing waiting" in response.content.decode()


def test_on_a_contact_the_panel_is_empty_and_nothing_starts(client):
    agent = agent_in(AgentState.AVAILABLE)
    due_reviews(agent)
    call_offered(agent, started_at=timezone.now())
    response = logged_in(client, agent).get(PANEL)
    assert "Nothing waiting" in response.content.decode()
    assert not Activity.objects.exists()


def test_a_review_burst_wrong_then_right(client):
    agent = agent_in(AgentState.IDLE)
    first, second = due_reviews(agent)
    c = logged_in(client, agent)

    panel = c.get(PANEL).content.decode()
    assert 'data-testid="review-card"' in panel and "Question 1 of 2" in panel
    assert first.question.text in panel and "<progress" in panel

    wrong = next(ch.pk for ch in first.question.choices.all() if not ch.is_correct)
    result = c.post(
        reverse("learning:idle_review", args=[first.pk]), {f"q{first.question_id}": [wrong]}
    )
    html = result.content.decode()
    assert 'data-correct="false"' in html and first.question.explanation in html

    panel = c.get(PANEL).content.decode()
    assert "Question 2 of 2" in panel and second.question.text in panel
    right = next(ch.pk for ch in second.question.choices.all() if ch.is_correct)
    result = c.post(
        reverse("learning:idle_review", args=[second.pk]), {f"q{second.question_id}": [right]}
    )
    assert 'data-correct="true"' in result.content.decode()
    assert ReviewLog.objects.filter(item__agent=agent).count() == 2

    c.get(PANEL)
    assert Activity.objects.get(agent=agent).status == ActivityStatus.DONE


def test_an_empty_answer_is_refused_on_the_card(client):
    agent = agent_in(AgentState.IDLE)
    (item,) = due_reviews(agent, n=1)
    c = logged_in(client, agent)
    c.get(PANEL)
    response = c.post(reverse("learning:idle_review", args=[item.pk]), {"shown": "junk"})
    assert response.status_code == 400
    assert "Choose an answer first." in response.content.decode()
    assert not ReviewLog.objects.exists()


def test_someone_elses_review_question_is_not_found(client):
    owner = agent_in(AgentState.IDLE)
    (item,) = due_reviews(owner, n=1)
    c = logged_in(client, agent_in(AgentState.IDLE))
    assert c.post(reverse("learning:idle_review", args=[item.pk]), {}).status_code == 404
    assert c.post("/learning/idle/reviews/99999999999999999999/", {}).status_code == 404


def test_a_briefing_in_the_panel_asks_for_its_acknowledgement_and_check(client):
    agent = agent_in(AgentState.IDLE)
    delivery = briefing_for(agent, due_at=timezone.now() + timezone.timedelta(days=1), check=True)
    c = logged_in(client, agent)
    body = c.get(PANEL, HTTP_HX_REQUEST="true").content.decode()
    check = reverse("briefings:check", args=[delivery.briefing_id])
    assert 'data-testid="check-form"' in body and f'hx-post="{check}"' in body
    assert "I have read this" in body and 'hx-target="#idle-card"' in body
    assert "Who checks refunds over 50?" in body

    wrong = delivery.briefing.questions.get().choices.get(is_correct=False)
    question = f"q{wrong.question_id}"
    failed = c.post(check, {question: wrong.pk, "card_target": "idle-card"}, HTTP_HX_REQUEST="true")
    assert 'data-testid="check-failed"' in failed.content.decode()
    delivery.refresh_from_db()
    assert delivery.understood_at is None


def test_a_poll_in_the_panel_is_its_answer_form(client):
    agent = agent_in(AgentState.IDLE)
    poll = poll_for(agent)
    body = logged_in(client, agent).get(PANEL, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="poll-card"' in body and 'id="idle-card"' in body
    assert poll.questions.get().text in body


def test_skip_shows_what_comes_next_and_pause_stops_the_clock(client):
    agent = agent_in(AgentState.IDLE)
    briefing_for(agent, due_at=timezone.now() - timezone.timedelta(days=1))
    poll_for(agent)
    c = logged_in(client, agent)
    c.get(PANEL)
    first = Activity.objects.get(agent=agent)

    response = c.post(reverse("learning:idle_skip", args=[first.pk]))
    assert response.status_code == 200
    first.refresh_from_db()
    assert first.status == ActivityStatus.SKIPPED
    poll_activity = Activity.objects.get(agent=agent, status=ActivityStatus.ACTIVE)
    assert poll_activity.kind == "poll"

    assert c.post(reverse("learning:idle_pause")).status_code == 204
    poll_activity.refresh_from_db()
    assert poll_activity.status == ActivityStatus.PAUSED


def test_people_without_a_desktop_get_the_forbidden_page(client, make_user):
    trainer = make_user("trainer")
    client.force_login(trainer)
    assert client.get(PANEL).status_code == 403
    assert client.post(reverse("learning:idle_pause")).status_code == 403


def test_anonymous_goes_to_login(client):
    assert client.get(PANEL).status_code == 302


def test_module_card_or_its_stand_in_shows_the_reason(client):
    agent = agent_in(AgentState.IDLE)
    assignment = assignment_for(agent, reason="Your hold time stayed high for four weeks.")
    html = logged_in(client, agent).get(PANEL).content.decode()
    assert assignment.module.title in html


def test_my_reviews_page_shows_figures_chart_and_table(client):
    agent = agent_in(AgentState.IDLE)
    items = due_reviews(agent, n=3)
    answer(items[0], correct=True, at=timezone.now())
    set_state(agent, AgentState.OFFLINE)
    html = logged_in(client, agent).get(reverse("learning:my_reviews")).content.decode()
    assert "Retention, last 90 days" in html and "Not enough answers yet" in html
    assert 'data-review-chart="review-weeks"' in html and "<table" in html
    assert "learning/idle.js" in html
    # Figures only: nothing on the page answers a question.
    assert "<form" not in html.split('data-testid="my-reviews"')[1]


def test_my_reviews_empty_state(client):
    html = logged_in(client, agent_in(AgentState.OFFLINE)).get(reverse("learning:my_reviews"))
    assert "No review questions yet" in html.content.decode()


def test_passing_the_module_card_starts_its_review_items(client):
    agent = agent_in(AgentState.IDLE)
    assignment = assignment_for(agent)
    logged = logged_in(client, agent)
    assert 'data-testid="module-check"' in logged.get(PANEL).content.decode()
    check = reverse("learning:assignment_check", args=[assignment.pk])
    failed = {**post_data(wrong_answers(assignment.module)), "card_target": "idle-card"}
    logged.post(check, failed, HTTP_HX_REQUEST="true")
    assert not ReviewItem.objects.filter(agent=agent).exists()

    passed = {**post_data(correct_answers(assignment.module)), "card_target": "idle-card"}
    logged.post(check, passed, HTTP_HX_REQUEST="true")

    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.COMPLETED
    assert (
        ReviewItem.objects.filter(agent=agent).count() == assignment.module.questions.count() == 2
    )


# --- One #idle-card per panel, whatever the card -----------------------------------------------------


@pytest.mark.parametrize("kind", ["briefing", "poll", "module", "review"])
def test_the_panel_holds_exactly_one_idle_card_in_its_slot(client, kind):
    agent = agent_in(AgentState.IDLE)
    {
        "briefing": lambda: briefing_for(agent, due_at=timezone.now() - timezone.timedelta(days=1)),
        "poll": lambda: poll_for(agent),
        "module": lambda: assignment_for(agent),
        "review": lambda: due_reviews(agent, n=1),
    }[kind]()
    html = logged_in(client, agent).get(PANEL, HTTP_HX_REQUEST="true").content.decode()
    assert f'data-kind="{kind}"' in html
    assert html.count('id="idle-card"') == 1
    assert html.count('id="idle-card-slot"') == 1
    assert 'hx-target="#idle-card"' in html


def test_a_review_answer_replaces_the_card_with_the_result_in_the_same_place(client):
    agent = agent_in(AgentState.IDLE)
    (item,) = due_reviews(agent, n=1)
    c = logged_in(client, agent)
    card = c.get(PANEL).content.decode()
    assert 'hx-target="#idle-card" hx-swap="outerHTML"' in card
    right = next(ch.pk for ch in item.question.choices.all() if ch.is_correct)
    result = c.post(
        reverse("learning:idle_review", args=[item.pk]), {f"q{item.question_id}": right}
    )
    html = result.content.decode()
    assert html.count('id="idle-card"') == 1 and 'data-testid="review-result"' in html


def test_a_review_answer_twice_from_the_panel_is_recorded_once(client):
    agent = agent_in(AgentState.IDLE)
    (item,) = due_reviews(agent, n=1)
    c = logged_in(client, agent)
    c.get(PANEL)
    url = reverse("learning:idle_review", args=[item.pk])
    wrong = next(ch.pk for ch in item.question.choices.all() if not ch.is_correct)
    right = next(ch.pk for ch in item.question.choices.all() if ch.is_correct)
    first = c.post(url, {f"q{item.question_id}": wrong})
    second = c.post(url, {f"q{item.question_id}": right})
    assert first.status_code == second.status_code == 200
    assert 'data-correct="false"' in second.content.decode()
    assert ReviewLog.objects.filter(item=item).count() == 1


def test_a_review_answer_during_a_contact_is_refused_without_a_form(client):
    agent = agent_in(AgentState.IDLE)
    (item,) = due_reviews(agent, n=1)
    c = logged_in(client, agent)
    c.get(PANEL)
    set_state(agent, AgentState.ON_CONTACT)
    right = next(ch.pk for ch in item.question.choices.all() if ch.is_correct)
    response = c.post(
        reverse("learning:idle_review", args=[item.pk]), {f"q{item.question_id}": right}
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert 'data-testid="review-refused"' in html and "<form" not in html
    assert 'id="idle-card"' in html and reverse("learning:idle_panel") in html
    assert not ReviewLog.objects.exists()
