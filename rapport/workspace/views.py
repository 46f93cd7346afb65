"""The agent desktop: my queue, my state, the current contact with its screen pop, and what an
agent does on a contact (note, name an unknown caller, wrap up, reply, escalate).

Each action answers htmx with the current-contact area (and, out of band, the agent's state and
queue); without htmx it redirects back to the desktop showing the same contact. A refused form
comes back as typed with its errors and the status of the refusal."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from rapport.accounts.forms import AgentStateForm
from rapport.accounts.http import AuthedHttpRequest
from rapport.cases import services as case_services
from rapport.core.errors import ApplicationError, NotFound
from rapport.core.pagination import paginate
from rapport.core.roles import CASE_WORKERS
from rapport.interactions import services as interaction_services
from rapport.interactions.choices import OFFER_NONE
from rapport.interactions.models import Interaction
from rapport.ui.decorators import role_required
from rapport.ui.forms import show_refusal
from rapport.workspace import selectors, services
from rapport.workspace.forms import (
    EscalateForm,
    NoteForm,
    QuickCreateForm,
    ReplyForm,
    WrapUpForm,
)
from rapport.workspace.services import CASE_LINK, CASE_NONE

QUEUE_PAGE_SIZE = 15
MAX_ID = 2**63 - 1

# Which dialog holds which form; a refused form reopens its dialog.
DIALOGS: dict[type[Form], str] = {
    WrapUpForm: "wrap-up-dialog",
    EscalateForm: "escalate-dialog",
    ReplyForm: "reply-dialog",
}


def _queue_context(request: AuthedHttpRequest) -> dict[str, Any]:
    return {
        "page": paginate(
            request, selectors.my_queue_for(user=request.user), per_page=QUEUE_PAGE_SIZE
        ),
        "now": timezone.now(),
    }


def _state_form(request: AuthedHttpRequest) -> AgentStateForm:
    return AgentStateForm(initial={"state": request.user.agent_state})


def _prefilled_name(contact: Interaction) -> dict[str, str]:
    """A prospect made from a number is named after the number; that is not a name to keep."""
    customer = contact.customer
    if customer is None:
        return {}
    last = customer.last_name
    if last.startswith("+") or last == contact.sender:
        last = ""
    return {"first_name": customer.first_name, "last_name": last}


def _dialog_context(
    request: AuthedHttpRequest,
    contact: Interaction,
    *,
    open_ids: list[int] | None = None,
    bound: Form | None = None,
) -> dict[str, Any]:
    """The wrap-up, escalate and reply forms, on the caller's open cases."""
    cases = selectors.open_cases_for_contact(user=request.user, contact=contact)
    if open_ids is None:
        open_ids = list(cases.values_list("pk", flat=True)[: selectors.OPEN_CASES_SHOWN])
    focus_case: int | None = open_ids[0] if open_ids else None
    if contact.case_id in open_ids:
        focus_case = contact.case_id
    forms: dict[str, Form] = {
        "wrap_form": WrapUpForm(
            auto_id="wrap_%s",
            cases=cases,
            initial={
                "case_action": CASE_LINK if contact.case_id else CASE_NONE,
                "case": contact.case_id,
            },
        ),
        "reply_form": ReplyForm(auto_id="reply_%s", cases=cases, initial={"case": focus_case}),
        "escalate_form": EscalateForm(auto_id="esc_%s", cases=cases, initial={"case": focus_case}),
    }
    return {
        "contact": contact,
        "open_cases": open_ids,
        **_with_bound(forms, bound),
        "open_dialog": DIALOGS.get(type(bound), "") if bound is not None else "",
    }


def _with_bound(forms: dict[str, Form], bound: Form | None) -> dict[str, Form]:
    """The forms, with `bound` (a refused one, as typed) in place of its empty twin."""
    return {
        name: bound if bound is not None and type(bound) is type(form) else form
        for name, form in forms.items()
    }


def _contact_context(
    request: AuthedHttpRequest,
    contact: Interaction,
    *,
    bound: Form | None = None,
    dialogs: bool = True,
) -> dict[str, Any]:
    """The current-contact area. Without `dialogs` (a screen pop) the dialogs are fetched just
    after, so the caller shows sooner."""
    view = selectors.contact_view_for(user=request.user, contact=contact)
    forms: dict[str, Form] = {
        "note_form": NoteForm(auto_id="note_%s"),
        "caller_form": QuickCreateForm(
            auto_id="caller_%s", initial={**_prefilled_name(contact), "phone": contact.sender}
        ),
    }
    context: dict[str, Any] = {"cv": view, **_with_bound(forms, bound), "now": timezone.now()}
    if dialogs:
        open_ids = [case.pk for case in view.open_cases]
        context.update(_dialog_context(request, contact, open_ids=open_ids, bound=bound))
    else:
        context["defer_dialogs"] = True
    return context


def _render_desktop(
    request: AuthedHttpRequest,
    *,
    contact: Interaction | None,
    bound: Form | None = None,
    status: int = 200,
) -> HttpResponse:
    after, newest = selectors.current_contact_for(user=request.user)
    if contact is None:
        contact = newest
    context: dict[str, Any] = {
        **_queue_context(request),
        "state_form": _state_form(request),
        "after": after,
    }
    if contact is not None:
        context.update(_contact_context(request, contact, bound=bound))
    return render(request, "workspace/desktop.html", context, status=status)


@role_required(CASE_WORKERS)
@require_GET
def desktop(request: AuthedHttpRequest) -> HttpResponse:
    """The page an agent works from. `?contact=<id>` shows one of their contacts. htmx asks for
    parts of it: the queue's next page, or a popped contact's dialogs."""
    if request.htmx and request.htmx.target == "queue":
        return render(request, "workspace/partials/_queue.html", _queue_context(request))
    contact = None
    if request.GET.get("contact"):
        contact = selectors.contact_get_for(
            user=request.user, interaction_id=request.GET["contact"]
        )
        if request.htmx and request.htmx.target == "contact-dialogs":
            context = _dialog_context(request, contact)
            return render(request, "workspace/partials/_dialogs.html", context)
    return _render_desktop(request, contact=contact)


def _after(request: AuthedHttpRequest) -> int:
    try:
        return min(max(int(request.GET.get("after", 0)), 0), MAX_ID)
    except (TypeError, ValueError):
        return 0


@never_cache
@role_required(CASE_WORKERS)
@require_GET
def pop(request: AuthedHttpRequest) -> HttpResponse:
    """Polled by the open desktop: 204 when no call was offered to this agent after `after`,
    else the newest one as the current-contact area, its id in the X-Rapport-Pop header."""
    newest = selectors.pop_newest_for(user=request.user, after_id=_after(request))
    if newest is None:
        return HttpResponse(status=204)
    try:
        contact = selectors.contact_get_for(user=request.user, interaction_id=newest.interaction_id)
    except NotFound:
        return HttpResponse(status=204)
    context = {
        **_contact_context(request, contact, dialogs=False),
        "state_form": _state_form(request),
        "pop_id": newest.pk,
    }
    response = render(request, "workspace/partials/_contact_response.html", context)
    response["X-Rapport-Pop"] = str(newest.pk)
    return response


def _answer(
    request: AuthedHttpRequest,
    contact: Interaction,
    *,
    bound: Form | None = None,
    status: int = 200,
    done: str = "",
    queue: bool = False,
) -> HttpResponse:
    if not request.htmx:
        if bound is None:
            messages.success(request, done)
            return redirect(f"{reverse('workspace:desktop')}?contact={contact.pk}")
        return _render_desktop(request, contact=contact, bound=bound, status=status)
    context = {
        **_contact_context(request, contact, bound=bound),
        "state_form": _state_form(request),
        "done": done,
    }
    if queue:
        context.update(_queue_context(request), oob_queue=True)
    return render(request, "workspace/partials/_contact_response.html", context, status=status)


def _act(
    request: AuthedHttpRequest,
    contact: Interaction,
    form: Form,
    action: Callable[[dict], object],
    *,
    done: str,
    queue: bool = False,
) -> HttpResponse:
    """The shape every action shares: validate, call one service, answer."""
    status = 400
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except ApplicationError as exc:
            show_refusal(form, exc)
            status = exc.status
        else:
            contact.refresh_from_db()
            return _answer(request, contact, done=done, queue=queue)
    return _answer(request, contact, bound=form, status=status)


@role_required(CASE_WORKERS)
@require_POST
def note(request: AuthedHttpRequest, interaction_id: int) -> HttpResponse:
    contact = selectors.contact_get_for(user=request.user, interaction_id=interaction_id)

    def action(data: dict) -> object:
        return interaction_services.call_note_add(
            interaction=contact, by=request.user, text=data["text"]
        )

    return _act(
        request, contact, NoteForm(request.POST, auto_id="note_%s"), action, done="Note added."
    )


@role_required(CASE_WORKERS)
@require_POST
def quick_create(request: AuthedHttpRequest, interaction_id: int) -> HttpResponse:
    contact = selectors.contact_get_for(user=request.user, interaction_id=interaction_id)

    def action(data: dict) -> object:
        return services.caller_identify(
            contact=contact,
            by=request.user,
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            phone=data["phone"],
        )

    form = QuickCreateForm(request.POST, auto_id="caller_%s")
    return _act(request, contact, form, action, done="Caller saved.")


@role_required(CASE_WORKERS)
@require_POST
def wrap_up(request: AuthedHttpRequest, interaction_id: int) -> HttpResponse:
    contact = selectors.contact_get_for(user=request.user, interaction_id=interaction_id)
    cases = selectors.open_cases_for_contact(user=request.user, contact=contact)

    def action(data: dict) -> object:
        return services.contact_wrap_up(
            contact=contact,
            by=request.user,
            contact_type=data["contact_type"],
            outcome=data["outcome"],
            relationship_attempt=data["relationship_attempt"],
            compliment_received=data["compliment_received"],
            offer=data["offer"] or OFFER_NONE,
            case_action=data["case_action"],
            case=data.get("case"),
            subject=data.get("subject", ""),
        )

    form = WrapUpForm(request.POST, auto_id="wrap_%s", cases=cases)
    return _act(request, contact, form, action, done="Wrapped up. You are available.", queue=True)


@role_required(CASE_WORKERS)
@require_POST
def reply(request: AuthedHttpRequest, interaction_id: int) -> HttpResponse:
    contact = selectors.contact_get_for(user=request.user, interaction_id=interaction_id)
    cases = selectors.open_cases_for_contact(user=request.user, contact=contact)

    def action(data: dict) -> object:
        return case_services.case_reply(case=data["case"], by=request.user, text=data["text"])

    form = ReplyForm(request.POST, auto_id="reply_%s", cases=cases)
    return _act(request, contact, form, action, done="Reply sent.")


@role_required(CASE_WORKERS)
@require_POST
def escalate(request: AuthedHttpRequest, interaction_id: int) -> HttpResponse:
    contact = selectors.contact_get_for(user=request.user, interaction_id=interaction_id)
    cases = selectors.open_cases_for_contact(user=request.user, contact=contact)

    def action(data: dict) -> object:
        return case_services.case_escalate(
            case=data["case"],
            by=request.user,
            to_queue=data["to_queue"],
            reason=data["reason"],
            customer_needs=data["customer_needs"],
            tried=data["tried"],
            promised=data["promised"],
            to_agent=form.agent_chosen(),
            interaction=contact,
        )

    form = EscalateForm(request.POST, auto_id="esc_%s", cases=cases)
    return _act(request, contact, form, action, done="Escalated.", queue=True)
