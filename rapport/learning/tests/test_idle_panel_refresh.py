"""The panel's asks while an activity is shown, "Time's up", a review question no longer waiting,
answer times measured from the server's clock, and where the panel sits on the desktop."""

import datetime
import re

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from rapport.access.choices import Channel
from rapport.access.tests.factories import QueueFactory
from rapport.accounts.choices import AgentState
from rapport.accounts.tests.factories import TeamFactory
from rapport.cases.tests.factories import CaseFactory
from rapport.interactions.choices import Direction
from rapport.interactions.models import Interaction
from rapport.learning.choices import ActivityStatus
from rapport.learning.models import Activity, ReviewLog
from rapport.learning.services import activities as activity_services
from rapport.learning.tests.factories_reviews import agent_in, call_offered, reviews_for, set_state
from rapport.learning.views import activities as views

pytestmark = pytest.mark.django_db
PANEL = "/learning/idle/"
SECOND = datetime.timedelta(seconds=1)


def logged_in(client, agent):
    client.force_login(agent)
    return client


def due_reviews(agent, n=2):
    return reviews_for(agent, n=n, at=timezone.now() - datetime.timedelta(days=3))


def right_choice(item) -> int:
    return next(c.pk for c in item.question.choices.all() if c.is_correct)


# --- Busy: the panel hides and the activity waits ------------------------------------------------


def test_a_contact_waiting_in_the_queue_marks_the_answer_busy_and_pauses_the_activity(client):
    team = TeamFactory()
    agent = agent_in(AgentState.AVAILABLE, team=team)
    due_reviews(agent)
    c = logged_in(client, agent)
    shown = c.get(PANEL, HTTP_HX_REQUEST="true").content.decode()
    activity = Activity.objects.get(agent=agent)
    assert f'data-activity="{activity.pk}"' in shown and "data-idle-busy" not in shown

    Interaction.objects.create(
        queue=QueueFactory(team=team),
        channel=Channel.PHONE,
        direction=Direction.INBOUND,
        started_at=timezone.now() - SECOND,
    )
    busy = c.get(f"{PANEL}?shown={activity.pk}", HTTP_HX_REQUEST="true").content.decode()
    assert "data-idle-busy" in busy and "data-activity" not in busy
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.PAUSED


@pytest.mark.parametrize("state", [AgentState.IDLE, AgentState.WRAP_UP])
def test_a_call_ringing_in_idle_or_wrap_up_marks_the_answer_busy(client, state):
    agent = agent_in(state)
    due_reviews(agent)
    call_offered(agent, started_at=timezone.now())
    html = logged_in(client, agent).get(PANEL, HTTP_HX_REQUEST="true").content.decode()
    assert "data-idle-busy" in html
    assert not Activity.objects.exists()


def test_free_with_nothing_waiting_is_not_busy(client):
    html = logged_in(client, agent_in(AgentState.IDLE)).get(PANEL).content.decode()
    assert "Nothing waiting" in html and "data-idle-busy" not in html


# --- While an activity is shown nothing new starts ------------------------------------------------


def test_asking_with_an_activity_shown_keeps_it_and_starts_nothing_new(client):
    agent = agent_in(AgentState.IDLE)
    due_reviews(agent)
    c = logged_in(client, agent)
    assert "Nothing waiting" in c.get(f"{PANEL}?shown=1").content.decode()
    assert not Activity.objects.exists()

    c.get(PANEL)
    activity = Activity.objects.get(agent=agent)
    again = c.get(f"{PANEL}?shown={activity.pk}").content.decode()
    assert f'data-activity="{activity.pk}"' in again

    # Its time runs out while the agent finishes it: it ends, and nothing starts unseen.
    Activity.objects.filter(pk=activity.pk).update(seconds_used=activity.seconds_allowed)
    over = c.get(f"{PANEL}?shown={activity.pk}").content.decode()
    assert "Nothing waiting" in over and "data-idle-busy" not in over
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.TIMED_OUT
    assert Activity.objects.filter(agent=agent).count() == 1


# --- Time's up ------------------------------------------------------------------------------------


def test_the_panel_offers_finish_and_later_for_when_time_is_up(client):
    agent = agent_in(AgentState.IDLE)
    due_reviews(agent)
    html = logged_in(client, agent).get(PANEL, HTTP_HX_REQUEST="true").content.decode()
    activity = Activity.objects.get(agent=agent)
    notice = re.search(r"<div[^>]*data-idle-timeup[^>]*>.*?</div>", html, re.S)
    assert notice is not None
    assert " hidden" in notice.group(0).split(">")[0]
    assert "Time&#x27;s up." in notice.group(0) or "Time's up." in notice.group(0)
    assert "data-idle-finish" in notice.group(0) and ">Finish<" in notice.group(0)
    skip = reverse("learning:idle_skip", args=[activity.pk])
    assert f'hx-post="{skip}"' in notice.group(0) and ">Later<" in notice.group(0)


def test_the_question_on_screen_when_time_ran_out_is_still_answered(client):
    agent = agent_in(AgentState.IDLE)
    (item,) = due_reviews(agent, n=1)
    c = logged_in(client, agent)
    card = c.get(PANEL).content.decode()
    shown = re.search(r'name="shown" value="([^"]+)"', card).group(1)
    activity = Activity.objects.get(agent=agent)
    Activity.objects.filter(pk=activity.pk).update(seconds_used=activity.seconds_allowed)
    c.get(f"{PANEL}?shown={activity.pk}")  # the panel's periodic ask: the box is over

    result = c.post(
        reverse("learning:idle_review", args=[item.pk]),
        {f"q{item.question_id}": right_choice(item), "shown": shown},
        HTTP_HX_REQUEST="true",
    )
    assert result.status_code == 200
    assert 'data-testid="review-result"' in result.content.decode()
    assert ReviewLog.objects.filter(item=item).count() == 1


# --- A question no longer waiting ----------------------------------------------------------------


def test_a_question_no_longer_waiting_answers_htmx_with_a_way_on(client):
    owner = agent_in(AgentState.IDLE)
    (theirs,) = due_reviews(owner, n=1)
    c = logged_in(client, agent_in(AgentState.IDLE))
    for url in (
        reverse("learning:idle_review", args=[theirs.pk]),
        reverse("learning:idle_review", args=[99999999]),
        "/learning/idle/reviews/99999999999999999999/",
    ):
        response = c.post(url, {}, HTTP_HX_REQUEST="true")
        html = response.content.decode()
        assert response.status_code == 200, url
        assert "This question is no longer waiting" in html
        assert html.count('id="idle-card"') == 1 and 'data-testid="review-gone"' in html
        assert f'hx-get="{reverse("learning:idle_panel")}"' in html and ">Next<" in html
        assert c.post(url, {}).status_code == 404  # without htmx: not found
    assert not ReviewLog.objects.exists()


# --- Answer times from the server's clock ----------------------------------------------------------


def _shown(item, at: datetime.datetime) -> str:
    return signing.dumps({"item": item.pk, "at": int(at.timestamp())}, salt=views.SHOWN_SALT)


def test_the_card_carries_a_signed_shown_time(client):
    agent = agent_in(AgentState.IDLE)
    (item,) = due_reviews(agent, n=1)
    before = int(timezone.now().timestamp())
    card = logged_in(client, agent).get(PANEL).content.decode()
    token = re.search(r'name="shown" value="([^"]+)"', card).group(1)
    data = signing.loads(token, salt=views.SHOWN_SALT)
    assert data["item"] == item.pk and before <= data["at"] <= before + 2


def test_a_call_between_showing_and_answering_does_not_count(client):
    agent = agent_in(AgentState.IDLE)
    (item,) = due_reviews(agent, n=1)
    start = timezone.now() - 400 * SECOND
    activity = activity_services.next_activity(agent=agent, now=start)
    set_state(agent, AgentState.ON_CONTACT)
    activity_services.next_activity(agent=agent, now=start + 10 * SECOND)
    set_state(agent, AgentState.IDLE)
    activity_services.next_activity(agent=agent, now=timezone.now() - 5 * SECOND)
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.ACTIVE

    logged_in(client, agent).post(
        reverse("learning:idle_review", args=[item.pk]),
        {f"q{item.question_id}": right_choice(item), "shown": _shown(item, start)},
    )
    taken = ReviewLog.objects.get(item=item).seconds_taken
    assert taken is not None and 5 <= taken <= 7  # since the resume, not 400 s since shown


@pytest.mark.parametrize("forged", ["plain", "other_item", "tampered"])
def test_a_shown_time_the_server_did_not_sign_is_ignored(client, forged):
    agent = agent_in(AgentState.IDLE)
    first, second = due_reviews(agent, n=2)
    c = logged_in(client, agent)
    c.get(PANEL)
    started = timezone.now() - 100 * SECOND
    Activity.objects.filter(agent=agent).update(started_at=started, resumed_at=started)
    just_now = timezone.now() - SECOND
    shown = {
        "plain": str(int(just_now.timestamp())),  # what the page used to send
        "other_item": _shown(second, just_now),
        "tampered": _shown(first, just_now)[:-2] + "xx",
    }[forged]
    c.post(
        reverse("learning:idle_review", args=[first.pk]),
        {f"q{first.question_id}": right_choice(first), "shown": shown},
    )
    taken = ReviewLog.objects.get(item=first).seconds_taken
    assert taken is not None and taken >= 99


# --- Where the panel sits -----------------------------------------------------------------------------


def test_the_panel_sits_in_the_main_column_under_the_current_contact(client):
    team = TeamFactory()
    agent = agent_in(AgentState.AVAILABLE, team=team)
    queue = QueueFactory(team=team)
    CaseFactory.create_batch(20, queue=queue, assignee=agent)
    html = logged_in(client, agent).get(reverse("workspace:desktop")).content.decode()
    main, side = html.index('class="col-xl-8"'), html.index('class="col-xl-4"')
    current, idle = html.index('id="current-contact"'), html.index('id="idle"')
    assert main < current < idle < side < html.index('id="queue"')
    assert 'data-testid="idle"' in html and 'id="idle-panel"' in html and 'id="idle-paused"' in html
