"""Pages of feature-feedback polls.

* Answering (anyone signed in; the poll's audience decides): polls/ lists the open polls for me and
  the ones I answered; polls/<id>/ is the compact answer form. Over htmx the answer form posts
  back and gets `briefings/partials/_poll_card.html` (the thank-you state after success), so the
  same card works on this page and in the desktop's idle panel.
* Authoring (trainers, admins): polls/manage/ lists, creates and edits polls and their questions,
  opens and closes them.
* Results (supervisors, trainers, executives, admins): polls/results/ and polls/<id>/results/,
  with a streamed CSV export.
"""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from rapport.accounts.http import AuthedHttpRequest
from rapport.briefings.audience import audience_members, audience_summary
from rapport.briefings.choices import PollQuestionKind, PollStatus
from rapport.briefings.models import Poll
from rapport.briefings.poll_forms import (
    PollAnswerForm,
    PollFilterForm,
    PollForm,
    PollQuestionForm,
)
from rapport.briefings.selectors import polls as selectors
from rapport.briefings.services import polls as services
from rapport.core.errors import ApplicationError, NotFound
from rapport.core.pagination import paginate
from rapport.core.roles import POLL_AUTHORS, POLL_RESULT_READERS
from rapport.ui.decorators import role_required
from rapport.ui.forms import show_refusal


class _Echo:
    """A file-like object that hands back what is written: csv.writer into a streamed response."""

    def write(self, value: str) -> str:
        return value


# --- Answering -------------------------------------------------------------------------------------


def _card_context(poll: Poll, form: PollAnswerForm | None, *, done: bool = False, note: str = ""):
    target = form.target() if form is not None else "poll-card"
    return {
        "poll": poll,
        "form": form,
        "card_target": target,
        "done": done,
        "note": note,
        "question_count": len(poll.questions.all()),
    }


@login_required
def poll_list(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    waiting = selectors.polls_waiting_for(user=user, now=timezone.now())
    answered = paginate(request, selectors.polls_answered_by(user=user), per_page=20)
    context = {
        "waiting": waiting,
        "answered": answered,
        "can_author": selectors.is_poll_author(user),
        "can_read_results": selectors.is_result_reader(user),
    }
    return render(request, "briefings/polls.html", context)


@login_required
def poll_answer(request: AuthedHttpRequest, poll_id: int) -> HttpResponse:
    """GET shows the poll's form (or that it was answered); POST records the answers."""
    poll = selectors.poll_for(user=request.user, poll_id=poll_id)
    template = (
        "briefings/partials/_poll_card.html" if request.htmx else "briefings/poll_answer.html"
    )
    answered = selectors.poll_answered(user=request.user, poll=poll)
    accepting = selectors.poll_is_accepting(poll)
    if answered or not accepting:
        note = "You have already answered this poll." if answered else "This poll is closed."
        form = PollAnswerForm(
            request.POST or None,
            poll=poll,
            card_target=request.GET.get("card_target", "poll-card"),
        )
        status = 409 if request.method == "POST" and not request.htmx else 200
        context = _card_context(poll, form, done=True, note=note)
        return render(request, template, context, status=status)
    if request.method != "POST":
        form = PollAnswerForm(poll=poll, card_target=request.GET.get("card_target", "poll-card"))
        return render(request, template, _card_context(poll, form))
    form = PollAnswerForm(request.POST, poll=poll)
    status = 400
    if form.is_valid():
        try:
            services.poll_answer(
                poll=poll,
                respondent=request.user,
                data=form.answers(),
                seconds_taken=form.seconds_taken(),
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
            status = exc.status
        else:
            if not request.htmx:
                messages.success(request, "Thank you: your answers are in.")
                return redirect("briefings:polls")
            return render(request, template, _card_context(poll, form, done=True))
    # htmx swaps only 2xx answers; the form with its errors is the content of this one.
    return render(
        request, template, _card_context(poll, form), status=200 if request.htmx else status
    )


@login_required
def poll_mockup(request: AuthedHttpRequest, poll_id: int) -> HttpResponseBase:
    poll = selectors.poll_mockup_for(user=request.user, poll_id=poll_id)
    if not poll.mockup:
        raise NotFound("This poll has no mockup.")
    try:
        handle = poll.mockup.open("rb")
    except (FileNotFoundError, OSError):
        raise NotFound("The mockup image is missing.") from None
    response = FileResponse(handle)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- Authoring -------------------------------------------------------------------------------------


@role_required(POLL_AUTHORS)
def poll_manage(request: AuthedHttpRequest) -> HttpResponse:
    form = PollFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    polls = selectors.polls_for_authoring(
        user=request.user, search=(data.get("q") or "").strip(), status=data.get("status") or ""
    )
    page = paginate(request, polls, per_page=25)
    context = {
        "form": form,
        "page": page,
        "searched": any(value for key, value in request.GET.items() if key != "page"),
    }
    template = (
        "briefings/partials/_poll_manage_results.html"
        if request.htmx
        else "briefings/poll_manage.html"
    )
    return render(request, template, context)


@role_required(POLL_AUTHORS)
def poll_create(request: AuthedHttpRequest) -> HttpResponse:
    form = PollForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            poll = services.poll_create(by=request.user, **form.service_kwargs())
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, "Draft saved. Add its questions, then open it.")
            return redirect("briefings:poll_edit", poll.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "briefings/poll_form.html", {"form": form, "poll": None}, status=status)


def _edit_context(request, poll: Poll, *, form=None, question_form=None, edit_forms=None):
    questions = list(poll.questions.all())
    forms_by_id = edit_forms or {}
    for question in questions:
        question.edit_form = forms_by_id.get(question.pk) or PollQuestionForm(  # type: ignore[attr-defined]
            initial={
                "kind": question.kind,
                "text": question.text,
                "options": "\n".join(question.options or []),
                "required": question.required,
                "order": question.order,
            },
            auto_id=f"q{question.pk}_%s",
        )
    return {
        "poll": poll,
        "form": form or PollForm(poll=poll),
        "question_form": question_form or PollQuestionForm(auto_id="new_%s"),
        "questions": questions,
        "audience": audience_summary(poll),
        "audience_size": audience_members(poll).count(),
        "editable_questions": poll.status == PollStatus.DRAFT,
        "kinds": PollQuestionKind,
    }


@role_required(POLL_AUTHORS)
def poll_edit(request: AuthedHttpRequest, poll_id: int) -> HttpResponse:
    poll = selectors.poll_for_author(user=request.user, poll_id=poll_id)
    form = PollForm(request.POST or None, request.FILES or None, poll=poll)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.poll_update(
                    by=request.user,
                    poll=poll,
                    remove_mockup=bool(form.cleaned_data.get("remove_mockup")),
                    **form.service_kwargs(),
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
                status = exc.status
            else:
                messages.success(request, "Poll saved.")
                return redirect("briefings:poll_edit", poll.pk)
    context = _edit_context(request, poll, form=form)
    return render(request, "briefings/poll_form.html", context, status=status)


@role_required(POLL_AUTHORS)
@require_POST
def poll_question_add(request: AuthedHttpRequest, poll_id: int) -> HttpResponse:
    poll = selectors.poll_for_author(user=request.user, poll_id=poll_id)
    form = PollQuestionForm(request.POST, auto_id="new_%s")
    status = 400
    if form.is_valid():
        try:
            services.poll_question_add(by=request.user, poll=poll, **form.service_kwargs())
        except ApplicationError as exc:
            show_refusal(form, exc)
            status = exc.status
        else:
            messages.success(request, "Question added.")
            return redirect("briefings:poll_edit", poll.pk)
    poll = selectors.poll_for_author(user=request.user, poll_id=poll_id)
    context = _edit_context(request, poll, question_form=form)
    return render(request, "briefings/poll_form.html", context, status=status)


@role_required(POLL_AUTHORS)
@require_POST
def poll_question_edit(request: AuthedHttpRequest, poll_id: int, question_id: int) -> HttpResponse:
    poll = selectors.poll_for_author(user=request.user, poll_id=poll_id)
    question = selectors.question_for_author(user=request.user, poll=poll, question_id=question_id)
    form = PollQuestionForm(request.POST, auto_id=f"q{question.pk}_%s")
    status = 400
    if form.is_valid():
        order = form.cleaned_data.get("order")
        try:
            services.poll_question_update(
                by=request.user,
                question=question,
                order=question.order if order is None else order,
                **form.service_kwargs(),
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
            status = exc.status
        else:
            messages.success(request, "Question saved.")
            return redirect("briefings:poll_edit", poll.pk)
    poll = selectors.poll_for_author(user=request.user, poll_id=poll_id)
    context = _edit_context(request, poll, edit_forms={question.pk: form})
    return render(request, "briefings/poll_form.html", context, status=status)


@role_required(POLL_AUTHORS)
@require_POST
def poll_question_delete(
    request: AuthedHttpRequest, poll_id: int, question_id: int
) -> HttpResponse:
    poll = selectors.poll_for_author(user=request.user, poll_id=poll_id)
    question = selectors.question_for_author(user=request.user, poll=poll, question_id=question_id)
    try:
        services.poll_question_delete(by=request.user, question=question)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Question removed.")
    return redirect("briefings:poll_edit", poll.pk)


def _transition(request: AuthedHttpRequest, poll_id: int, action: str) -> HttpResponse:
    poll = selectors.poll_for_author(user=request.user, poll_id=poll_id)
    call = services.poll_open if action == "open" else services.poll_close
    try:
        call(by=request.user, poll=poll)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        done = "Poll opened: its audience can answer now." if action == "open" else "Poll closed."
        messages.success(request, done)
    return redirect("briefings:poll_edit", poll.pk)


@role_required(POLL_AUTHORS)
@require_POST
def poll_open(request: AuthedHttpRequest, poll_id: int) -> HttpResponse:
    return _transition(request, poll_id, "open")


@role_required(POLL_AUTHORS)
@require_POST
def poll_close(request: AuthedHttpRequest, poll_id: int) -> HttpResponse:
    return _transition(request, poll_id, "close")


# --- Results ---------------------------------------------------------------------------------------


@role_required(POLL_RESULT_READERS)
def poll_results_list(request: AuthedHttpRequest) -> HttpResponse:
    page = paginate(request, selectors.polls_with_results_for(user=request.user), per_page=25)
    return render(request, "briefings/poll_results_list.html", {"page": page})


def _chart_data(results: selectors.PollResults) -> dict:
    """Per question and breakdown: the bars a chart draws (the page's tables hold the same)."""
    charts: dict[str, dict] = {}
    for item in results.questions:
        if item.kind == PollQuestionKind.TEXT:
            continue
        for breakdown, groups in (("team", item.by_team), ("role", item.by_role)):
            labels = [group.label for group in groups]
            if item.kind == PollQuestionKind.RATING:
                series = [
                    {
                        "label": "Mean rating",
                        "values": [_num(g.mean.value if g.mean else None) for g in groups],
                    }
                ]
                kind = "rating"
            else:
                options = item.question.options or []
                series = [
                    {
                        "label": option,
                        "values": [_share(g, index) for g in groups],
                    }
                    for index, option in enumerate(options)
                ]
                kind = "choice"
            charts[f"q{item.question.pk}-{breakdown}"] = {
                "kind": kind,
                "labels": labels,
                "series": series,
                "n": [group.n for group in groups],
            }
    return charts


def _num(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _share(group: selectors.GroupFigures, index: int) -> float | None:
    if index >= len(group.choices):
        return None
    value = group.choices[index][2].value
    return None if value is None else round(value * 100, 1)


@role_required(POLL_RESULT_READERS)
def poll_results(request: AuthedHttpRequest, poll_id: int) -> HttpResponse:
    results = selectors.poll_results_for(user=request.user, poll_id=poll_id)
    context = {
        "results": results,
        "poll": results.poll,
        "charts": _chart_data(results) if results.enough else {},
        "scale": list(selectors.rating_scale()),
    }
    return render(request, "briefings/poll_results.html", context)


@role_required(POLL_RESULT_READERS)
def poll_export(request: AuthedHttpRequest, poll_id: int) -> HttpResponseBase:
    poll = selectors.poll_results_poll(user=request.user, poll_id=poll_id)
    rows = services.poll_results_export(by=request.user, poll=poll)
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="poll-{poll.pk}-answers.csv"'
    return response


urls = [
    path("polls/", poll_list, name="polls"),
    path("polls/manage/", poll_manage, name="poll_manage"),
    path("polls/manage/new/", poll_create, name="poll_create"),
    path("polls/manage/<int:poll_id>/", poll_edit, name="poll_edit"),
    path("polls/manage/<int:poll_id>/open/", poll_open, name="poll_open"),
    path("polls/manage/<int:poll_id>/close/", poll_close, name="poll_close"),
    path(
        "polls/manage/<int:poll_id>/questions/",
        poll_question_add,
        name="poll_question_add",
    ),
    path(
        "polls/manage/<int:poll_id>/questions/<int:question_id>/",
        poll_question_edit,
        name="poll_question_edit",
    ),
    path(
        "polls/manage/<int:poll_id>/questions/<int:question_id>/delete/",
        poll_question_delete,
        name="poll_question_delete",
    ),
    path("polls/results/", poll_results_list, name="poll_results_list"),
    path("polls/<int:poll_id>/", poll_answer, name="poll_answer"),
    path("polls/<int:poll_id>/mockup", poll_mockup, name="poll_mockup"),
    path("polls/<int:poll_id>/results/", poll_results, name="poll_results"),
    path("polls/<int:poll_id>/results.csv", poll_export, name="poll_export"),
]
