"""Case pages: the list, opening a case, the case page with its actions, escalation analysis.

The case page is built from sections (summary, actions, hand-offs, history, events, reply, the
escalate dialog). Each action is an htmx POST that answers with its own section, fresh or with the
form's errors, plus the other sections swapped out-of-band when the action succeeded; without
JavaScript the same forms post normally and come back to the page."""

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from rapport.accounts.http import AuthedHttpRequest
from rapport.cases import analysis, selectors, services
from rapport.cases.choices import CaseEventKind, Clock
from rapport.cases.filters import CaseFilter
from rapport.cases.forms import (
    AnalysisForm,
    AssignForm,
    CaseCreateForm,
    EscalateForm,
    PriorityForm,
    ReplyForm,
    StatusForm,
)
from rapport.cases.models import Case, CaseEvent
from rapport.core.errors import ApplicationError, NotFound, ValidationFailed
from rapport.core.pagination import paginate
from rapport.core.roles import (
    CASE_WORKERS,
    CONVERSATION_READERS,
    ESCALATION_ANALYSTS,
    has_any_role,
)
from rapport.customers import selectors as customer_selectors
from rapport.interactions import selectors as interaction_selectors
from rapport.ui.decorators import role_required
from rapport.ui.forms import show_refusal

SECTION = "cases/partials/_%s.html"
# The sections a successful action refreshes; a form's own section is the answer itself.
REFRESHED = ("summary", "actions", "chain", "history", "events")


@role_required(CONVERSATION_READERS)
def case_list(request: AuthedHttpRequest) -> HttpResponse:
    filterset = CaseFilter(
        request.GET or None, queryset=selectors.cases_for(user=request.user), request=request
    )
    # A filter that cannot be read is shown as an error, never dropped to list more than asked.
    cases = filterset.qs if filterset.is_valid() or not filterset.is_bound else Case.objects.none()
    page = paginate(request, cases, per_page=25)
    now = timezone.now()
    for case in page.object_list:
        case.sla = selectors.sla_clocks(case, now=now)
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "page": page,
        "searched": any(value for key, value in request.GET.items() if key != "page"),
        "can_create": has_any_role(request.user, CASE_WORKERS),
    }
    template = "cases/partials/_results.html" if request.htmx else "cases/list.html"
    return render(request, template, context)


@role_required(CASE_WORKERS)
def case_create(request: AuthedHttpRequest) -> HttpResponse:
    """Open a case, usually from the customer view (?customer=<id>)."""
    customer = None
    asked = request.POST.get("customer") or request.GET.get("customer")
    form = CaseCreateForm(request.POST or None, initial={"customer": request.GET.get("customer")})
    if request.method == "GET" and asked:
        customer = customer_selectors.customer_get_for(
            user=request.user, customer_id=int(asked) if asked.isdigit() else 0
        )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["customer"]:
                customer = _customer_of(request, data["customer"])
            case = services.case_open(
                by=request.user,
                customer=customer,
                subject=data["subject"],
                channel=data["channel"],
                description=data["description"],
                contact_type=data["contact_type"],
                priority=data["priority"],
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, f"Case {case.reference} opened.")
            return redirect(case)
    if customer is None and form.is_bound and getattr(form, "cleaned_data", {}).get("customer"):
        customer = (
            customer_selectors.customers_for(user=request.user)
            .filter(pk=form.cleaned_data["customer"])
            .first()
        )
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "cases/create.html", {"form": form, "customer": customer}, status=status)


def _customer_of(request: AuthedHttpRequest, customer_id: int):
    try:
        return customer_selectors.customer_get_for(user=request.user, customer_id=customer_id)
    except NotFound:
        raise ValidationFailed(
            "There is no customer with this number.",
            fields={"customer": ["There is no customer with this number."]},
        ) from None


# --- The case page ---------------------------------------------------------------------------------

# Each action form: its context name, the id prefix that keeps its ids unique on a page showing
# several cases, and the section holding it.
FORMS: dict[type, tuple[str, str, str]] = {
    StatusForm: ("status_form", "status", "actions"),
    AssignForm: ("assign_form", "assign", "actions"),
    PriorityForm: ("priority_form", "priority", "actions"),
    ReplyForm: ("reply_form", "reply", "reply_form"),
    EscalateForm: ("escalate_form", "escalate", "escalate_form"),
}


def case_action_form(form_class: type, case: Case, user, data=None):
    """One of the case's action forms, with ids unique to this case (for the desktop too)."""
    _, prefix, _ = FORMS[form_class]
    kwargs: dict[str, Any] = {"auto_id": f"{prefix}{case.pk}_%s"}
    if form_class in (StatusForm, PriorityForm, EscalateForm):
        kwargs["case"] = case
    if form_class is AssignForm:
        kwargs.update(case=case, user=user)
    return form_class(data, **kwargs)


def case_panel_context(request: AuthedHttpRequest, case: Case, *, bound=None, flash: str = ""):
    """Everything the case sections read. `bound` (a form that failed) replaces its blank twin.
    The agent desktop may call this to render the same sections."""
    user = request.user
    can_work = selectors.can_work_case(user, case)
    chain = list(selectors.escalation_chain_of(case=case))
    interactions = list(interaction_selectors.case_interactions_for(user=user, case=case))
    timeline = (
        interaction_selectors.customer_timeline_for(user=user, customer=case.customer)
        if case.customer_id
        else []
    )
    events = list(selectors.case_events_of(case=case))
    for event in events:
        event.text = _event_text(event)  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "case": case,
        "clocks": selectors.sla_clocks(case),
        "can_work": can_work,
        "latest_handoff": chain[-1] if chain else None,
        "earlier_handoffs": chain[-2::-1],
        "interactions": interactions,
        "other_contacts": [i for i in timeline if i.case_id != case.pk],
        "events": events,
        "flash": flash,
    }
    # A refused form is shown with its message even when the refusal is that this person may
    # not work the case.
    if can_work or bound is not None:
        for form_class, (name, _, _) in FORMS.items():
            context[name] = (
                bound if type(bound) is form_class else case_action_form(form_class, case, user)
            )
    return context


def _event_text(event: CaseEvent) -> str:
    """One readable line for a case event (its detail is a small dict written by the services)."""
    d = event.detail or {}
    kind = event.kind
    if kind == CaseEventKind.OPENED:
        return f"in {d.get('queue', '')}".strip()
    if kind == CaseEventKind.STATUS:
        text = f"{d.get('previous', '')} → {d.get('status', '')}"
        return f"{text} (reopened by a new contact)" if d.get("reopened") else text
    if kind == CaseEventKind.ASSIGNED:
        return f"to {d.get('assignee') or 'the queue'}"
    if kind == CaseEventKind.PRIORITY:
        return f"{d.get('previous', '')} → {d.get('priority', '')}"
    if kind == CaseEventKind.ESCALATED:
        return f"to {d.get('to_queue', '')}: {d.get('reason', '')}"
    if kind == CaseEventKind.CONTACT:
        return str(d.get("channel", ""))
    if kind in (CaseEventKind.SLA_WARNING, CaseEventKind.SLA_BREACH):
        clock = d.get("clock", "")
        label = Clock(clock).label if clock in Clock.values else clock
        return f"{label} clock"
    return ""


@role_required(CONVERSATION_READERS)
def case_detail(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    """A case: who has it and how its clocks stand, the hand-offs (latest first), everything said
    on every channel, and the actions for those who may work it."""
    case = selectors.case_get_for(user=request.user, case_id=case_id)
    context = case_panel_context(request, case)
    template = "cases/partials/_case.html" if request.htmx else "cases/detail.html"
    return render(request, template, context)


def _act(
    request: AuthedHttpRequest,
    case_id: int,
    form_class: type,
    action: Callable[[Case, Any], None],
    done: str,
) -> HttpResponse:
    case = selectors.case_get_for(user=request.user, case_id=case_id)
    form = case_action_form(form_class, case, request.user, request.POST)
    status = 400
    if form.is_valid():
        try:
            action(case, form)
        except ApplicationError as exc:
            show_refusal(form, exc)
            status = exc.status
            # The refused service may have touched the instance before it gave up.
            case = selectors.case_get_for(user=request.user, case_id=case_id)
        else:
            return _succeeded(request, case_id, form_class, done)
    if request.htmx:
        # htmx swaps only 2xx answers; the errors are the content of this one.
        section = FORMS[form_class][2]
        context = case_panel_context(request, case, bound=form)
        return render(request, SECTION % section, context)
    return render(
        request, "cases/detail.html", case_panel_context(request, case, bound=form), status=status
    )


def _succeeded(request: AuthedHttpRequest, case_id: int, form_class: type, done: str):
    if not request.htmx:
        messages.success(request, done)
        return redirect("cases:detail", case_id)
    # Read again: the action may have moved the case to another queue and team.
    case = selectors.case_get_for(user=request.user, case_id=case_id)
    main = FORMS[form_class][2]
    context = case_panel_context(request, case, flash=done)
    context.update(main=SECTION % main, oob_sections=[SECTION % s for s in REFRESHED if s != main])
    response = render(request, "cases/partials/_refresh.html", context)
    response["HX-Trigger"] = json.dumps({"caseUpdated": {"case": case.pk}})
    return response


@role_required(CASE_WORKERS)
@require_POST
def case_status(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    def action(case: Case, form) -> None:
        services.case_status_set(case=case, by=request.user, status=form.cleaned_data["status"])

    return _act(request, case_id, StatusForm, action, "Status changed.")


@role_required(CASE_WORKERS)
@require_POST
def case_assign(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    def action(case: Case, form) -> None:
        services.case_assign(case=case, by=request.user, assignee=form.assignee_chosen())

    return _act(request, case_id, AssignForm, action, "Assignment changed.")


@role_required(CASE_WORKERS)
@require_POST
def case_priority(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    def action(case: Case, form) -> None:
        services.case_priority_set(
            case=case, by=request.user, priority=form.cleaned_data["priority"]
        )

    return _act(request, case_id, PriorityForm, action, "Priority changed.")


@role_required(CASE_WORKERS)
@require_POST
def case_reply(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    def action(case: Case, form) -> None:
        # A mail server that refuses is a Conflict from the service, shown on the form.
        services.case_reply(case=case, by=request.user, text=form.cleaned_data["text"])

    return _act(request, case_id, ReplyForm, action, "Reply sent.")


@role_required(CASE_WORKERS)
@require_POST
def case_escalate(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    def action(case: Case, form) -> None:
        data = form.cleaned_data
        services.case_escalate(
            case=case,
            by=request.user,
            to_queue=data["to_queue"],
            reason=data["reason"],
            customer_needs=data["customer_needs"],
            tried=data["tried"],
            promised=data["promised"],
            to_agent=form.agent_chosen(),
        )

    return _act(
        request,
        case_id,
        EscalateForm,
        action,
        "Escalated; the receiving team sees your summary first.",
    )


# --- Escalation analysis ---------------------------------------------------------------------------


@role_required(ESCALATION_ANALYSTS)
def escalation_analysis(request: AuthedHttpRequest) -> HttpResponse:
    form = AnalysisForm(request.GET, user=request.user)
    result = None
    if form.is_valid():
        data = form.cleaned_data
        result = analysis.escalation_analysis(
            user=request.user,
            start=data["date_from"],
            end=data["date_to"],
            team=data["team"],
            contact_type=data["contact_type"],
        )
    context = {
        "form": form,
        "result": result,
        "chart_data": result.chart_data() if result else {},
    }
    return render(request, "cases/escalation_analysis.html", context, status=200 if result else 400)
