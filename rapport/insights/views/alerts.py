"""Alert pages: the inbox of negative interactions to recover, one alert with what the customer
said and the recovery work (take, assign, note, close, reopen), and the recovery report.

Every action is a plain POST to alerts/<id>/<action>/ that comes back to the alert's page; a
refused action shows its reason on its form.
"""

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
from rapport.core.errors import ApplicationError, NotFound
from rapport.core.pagination import paginate
from rapport.core.roles import ALERT_WORKERS, CONVERSATION_READERS, has_any_role
from rapport.insights.choices import AlertState, RecoveryOutcome, Severity
from rapport.insights.models import Alert, RootCause
from rapport.insights.selectors import alerts as selectors
from rapport.insights.services import alerts as services
from rapport.ui.decorators import role_required
from rapport.ui.forms import StyledFormMixin, show_refusal

REPORT_DAYS = [(7, "7 days"), (30, "30 days"), (90, "90 days"), (365, "365 days")]


def _note(*, required: bool, label: str = "Note", help_text: str = "") -> forms.CharField:
    return forms.CharField(
        required=required,
        max_length=services.NOTE_MAX,
        label=label,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AlertFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(
        required=False,
        max_length=selectors.Q_MAX,
        label="Search",
        help_text="Customer, agent, reason or alert number.",
    )
    state = forms.ChoiceField(
        choices=[("", "Any state"), *AlertState.choices], required=False, label="State"
    )
    severity = forms.ChoiceField(
        choices=[("", "Any severity"), *Severity.choices], required=False, label="Severity"
    )
    overdue = forms.BooleanField(required=False, label="Only overdue call-backs")


class TakeForm(StyledFormMixin, forms.Form):
    pass


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class AssignForm(StyledFormMixin, forms.Form):
    owner = OwnerChoiceField(
        queryset=User.objects.none(), label="Give the recovery to", empty_label="Choose a person"
    )


class NoteForm(StyledFormMixin, forms.Form):
    note = _note(required=True, help_text="A call made, what was promised, what you learned.")


class RootCauseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: RootCause) -> str:
        return f"{obj.name} (learning gap: {obj.skill})" if obj.skill_id else obj.name


class CloseForm(StyledFormMixin, forms.Form):
    outcome = forms.ChoiceField(
        choices=[("", "Choose how it ended"), *RecoveryOutcome.choices],
        label="Outcome",
        error_messages={"required": "Choose how the recovery ended."},
    )
    root_cause = RootCauseChoiceField(
        queryset=RootCause.objects.none(),
        label="Root cause",
        empty_label="Choose the root cause",
        error_messages={"required": "Choose the root cause: it is what the report learns from."},
    )
    note = _note(required=False, label="Closing note")


class ReopenForm(StyledFormMixin, forms.Form):
    note = _note(required=False, help_text="Why the recovery goes on.")


FORMS: dict[str, type[forms.Form]] = {
    "take": TakeForm,
    "assign": AssignForm,
    "note": NoteForm,
    "close": CloseForm,
    "reopen": ReopenForm,
}
DONE = {
    "take": "You own this recovery now.",
    "assign": "Recovery assigned.",
    "note": "Note added.",
    "close": "Alert closed.",
    "reopen": "Alert reopened.",
}


def action_form(action: str, alert: Alert, viewer: User, data=None) -> forms.Form:
    form = FORMS[action](data, auto_id=f"{action}_%s")
    if action == "assign":
        owners = selectors.owners_for(alert=alert, viewer=viewer)
        form.fields["owner"].queryset = owners  # type: ignore[attr-defined]
    if action == "close":
        form.fields["root_cause"].queryset = selectors.root_causes_active()  # type: ignore[attr-defined]
    return form


def actions_for(viewer: User, alert: Alert) -> list[str]:
    """The actions open to the viewer on this alert, in the order the page shows them."""
    leads, works = services.may_lead(viewer, alert), services.may_work(viewer, alert)
    if alert.state == AlertState.CLOSED:
        return ["note", "reopen"] if leads else (["note"] if works else [])
    allowed = []
    if leads and alert.owner_id != viewer.pk:
        allowed.append("take")
    if leads:
        allowed.append("assign")
    if works:
        allowed += ["note", "close"]
    return allowed


# --- The inbox -------------------------------------------------------------------------------------


@role_required(ALERT_WORKERS)
def alert_list(request: AuthedHttpRequest) -> HttpResponse:
    form = AlertFilterForm(request.GET or None)
    status = 200
    if form.is_bound and not form.is_valid():
        alerts = Alert.objects.none()
        status = 200 if request.htmx else 400
    else:
        data = form.cleaned_data if form.is_bound else {}
        alerts = selectors.alerts_for(
            request.user,
            state=data.get("state") or None,
            severity=data.get("severity") or None,
            q=data.get("q") or None,
            overdue=bool(data.get("overdue")),
        )
    page = paginate(request, alerts, per_page=25)
    now = timezone.now()
    for alert in page.object_list:
        alert.overdue = selectors.is_overdue(alert, now)
    context = {
        "form": form,
        "page": page,
        "searched": any(value for key, value in request.GET.items() if key != "page"),
        "overdue_count": selectors.alerts_for(request.user, overdue=True).count(),
    }
    template = (
        "insights/alerts/partials/_results.html" if request.htmx else "insights/alerts/list.html"
    )
    return render(request, template, context, status=status)


# --- One alert -------------------------------------------------------------------------------------


def alert_context(
    request: AuthedHttpRequest, alert: Alert, *, bound: tuple[str, forms.Form] | None = None
) -> dict[str, Any]:
    viewer = request.user
    action_forms = {name: action_form(name, alert, viewer) for name in actions_for(viewer, alert)}
    if bound is not None:
        action_forms[bound[0]] = bound[1]
    reads_words = has_any_role(viewer, CONVERSATION_READERS)
    return {
        "alert": alert,
        "overdue": selectors.is_overdue(alert),
        "events": list(selectors.alert_events(alert=alert)),
        "reads_words": reads_words,
        "words": selectors.customer_words(alert=alert) if reads_words else [],
        "forms": action_forms,
    }


@role_required(ALERT_WORKERS)
def alert_detail(request: AuthedHttpRequest, alert_id: int) -> HttpResponse:
    alert = selectors.alert_get_for(request.user, alert_id)
    return render(request, "insights/alerts/detail.html", alert_context(request, alert))


def _run(request: AuthedHttpRequest, action: str, alert: Alert, form: forms.Form) -> None:
    data: dict[str, Any] = form.cleaned_data
    by = request.user
    calls: dict[str, Callable[[], Any]] = {
        "take": lambda: services.alert_take(alert=alert, by=by),
        "assign": lambda: services.alert_assign(alert=alert, by=by, owner=data["owner"]),
        "note": lambda: services.alert_note_add(alert=alert, by=by, note=data["note"]),
        "close": lambda: services.alert_close(
            alert=alert,
            by=by,
            outcome=data["outcome"],
            root_cause=data["root_cause"],
            note=data["note"],
        ),
        "reopen": lambda: services.alert_reopen(alert=alert, by=by, note=data["note"]),
    }
    calls[action]()


@role_required(ALERT_WORKERS)
@require_POST
def alert_action(request: AuthedHttpRequest, alert_id: int, action: str) -> HttpResponse:
    alert = selectors.alert_get_for(request.user, alert_id)
    if action not in FORMS:
        raise NotFound("No such action.")
    form = action_form(action, alert, request.user, request.POST)
    status = 400
    if form.is_valid():
        try:
            _run(request, action, alert, form)
        except ApplicationError as exc:
            show_refusal(form, exc)
            status = exc.status
        else:
            messages.success(request, DONE[action])
            return redirect("insights:alert_detail", alert.pk)
    alert = selectors.alert_get_for(request.user, alert_id)
    context = alert_context(request, alert, bound=(action, form))
    return render(request, "insights/alerts/detail.html", context, status=status)


# --- Recovery report -------------------------------------------------------------------------------


class ReportForm(StyledFormMixin, forms.Form):
    days = forms.TypedChoiceField(
        choices=REPORT_DAYS,
        coerce=int,
        required=False,
        initial=30,
        label="Alerts fired in the last",
    )


@role_required(ALERT_WORKERS)
def recovery_report(request: AuthedHttpRequest) -> HttpResponse:
    form = ReportForm(request.GET or None)
    days = 30
    status = 200
    if form.is_bound:
        if form.is_valid():
            days = form.cleaned_data["days"] or 30
        else:
            status = 400
    report = selectors.recovery_report_for(request.user, days=days)
    context = {
        "form": form,
        "report": report,
        "chart_data": report.chart(),
        "states": [(label, report.by_state[key]) for key, label in AlertState.choices],
    }
    return render(request, "insights/alerts/report.html", context, status=status)


urls = [
    path("alerts/", alert_list, name="alerts"),
    path("alerts/report/", recovery_report, name="recovery_report"),
    path("alerts/<int:alert_id>/", alert_detail, name="alert_detail"),
    path("alerts/<int:alert_id>/<slug:action>/", alert_action, name="alert_action"),
]
