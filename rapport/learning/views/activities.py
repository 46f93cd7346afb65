"""The desktop's "Between contacts" panel and the agent's own review figures.

The panel asks `idle/` whenever the agent is free, and every little while after
(rapport/learning/static/learning/idle.js): the answer is the activity idle time brings now, with
its time box, or an empty state, marked data-idle-busy when a contact needs the agent (the
activity under way is paused then). While the panel shows an activity it asks `idle/?shown=<id>`:
that one is kept, resumed or paused as usual, but nothing new starts (its clock would run while
the agent finishes the one on screen). Briefings, polls and modules are shown with their own apps'
card partials and card contexts, review questions with this app's review card; each card is the
element #idle-card (it replaces itself there), held in #idle-card-slot. A contact popping on the
desktop pauses the activity at once (`idle/pause/`); the server would pause it on its next ask
anyway.

A review card carries when the server showed it, signed (`shown`), so the time an answer took is
measured from the server's clock (rapport.learning.services.reviews), whatever the client sends.
"""

import contextlib
import datetime
from typing import Any

from django.core import signing
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from rapport.accounts.http import AuthedHttpRequest
from rapport.briefings.checks import answers_from_post
from rapport.briefings.poll_forms import PollAnswerForm
from rapport.briefings.selectors import briefings as briefing_selectors
from rapport.briefings.views import briefings as briefing_views
from rapport.core.errors import ApplicationError, Conflict, NotFound
from rapport.core.roles import CASE_WORKERS
from rapport.learning.choices import ActivityKind
from rapport.learning.models import Activity, ReviewItem
from rapport.learning.selectors import activities as selectors
from rapport.learning.selectors import reviews as review_selectors
from rapport.learning.services import activities as services
from rapport.learning.services import reviews as review_services
from rapport.learning.views import assignments as assignment_views
from rapport.ui.decorators import role_required

CARD_TARGET = "idle-card"
CARDS = {
    ActivityKind.BRIEFING: "briefings/partials/_briefing_card.html",
    ActivityKind.POLL: "briefings/partials/_poll_card.html",
    ActivityKind.MODULE: "learning/partials/_module_card.html",
    ActivityKind.REVIEW: "learning/partials/_review_card.html",
}


SHOWN_SALT = "learning.idle.review-shown"


def _shown_token(item: ReviewItem | None, now: datetime.datetime) -> str:
    """When the server showed the question, signed so the client cannot move it."""
    if item is None:
        return ""
    return signing.dumps({"item": item.pk, "at": int(now.timestamp())}, salt=SHOWN_SALT)


def _shown_at(raw: str, item: ReviewItem) -> datetime.datetime | None:
    try:
        data = signing.loads(raw, salt=SHOWN_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("item") != item.pk:
        return None
    at = data.get("at")
    if not isinstance(at, int) or isinstance(at, bool):
        return None
    return datetime.datetime.fromtimestamp(at, tz=datetime.UTC)


def _review_context(activity: Activity, now: datetime.datetime) -> dict[str, Any]:
    item = selectors.burst_next_item(activity)
    answered = len(selectors.burst_answered_ids(activity))
    total = activity.review_items.count()
    return {
        "item": item,
        "position": min(answered + 1, total),
        "total": total,
        "shown": _shown_token(item, now),
    }


def _card_context(activity: Activity, now: datetime.datetime) -> dict[str, Any]:
    """The context of the activity's own card, as its app's pages build it, aimed at #idle-card."""
    if activity.kind == ActivityKind.BRIEFING and activity.briefing_id is not None:
        delivery = briefing_selectors.delivery_for(
            user=activity.agent, briefing_id=activity.briefing_id
        )
        return briefing_views.card_context(delivery=delivery, card_target=CARD_TARGET)
    if activity.kind == ActivityKind.POLL and activity.poll is not None:
        form = PollAnswerForm(poll=activity.poll, card_target=CARD_TARGET)
        return {"poll": activity.poll, "form": form, "card_target": CARD_TARGET}
    if activity.kind == ActivityKind.MODULE and activity.assignment is not None:
        return assignment_views.card_context(activity.assignment, card_target=CARD_TARGET)
    return {"card_target": CARD_TARGET, "result": None, **_review_context(activity, now)}


def _panel(request: AuthedHttpRequest, activity: Activity | None) -> HttpResponse:
    now = timezone.now()
    context: dict[str, Any] = {"activity": activity}
    if activity is None:
        context["busy"] = not selectors.agent_is_free(agent=request.user, now=now)
    else:
        context.update(
            _card_context(activity, now),
            title=selectors.activity_title(activity),
            seconds_left=selectors.seconds_left(activity, now=now),
            card_template=CARDS[ActivityKind(activity.kind)],
        )
    return render(request, "learning/partials/_idle_panel.html", context)


@never_cache
@role_required(CASE_WORKERS)
@require_GET
def idle_panel(request: AuthedHttpRequest) -> HttpResponse:
    """What comes next between contacts, or "Nothing waiting". With `shown` (the panel shows an
    activity) nothing new starts."""
    start_new = not request.GET.get("shown")
    return _panel(request, services.next_activity(agent=request.user, start_new=start_new))


@role_required(CASE_WORKERS)
@require_POST
def idle_pause(request: AuthedHttpRequest) -> HttpResponse:
    """A contact popped on the desktop: stop the clock of the activity under way."""
    services.activity_pause(agent=request.user)
    return HttpResponse(status=204)


@role_required(CASE_WORKERS)
@require_POST
def idle_skip(request: AuthedHttpRequest, activity_id: int) -> HttpResponse:
    """Set the activity aside and show what comes next."""
    activity = selectors.activity_get_for(user=request.user, activity_id=activity_id)
    # Already over (timed out, done): the panel shows what is next either way.
    with contextlib.suppress(ApplicationError):
        services.activity_skip(activity=activity)
    return _panel(request, services.next_activity(agent=request.user))


@role_required(CASE_WORKERS)
@require_POST
def idle_review(request: AuthedHttpRequest, item_id: int) -> HttpResponse:
    """Answer a review question: right or wrong, the explanation, then the next question. A
    question no longer waiting (or never the agent's) is a card with a way on for the panel, and
    404 otherwise."""
    try:
        item = review_selectors.review_item_get_for(user=request.user, item_id=item_id)
    except NotFound:
        if not request.htmx:
            raise
        # htmx swaps no 404: the agent would be left with a button that does nothing.
        return render(request, "learning/partials/_review_gone.html", {"card_target": CARD_TARGET})
    now = timezone.now()
    shown = request.POST.get("shown", "")
    shown_at = _shown_at(shown, item)
    chosen = answers_from_post(request.POST, [item.question_id])[item.question_id]
    context: dict[str, Any] = {
        "item": item,
        "card_target": CARD_TARGET,
        "shown": shown if shown_at is not None else _shown_token(item, now),
    }
    try:
        outcome = review_services.review_choose(
            item=item, choice_ids=chosen, shown_at=shown_at, at=now
        )
    except ApplicationError as exc:
        # Refused (on a contact, not in the burst, not due): the form would only be refused again.
        context.update(error=exc.message, refused=isinstance(exc, Conflict))
        activity = selectors.open_activity_of(agent=request.user)
        if activity is not None and activity.kind == ActivityKind.REVIEW:
            answered = len(selectors.burst_answered_ids(activity))
            total = activity.review_items.count()
            context.update(position=min(answered + 1, total), total=total)
        return render(request, "learning/partials/_review_card.html", context, status=exc.status)
    context["outcome"] = outcome
    return render(request, "learning/partials/_review_result.html", context)


@role_required(CASE_WORKERS)
@require_GET
def my_reviews(request: AuthedHttpRequest) -> HttpResponse:
    """My review figures: retention, mastery, what is due, and a week-by-week chart."""
    summary = review_selectors.review_summary_for(agent=request.user)
    return render(request, "learning/partials/_reviews_page.html", {"summary": summary})


urls = [
    path("idle/", idle_panel, name="idle_panel"),
    path("idle/pause/", idle_pause, name="idle_pause"),
    path("idle/activities/<int:activity_id>/skip/", idle_skip, name="idle_skip"),
    path("idle/reviews/<int:item_id>/", idle_review, name="idle_review"),
    path("reviews/", my_reviews, name="my_reviews"),
]
