"""Assignment pages.

- "My learning" (every signed-in person): my assignments with the reason, due dates, start or
  continue; my review summary and my proficiency.
- Taking a module (the agent's own assignment): its content, then its check; a failed check shows
  what was missed with the explanations and asks again. The check card is also the partial idle
  time shows at the desktop (`learning/partials/_module_card.html`), answered over htmx.
- Assignments for trainers and supervisors (LEARNING_TRACKERS; supervisors their teams' agents):
  proposals from gaps to confirm or dismiss, open and completed ones, filters; trainers and admins
  also assign by hand (LEARNING_AUTHORS).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from rapport.accounts.http import AuthedHttpRequest
from rapport.briefings.checks import answers_from_post
from rapport.briefings.form_parts import card_target_of
from rapport.core.errors import ApplicationError
from rapport.core.pagination import paginate
from rapport.core.roles import LEARNING_AUTHORS, LEARNING_TRACKERS, has_any_role
from rapport.learning import forms as learning_forms
from rapport.learning.choices import AssignmentStatus
from rapport.learning.models import Assignment
from rapport.learning.selectors import assignments as selectors
from rapport.learning.selectors import modules as module_selectors
from rapport.learning.selectors import proficiency as proficiency_selectors
from rapport.learning.selectors import reviews as review_selectors
from rapport.learning.services import assignments as services
from rapport.ui.decorators import role_required
from rapport.ui.forms import show_refusal

CARD_TARGET = "module-card"


@login_required
def my_learning(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    rows = list(selectors.assignments_of(agent=user))
    today = timezone.localdate()
    summary = review_selectors.review_summary_for(agent=user)
    context = {
        "open": [a for a in rows if a.status in selectors.WAITING],
        "done": [a for a in rows if a.status == AssignmentStatus.COMPLETED][:20],
        "today": today,
        "summary": summary,
        "proficiency": proficiency_selectors.proficiency_for_agent(viewer=user, agent=user),
    }
    return render(request, "learning/my_learning.html", context)


def card_context(assignment: Assignment, result=None, card_target: str = CARD_TARGET) -> dict:
    """What `learning/partials/_module_card.html` needs."""
    return {
        "assignment": assignment,
        "questions": list(module_selectors.questions_of(assignment.module)),
        "result": result,
        "card_target": card_target,
    }


@login_required
def assignment_take(request: AuthedHttpRequest, assignment_id: int) -> HttpResponse:
    """The module and its check. Opening it starts the assignment."""
    assignment = selectors.assignment_for(user=request.user, assignment_id=assignment_id)
    if assignment.status == AssignmentStatus.ASSIGNED:
        services.assignment_start(assignment=assignment)
    context = card_context(assignment)
    context["attempts"] = list(selectors.attempts_of(assignment=assignment))
    return render(request, "learning/assignment_take.html", context)


@require_POST
@login_required
def assignment_check(request: AuthedHttpRequest, assignment_id: int) -> HttpResponse:
    """Submit the check. htmx gets the card back (result shown); a plain post the whole page."""
    assignment = selectors.assignment_for(user=request.user, assignment_id=assignment_id)
    questions = list(module_selectors.questions_of(assignment.module))
    answers = answers_from_post(request.POST, [q.pk for q in questions])
    result = None
    status = 200
    try:
        result = services.module_attempt_submit(assignment=assignment, answers=answers)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        status = exc.status
    assignment.refresh_from_db()
    target = card_target_of(request, CARD_TARGET)
    if request.htmx:
        context = card_context(assignment, result, target)
        context["error"] = None if result is not None else "This check is closed."
        return render(request, "learning/partials/_module_card.html", context, status=200)
    if result is not None and result.passed:
        messages.success(request, f"Passed with {result.score} %. Well done.")
        return redirect("learning:mine")
    context = card_context(assignment, result, target)
    context["attempts"] = list(selectors.attempts_of(assignment=assignment))
    return render(request, "learning/assignment_take.html", context, status=status)


# --- For trainers and supervisors ------------------------------------------------------------------


@role_required(LEARNING_TRACKERS)
def assignment_list(request: AuthedHttpRequest) -> HttpResponse:
    viewer = request.user
    agents = selectors.agents_trackable_by(viewer=viewer)
    form = learning_forms.AssignmentFilterForm(request.GET or None, agents=agents)
    status = 200
    if form.is_bound and not form.is_valid():
        rows = Assignment.objects.none()
        status = 200 if request.htmx else 400
    else:
        data = form.cleaned_data if form.is_bound else {}
        agent, module = data.get("agent"), data.get("module")
        rows = selectors.assignments_tracked_by(
            viewer=viewer,
            status=data.get("status") or None,
            source=data.get("source") or None,
            agent_id=agent.pk if agent else None,
            module_id=module.pk if module else None,
        )
    proposed = list(
        selectors.assignments_tracked_by(viewer=viewer, status=AssignmentStatus.PROPOSED)[:50]
    )
    context = {
        "form": form,
        "page": paginate(request, rows, per_page=25),
        "proposed": proposed,
        "confirm_form": learning_forms.ConfirmForm(),
        "dismiss_form": learning_forms.DismissForm(),
        "can_assign": has_any_role(viewer, LEARNING_AUTHORS),
        "searched": any(v for k, v in request.GET.items() if k != "page"),
        "today": timezone.localdate(),
    }
    # htmx swaps only the results; the full page includes the same template.
    template = (
        "learning/assignment_results.html" if request.htmx else "learning/assignment_list.html"
    )
    return render(request, template, context, status=status)


@role_required(LEARNING_AUTHORS)
def assignment_create(request: AuthedHttpRequest) -> HttpResponse:
    viewer = request.user
    form = learning_forms.AssignForm(
        request.POST or None,
        agents=selectors.agents_trackable_by(viewer=viewer),
        modules=module_selectors.modules_assignable(),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        made, refused = 0, []
        for agent in data["agents"]:
            try:
                services.assignment_assign(
                    by=viewer,
                    agent=agent,
                    module=data["module"],
                    due_on=data["due_on"],
                    note=data["note"],
                )
                made += 1
            except ApplicationError as exc:
                refused.append(exc.message)
        if made:
            messages.success(request, f"Assigned to {made} agent{'s' if made != 1 else ''}.")
        for message in refused:
            messages.warning(request, message)
        if made:
            return redirect("learning:assignments")
        form.add_error(None, "Nothing was assigned.")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "learning/assignment_form.html", {"form": form}, status=status)


def _decide(request: AuthedHttpRequest, assignment_id: int, action: str) -> HttpResponse:
    viewer = request.user
    assignment = selectors.assignment_tracked_get(viewer=viewer, assignment_id=assignment_id)
    form_class = learning_forms.ConfirmForm if action == "confirm" else learning_forms.DismissForm
    form = form_class(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "confirm":
                services.assignment_confirm(
                    by=viewer, assignment=assignment, note=data["note"], due_on=data["due_on"]
                )
                messages.success(request, f"Assigned “{assignment.module}” to {assignment.agent}.")
            else:
                services.assignment_dismiss(by=viewer, assignment=assignment, note=data["note"])
                messages.success(
                    request, f"Dismissed “{assignment.module}” for {assignment.agent}."
                )
        except ApplicationError as exc:
            show_refusal(form, exc)
    if form.errors:
        problems = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(request, f"Not done: {problems}")
    return redirect("learning:assignments")


@require_POST
@role_required(LEARNING_TRACKERS)
def assignment_confirm(request: AuthedHttpRequest, assignment_id: int) -> HttpResponse:
    return _decide(request, assignment_id, "confirm")


@require_POST
@role_required(LEARNING_TRACKERS)
def assignment_dismiss(request: AuthedHttpRequest, assignment_id: int) -> HttpResponse:
    return _decide(request, assignment_id, "dismiss")


urls = [
    path("", my_learning, name="mine"),
    path("assignments/", assignment_list, name="assignments"),
    path("assignments/new/", assignment_create, name="assignment_create"),
    path("assignments/<int:assignment_id>/", assignment_take, name="assignment"),
    path("assignments/<int:assignment_id>/check/", assignment_check, name="assignment_check"),
    path("assignments/<int:assignment_id>/confirm/", assignment_confirm, name="assignment_confirm"),
    path("assignments/<int:assignment_id>/dismiss/", assignment_dismiss, name="assignment_dismiss"),
]
