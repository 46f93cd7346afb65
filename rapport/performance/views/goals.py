"""Goal pages: the list (mine, or my teams' grouped by agent), proposing a goal, and a goal's page
with its agreement, progress, history and the actions open to the viewer.

Every action is a plain POST to goals/<id>/<action>/ that comes back to the goal's page; a refused
action shows its reason on its form. Admins read every goal and act on none.
"""

import datetime
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from rapport.accounts.http import AuthedHttpRequest
from rapport.accounts.models import User
from rapport.core.errors import ApplicationError, NotFound, PermissionDenied
from rapport.core.pagination import paginate
from rapport.core.roles import GOAL_PARTIES, Role, is_admin, roles_of
from rapport.performance import rollups
from rapport.performance import selectors as performance_selectors
from rapport.performance.choices import GoalStatus
from rapport.performance.models import Goal, GoalEvent, Kpi
from rapport.performance.selectors import goals as selectors
from rapport.performance.services import goals as services
from rapport.performance.views.recognition import scorecard_url
from rapport.ui.decorators import role_required
from rapport.ui.forms import StyledFormMixin, show_refusal

NOTE_MAX = services.NOTE_MAX
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _note(*, required: bool = False, label: str = "Note", help_text: str = "") -> forms.CharField:
    return forms.CharField(
        required=required,
        max_length=NOTE_MAX,
        label=label,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class KpiChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Kpi) -> str:
        return f"{obj.name} ({obj.get_unit_display()}, {obj.get_better_display().lower()})"


class GoalCreateForm(StyledFormMixin, forms.Form):
    agent = forms.ModelChoiceField(queryset=User.objects.none(), empty_label="Choose an agent")
    kpi = KpiChoiceField(queryset=Kpi.objects.none(), label="KPI", empty_label="Choose a KPI")
    target = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text="In the KPI's unit: % from 0 to 100, seconds, points or currency.",
    )
    starts_on = forms.DateField(label="Starts on", widget=DATE)
    ends_on = forms.DateField(
        label="Ends on", widget=DATE, help_text="At most 366 days after the start."
    )
    checkin_every_days = forms.IntegerField(
        label="Check in every (days)", min_value=1, max_value=90, initial=14
    )
    note = _note(help_text="What the goal is for and how you will get there.")

    def __init__(self, *args, viewer: User, **kwargs):
        today = timezone.localdate()
        kwargs.setdefault(
            "initial", {"starts_on": today, "ends_on": today + datetime.timedelta(days=90)}
        )
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        self.fields["kpi"].queryset = selectors.goal_kpis()  # type: ignore[attr-defined]
        if Role.SUPERVISOR in roles_of(viewer):
            agents = selectors.agents_for_proposals(viewer=viewer)
            self.fields["agent"].queryset = agents  # type: ignore[attr-defined]
            self.fields["agent"].help_text = "An agent of a team you lead."
        else:
            del self.fields["agent"]
        first = next(iter(self.fields.values()))
        first.widget.attrs["autofocus"] = True

    def chosen_agent(self) -> User:
        return self.cleaned_data.get("agent") or self.viewer


class AgreeForm(StyledFormMixin, forms.Form):
    pass


class DeclineForm(StyledFormMixin, forms.Form):
    note = _note(
        required=True, label="Why not", help_text="So the other side can propose what would work."
    )


class WithdrawForm(StyledFormMixin, forms.Form):
    note = _note()


class ReviseForm(StyledFormMixin, forms.Form):
    target = forms.DecimalField(max_digits=12, decimal_places=2, label="New target")
    ends_on = forms.DateField(label="Ends on", widget=DATE)
    note = _note(help_text="What you changed and why; the other side agrees again.")


class CheckinForm(StyledFormMixin, forms.Form):
    note = _note(label="Check-in note", help_text="What went well, what is next.")


class CloseForm(StyledFormMixin, forms.Form):
    note = _note(label="Closing note")


FORMS: dict[str, type[forms.Form]] = {
    "agree": AgreeForm,
    "decline": DeclineForm,
    "withdraw": WithdrawForm,
    "revise": ReviseForm,
    "checkin": CheckinForm,
    "close": CloseForm,
}
DONE = {
    "agree": "Agreed.",
    "decline": "Declined.",
    "withdraw": "Withdrawn.",
    "revise": "Changed; it waits for the other side's agreement.",
    "checkin": "Check-in recorded.",
    "close": "Goal closed.",
}


def action_form(action: str, goal: Goal, data=None) -> forms.Form:
    """One action's form, with ids unique on the page."""
    initial = {"target": goal.target, "ends_on": goal.ends_on} if action == "revise" else None
    return FORMS[action](data, initial=initial, auto_id=f"{action}_%s")


# --- The list --------------------------------------------------------------------------------------


class GoalFilterForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any status"), *GoalStatus.choices], required=False, label="Status"
    )
    agent = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Every agent", label="Agent"
    )

    def __init__(self, *args, viewer: User, **kwargs):
        super().__init__(*args, **kwargs)
        if Role.SUPERVISOR in roles_of(viewer) or is_admin(viewer):
            agents = performance_selectors.agents_visible_to(viewer=viewer)
            self.fields["agent"].queryset = agents  # type: ignore[attr-defined]
        else:
            del self.fields["agent"]


def _mark(goals, viewer: User, today: datetime.date, *, by_agent: bool) -> None:
    """What a list row shows beyond the goal: its group, whose turn it is, a check-in due."""
    for goal in goals:
        waiting = selectors.waiting_for(goal)
        mine = waiting is not None and waiting == selectors.side_of(viewer, goal.agent)
        goal.row = {
            "group": str(goal.agent) if by_agent else _section(goal),
            "waiting_for": waiting,
            "waiting_for_viewer": mine,
            "checkin_due": selectors.checkin_due(goal, today),
            "counts": selectors.counts(goal),
        }


def _section(goal: Goal) -> str:
    return "Agreed" if goal.status == GoalStatus.AGREED else goal.get_status_display()


@role_required(GOAL_PARTIES)
def goal_list(request: AuthedHttpRequest) -> HttpResponse:
    viewer = request.user
    form = GoalFilterForm(request.GET or None, viewer=viewer)
    by_agent = Role.SUPERVISOR in roles_of(viewer) or is_admin(viewer)
    status = 200
    if form.is_bound and not form.is_valid():
        # A filter that cannot be read is shown as an error, never dropped to list more.
        goals = Goal.objects.none()
        # htmx swaps only 2xx answers; the errors are the content of this one.
        status = 200 if request.htmx else 400
    else:
        data = form.cleaned_data if form.is_bound else {}
        agent = data.get("agent")
        goals = selectors.goals_listed(
            viewer=viewer, status=data.get("status") or None, agent_id=agent.pk if agent else None
        )
    page = paginate(request, goals, per_page=25)
    waiting = list(selectors.goals_waiting_for(viewer=viewer)[:50])
    today = timezone.localdate()
    _mark(page.object_list, viewer, today, by_agent=by_agent)
    _mark(waiting, viewer, today, by_agent=False)
    context = {
        "form": form,
        "page": page,
        "waiting": waiting,
        "by_agent": by_agent,
        "searched": any(value for key, value in request.GET.items() if key != "page"),
        "can_propose": bool(roles_of(viewer) & {Role.AGENT, Role.SUPERVISOR}),
    }
    template = (
        "performance/goals/partials/_results.html"
        if request.htmx
        else "performance/goals/list.html"
    )
    return render(request, template, context, status=status)


@role_required(GOAL_PARTIES)
def goal_create(request: AuthedHttpRequest) -> HttpResponse:
    viewer = request.user
    if not roles_of(viewer) & {Role.AGENT, Role.SUPERVISOR}:
        raise PermissionDenied(
            "Goals are proposed by an agent or the supervisor of the agent's team; admins read them."
        )
    form = GoalCreateForm(request.POST or None, viewer=viewer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            goal = services.goal_propose(
                by=viewer,
                agent=form.chosen_agent(),
                kpi=data["kpi"],
                target=data["target"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                checkin_every_days=data["checkin_every_days"],
                note=data["note"],
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, "Goal proposed; it counts once the other side agrees.")
            return redirect("performance:goal_detail", goal.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "performance/goals/create.html", {"form": form}, status=status)


# --- One goal --------------------------------------------------------------------------------------


def _event_text(event: GoalEvent) -> str:
    """One readable line for a history entry (its detail is written by the services)."""
    detail = event.detail or {}
    if event.kind == selectors.REVISED:
        before, after = detail.get("before", {}), detail.get("after", {})
        parts = [
            f"{label} {before.get(key)} → {after.get(key)}"
            for key, label in (("target", "target"), ("ends_on", "ends"))
            if before.get(key) != after.get(key)
        ]
        return "; ".join(parts)
    if event.kind in (selectors.CHECKED_IN, selectors.CLOSED):
        if event.value is None:
            return f"not enough data yet (n = {detail.get('n', 0)})"
        interval = ""
        if detail.get("ci_low") is not None:
            interval = f", 95% CI {detail['ci_low']}–{detail['ci_high']}"
        return f"{event.value} (n = {detail.get('n', 0)}{interval})"
    if event.kind == selectors.PROPOSED and detail.get("baseline"):
        return f"target {detail.get('target')}, baseline {detail['baseline']}"
    if event.kind == selectors.PROPOSED:
        return f"target {detail.get('target')}, no baseline (not enough data before the start)"
    return ""


def goal_context(
    request: AuthedHttpRequest, goal: Goal, *, bound: tuple[str, forms.Form] | None = None
):
    viewer = request.user
    events = list(selectors.goal_events(goal=goal))
    for event in events:
        event.label = selectors.EVENT_LABELS.get(event.kind, event.kind)  # type: ignore[attr-defined]
        event.text = _event_text(event)  # type: ignore[attr-defined]
    progress = selectors.goal_progress(goal=goal, events=events)
    allowed = selectors.actions_for(viewer, goal)
    action_forms: dict[str, forms.Form] = {name: action_form(name, goal) for name in allowed}
    if bound is not None:
        action_forms[bound[0]] = bound[1]
    side = selectors.side_of(viewer, goal.agent)
    waiting = selectors.waiting_for(goal)
    row = {
        "waiting_for": waiting,
        "waiting_for_viewer": waiting is not None and waiting == side,
        "checkin_due": selectors.checkin_due(goal),
    }
    return {
        "goal": goal,
        "side": side,
        "row": row,
        "counts": selectors.counts(goal),
        "checkin_due": row["checkin_due"],
        "min_sample": rollups.measurement_settings().min_sample,
        "events": events,
        "progress": progress,
        "chart_data": progress.chart() if progress is not None else {},
        "forms": action_forms,
        "scorecard_url": scorecard_url(goal.agent_id),
        "read_only": not allowed and is_admin(viewer),
    }


@role_required(GOAL_PARTIES)
def goal_detail(request: AuthedHttpRequest, goal_id: int) -> HttpResponse:
    goal = selectors.goal_get_for(viewer=request.user, goal_id=goal_id)
    return render(request, "performance/goals/detail.html", goal_context(request, goal))


def _run(request: AuthedHttpRequest, action: str, goal: Goal, form: forms.Form) -> None:
    data: dict[str, Any] = form.cleaned_data
    by = request.user
    calls: dict[str, Callable[[], Any]] = {
        "agree": lambda: services.goal_agree(by=by, goal=goal),
        "decline": lambda: services.goal_decline(by=by, goal=goal, note=data["note"]),
        "withdraw": lambda: services.goal_withdraw(by=by, goal=goal, note=data["note"]),
        "revise": lambda: services.goal_revise(
            by=by, goal=goal, target=data["target"], ends_on=data["ends_on"], note=data["note"]
        ),
        "checkin": lambda: services.goal_checkin(by=by, goal=goal, note=data["note"]),
        "close": lambda: services.goal_close(by=by, goal=goal, note=data["note"]),
    }
    calls[action]()


@role_required(GOAL_PARTIES)
@require_POST
def goal_action(request: AuthedHttpRequest, goal_id: int, action: str) -> HttpResponse:
    goal = selectors.goal_get_for(viewer=request.user, goal_id=goal_id)
    if action not in FORMS:
        raise NotFound("No such action.")
    form = action_form(action, goal, request.POST)
    status = 400
    if form.is_valid():
        try:
            _run(request, action, goal, form)
        except ApplicationError as exc:
            show_refusal(form, exc)
            status = exc.status
        else:
            messages.success(request, DONE[action])
            return redirect("performance:goal_detail", goal.pk)
    goal = selectors.goal_get_for(viewer=request.user, goal_id=goal_id)
    context = goal_context(request, goal, bound=(action, form))
    return render(request, "performance/goals/detail.html", context, status=status)


urls = [
    path("goals/", goal_list, name="goals"),
    path("goals/new/", goal_create, name="goal_create"),
    path("goals/<int:goal_id>/", goal_detail, name="goal_detail"),
    path("goals/<int:goal_id>/<slug:action>/", goal_action, name="goal_action"),
]
