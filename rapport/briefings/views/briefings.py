"""Briefing pages.

Readers: "My briefings" (to do and done) and a briefing's page, where opening, acknowledging and
the check are recorded. The card on that page (partials/_briefing_card.html) is also embedded by
the desktop's idle panel: its forms post with htmx and get the card back, swapped in place.

Authors (trainers, supervisors, admins): the list of briefings they manage, writing a draft with
its attachments and check, publishing, archiving. Figures: the dashboard (opened and understood
by team, who is behind, overdue ones raised to a supervisor) and a briefing's report with the
adoption of the QA criterion it names.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from rapport.accounts.http import AuthedHttpRequest
from rapport.briefings.audience import audience_members, audience_summary
from rapport.briefings.checks import CheckResult, answers_from_post
from rapport.briefings.choices import BriefingStatus
from rapport.briefings.form_parts import card_target_of
from rapport.briefings.forms import AttachmentForm, BriefingForm, ManageFilterForm, QuestionForm
from rapport.briefings.models import Briefing, BriefingDelivery
from rapport.briefings.selectors import briefings as selectors
from rapport.briefings.services import briefings as services
from rapport.core.errors import ApplicationError, NotFound
from rapport.core.pagination import paginate
from rapport.core.roles import BRIEFING_AUTHORS
from rapport.ui.decorators import role_required
from rapport.ui.forms import show_refusal
from rapport.ui.markdown import render_markdown

CARD_TARGET = "briefing-card"


def _card_target(request: AuthedHttpRequest) -> str:
    return card_target_of(request, CARD_TARGET)


def card_context(
    *, delivery: BriefingDelivery, result: CheckResult | None = None, card_target: str = CARD_TARGET
) -> dict[str, Any]:
    """What partials/_briefing_card.html needs beyond `delivery`, `result` and `card_target`."""
    briefing = delivery.briefing
    questions = selectors.questions_of(briefing)
    return {
        "delivery": delivery,
        "briefing": briefing,
        "result": result,
        "card_target": card_target,
        "questions": questions,
        "attachments": selectors.attachments_of(briefing),
        "overdue": selectors.is_overdue(delivery),
        "is_open": briefing.status == BriefingStatus.PUBLISHED,
    }


# --- Readers ---------------------------------------------------------------------------------------


@login_required
def mine(request: AuthedHttpRequest) -> HttpResponse:
    todo, done = selectors.my_briefings(user=request.user)
    now = timezone.now()
    return render(
        request,
        "briefings/briefing_mine.html",
        {"todo": todo, "done": done[:50], "done_count": len(done), "now": now},
    )


@login_required
def read(request: AuthedHttpRequest, briefing_id: int) -> HttpResponse:
    delivery = selectors.delivery_for(user=request.user, briefing_id=briefing_id)
    services.delivery_open(delivery=delivery)
    context = card_context(delivery=delivery, card_target=_card_target(request))
    template = (
        "briefings/partials/_briefing_card.html" if request.htmx else "briefings/briefing_read.html"
    )
    return render(request, template, context)


def _card_response(
    request: AuthedHttpRequest,
    delivery: BriefingDelivery,
    result: CheckResult | None,
    status: int = 200,
) -> HttpResponse:
    context = card_context(delivery=delivery, result=result, card_target=_card_target(request))
    template = (
        "briefings/partials/_briefing_card.html" if request.htmx else "briefings/briefing_read.html"
    )
    return render(request, template, context, status=status)


def _refused(request: AuthedHttpRequest, delivery: BriefingDelivery, exc: ApplicationError):
    if request.htmx:
        context = card_context(delivery=delivery, card_target=_card_target(request))
        context["refusal"] = exc.message
        return render(request, "briefings/partials/_briefing_card.html", context)
    messages.error(request, exc.message)
    return redirect("briefings:read", delivery.briefing_id)


@require_POST
@login_required
def acknowledge(request: AuthedHttpRequest, briefing_id: int) -> HttpResponse:
    delivery = selectors.delivery_for(user=request.user, briefing_id=briefing_id)
    try:
        services.delivery_acknowledge(delivery=delivery)
    except ApplicationError as exc:
        return _refused(request, delivery, exc)
    if request.htmx:
        return _card_response(request, delivery, None)
    messages.success(request, "Thank you: acknowledged.")
    return redirect("briefings:read", briefing_id)


@require_POST
@login_required
def check(request: AuthedHttpRequest, briefing_id: int) -> HttpResponse:
    delivery = selectors.delivery_for(user=request.user, briefing_id=briefing_id)
    question_ids = [question.pk for question in selectors.questions_of(delivery.briefing)]
    answers = answers_from_post(request.POST, question_ids)
    try:
        result = services.check_submit(delivery=delivery, answers=answers)
    except ApplicationError as exc:
        return _refused(request, delivery, exc)
    return _card_response(request, delivery, result)


@login_required
def attachment(request: AuthedHttpRequest, attachment_id: int) -> FileResponse:
    """An attachment, to those who may read its briefing; images inline, other files saved."""
    found = selectors.attachment_get_for(user=request.user, attachment_id=attachment_id)
    response = FileResponse(
        found.file.open("rb"),
        content_type=found.content_type,
        as_attachment=not found.is_image,
        filename=found.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- Authors ---------------------------------------------------------------------------------------


@role_required(BRIEFING_AUTHORS)
def manage(request: AuthedHttpRequest) -> HttpResponse:
    form = ManageFilterForm(request.GET or None)
    query = status = ""
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
        status = form.cleaned_data["status"]
    rows = selectors.briefings_manage_list(user=request.user, query=query, status=status)
    context = {"form": form, "page": paginate(request, rows), "searched": bool(query or status)}
    template = (
        "briefings/partials/_briefing_manage_rows.html"
        if request.htmx
        else "briefings/briefing_manage.html"
    )
    return render(request, template, context)


@role_required(BRIEFING_AUTHORS)
@require_http_methods(["GET", "POST"])
def create(request: AuthedHttpRequest) -> HttpResponse:
    form = BriefingForm(request.POST or None, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            briefing = services.briefing_create(by=request.user, **form.service_kwargs())
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, "Draft saved. Add attachments and a check, then publish.")
            return redirect("briefings:edit", briefing.pk)
    status = 400 if form.errors else 200
    return render(request, "briefings/briefing_form.html", {"form": form}, status=status)


def _editor_context(request: AuthedHttpRequest, briefing: Briefing, **extra) -> dict[str, Any]:
    context: dict[str, Any] = {
        "briefing": briefing,
        "attachments": selectors.attachments_of(briefing),
        "questions": selectors.questions_of(briefing),
        "audience": audience_summary(briefing),
        "reach": audience_members(briefing).count(),
        "is_draft": briefing.status == BriefingStatus.DRAFT,
        "attachment_form": AttachmentForm(),
        "question_form": QuestionForm(),
    }
    if "form" not in extra and briefing.status == BriefingStatus.DRAFT:
        context["form"] = BriefingForm(
            initial=BriefingForm.initial_from(briefing), viewer=request.user
        )
    context.update(extra)
    return context


@role_required(BRIEFING_AUTHORS)
@require_http_methods(["GET", "POST"])
def edit(request: AuthedHttpRequest, briefing_id: int) -> HttpResponse:
    briefing = selectors.briefing_get_for_author(user=request.user, briefing_id=briefing_id)
    if request.method == "POST":
        form = BriefingForm(request.POST, viewer=request.user)
        if form.is_valid():
            try:
                services.briefing_update(
                    by=request.user, briefing=briefing, **form.service_kwargs()
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, "Saved.")
                return redirect("briefings:edit", briefing.pk)
        context = _editor_context(request, briefing, form=form)
        return render(request, "briefings/briefing_edit.html", context, status=400)
    return render(request, "briefings/briefing_edit.html", _editor_context(request, briefing))


@role_required(BRIEFING_AUTHORS)
@require_POST
def preview(request: AuthedHttpRequest) -> HttpResponse:
    """The body as readers will see it (markdown made safe)."""
    body = request.POST.get("body", "")[: services.BODY_MAX]
    html = render_markdown(body) or '<p class="text-body-secondary">Nothing to show yet.</p>'
    return HttpResponse(html)


def _author_action(request: AuthedHttpRequest, briefing: Briefing, **extra) -> HttpResponse:
    return render(
        request,
        "briefings/briefing_edit.html",
        _editor_context(request, briefing, **extra),
        status=400,
    )


@role_required(BRIEFING_AUTHORS)
@require_POST
def attachment_add(request: AuthedHttpRequest, briefing_id: int) -> HttpResponse:
    briefing = selectors.briefing_get_for_author(user=request.user, briefing_id=briefing_id)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(
                by=request.user, briefing=briefing, upload=form.cleaned_data["file"]
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, "File attached.")
            return redirect(reverse("briefings:edit", args=[briefing.pk]) + "#attachments")
    return _author_action(request, briefing, attachment_form=form)


@role_required(BRIEFING_AUTHORS)
@require_POST
def attachment_remove(request: AuthedHttpRequest, briefing_id: int, attachment_id: int):
    briefing = selectors.briefing_get_for_author(user=request.user, briefing_id=briefing_id)
    found = briefing.attachments.filter(pk=min(attachment_id, selectors.MAX_ID)).first()
    if found is None:
        raise NotFound("No such file.")
    services.attachment_remove(by=request.user, attachment=found)
    messages.success(request, "File removed.")
    return redirect(reverse("briefings:edit", args=[briefing.pk]) + "#attachments")


@role_required(BRIEFING_AUTHORS)
@require_POST
def question_add(request: AuthedHttpRequest, briefing_id: int) -> HttpResponse:
    briefing = selectors.briefing_get_for_author(user=request.user, briefing_id=briefing_id)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.question_add(
                by=request.user,
                briefing=briefing,
                text=form.cleaned_data["text"],
                explanation=form.cleaned_data["explanation"],
                choices=form.choices(),
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Question added.")
            return redirect(reverse("briefings:edit", args=[briefing.pk]) + "#questions")
    return _author_action(request, briefing, question_form=form)


@role_required(BRIEFING_AUTHORS)
@require_POST
def question_remove(request: AuthedHttpRequest, briefing_id: int, question_id: int):
    briefing = selectors.briefing_get_for_author(user=request.user, briefing_id=briefing_id)
    found = briefing.questions.filter(pk=min(question_id, selectors.MAX_ID)).first()
    if found is None:
        raise NotFound("No such question.")
    services.question_remove(by=request.user, question=found)
    messages.success(request, "Question removed.")
    return redirect(reverse("briefings:edit", args=[briefing.pk]) + "#questions")


def _lifecycle(request: AuthedHttpRequest, briefing_id: int, action) -> HttpResponse:
    briefing = selectors.briefing_get_for_author(user=request.user, briefing_id=briefing_id)
    try:
        done = action(briefing)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("briefings:edit", briefing.pk)


@role_required(BRIEFING_AUTHORS)
@require_POST
def publish(request: AuthedHttpRequest, briefing_id: int) -> HttpResponse:
    def act(briefing: Briefing) -> str:
        made = services.briefing_publish(by=request.user, briefing=briefing)
        return f"Published to {made} {'person' if made == 1 else 'people'}."

    return _lifecycle(request, briefing_id, act)


@role_required(BRIEFING_AUTHORS)
@require_POST
def archive(request: AuthedHttpRequest, briefing_id: int) -> HttpResponse:
    def act(briefing: Briefing) -> str:
        services.briefing_archive(by=request.user, briefing=briefing)
        return "Archived: nobody is asked for it any more; what people did stays."

    return _lifecycle(request, briefing_id, act)


@role_required(BRIEFING_AUTHORS)
@require_POST
def delete(request: AuthedHttpRequest, briefing_id: int) -> HttpResponse:
    briefing = selectors.briefing_get_for_author(user=request.user, briefing_id=briefing_id)
    try:
        services.briefing_delete(by=request.user, briefing=briefing)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("briefings:edit", briefing.pk)
    messages.success(request, "Draft deleted.")
    return redirect("briefings:manage")


# --- Figures ---------------------------------------------------------------------------------------


def _chart(figures) -> dict[str, Any]:
    return {
        "labels": [figure.briefing.title[:40] for figure in figures],
        "opened": [round(figure.total.opened_pct or 0, 1) for figure in figures],
        "understood": [round(figure.total.understood_pct or 0, 1) for figure in figures],
    }


DASHBOARD_PAGE = 20
BEHIND_SHOWN = 100
REPORT_BEHIND_SHOWN = 200


def _behind_context(
    user, now, *, briefing: Briefing | None = None, limit: int | None = None
) -> dict[str, Any]:
    limit = limit or (REPORT_BEHIND_SHOWN if briefing is not None else BEHIND_SHOWN)
    behind = selectors.behind_for(user=user, now=now, briefing=briefing, limit=limit)
    # Counted only when the list is cut short: the page says how many more there are.
    total = selectors.behind_count(user=user, briefing=briefing) if len(behind) >= limit else 0
    return {"behind": behind, "behind_more": max(total - len(behind), 0)}


@role_required(BRIEFING_AUTHORS)
def dashboard(request: AuthedHttpRequest) -> HttpResponse:
    now = timezone.now()
    page = paginate(
        request, selectors.dashboard_briefings(user=request.user), per_page=DASHBOARD_PAGE
    )
    figures = selectors.figures_for(user=request.user, briefings=list(page.object_list), now=now)
    context = {
        "page": page,
        "figures": figures,
        "chart": _chart(figures),
        **_behind_context(request.user, now),
        "raised": selectors.overdue_raised_to(user=request.user),
        "now": now,
    }
    return render(request, "briefings/briefing_dashboard.html", context)


@role_required(BRIEFING_AUTHORS)
def report(request: AuthedHttpRequest, briefing_id: int) -> HttpResponse:
    now = timezone.now()
    briefing = selectors.report_briefing_for(user=request.user, briefing_id=briefing_id)
    figures = selectors.report_for(user=request.user, briefing=briefing, now=now)
    adoption = selectors.adoption_for(user=request.user, briefing=briefing, now=now)
    chart = {
        "labels": [team.label for team in figures.teams],
        "opened": [round(team.opened_pct or 0, 1) for team in figures.teams],
        "understood": [round(team.understood_pct or 0, 1) for team in figures.teams],
    }
    context = {
        "briefing": briefing,
        "figures": figures,
        "chart": chart,
        **_behind_context(request.user, now, briefing=briefing),
        "adoption": adoption,
        "adoption_rows": [("Before", adoption.before), ("After", adoption.after)]
        if adoption
        else [],
        # A supervisor's view covers their teams: the audience in full could name others.
        "audience": audience_summary(briefing)
        if selectors.sees_everything(request.user)
        else "as its author chose it; the figures cover your teams",
        "now": now,
    }
    return render(request, "briefings/briefing_report.html", context)


urls = [
    path("", mine, name="mine"),
    path("<int:briefing_id>/", read, name="read"),
    path("<int:briefing_id>/acknowledge/", acknowledge, name="acknowledge"),
    path("<int:briefing_id>/check/", check, name="check"),
    path("files/<int:attachment_id>/", attachment, name="attachment"),
    path("manage/", manage, name="manage"),
    path("manage/new/", create, name="create"),
    path("manage/preview/", preview, name="preview"),
    path("manage/<int:briefing_id>/", edit, name="edit"),
    path("manage/<int:briefing_id>/files/", attachment_add, name="attachment_add"),
    path(
        "manage/<int:briefing_id>/files/<int:attachment_id>/remove/",
        attachment_remove,
        name="attachment_remove",
    ),
    path("manage/<int:briefing_id>/questions/", question_add, name="question_add"),
    path(
        "manage/<int:briefing_id>/questions/<int:question_id>/remove/",
        question_remove,
        name="question_remove",
    ),
    path("manage/<int:briefing_id>/publish/", publish, name="publish"),
    path("manage/<int:briefing_id>/archive/", archive, name="archive"),
    path("manage/<int:briefing_id>/delete/", delete, name="delete"),
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/<int:briefing_id>/", report, name="report"),
]
