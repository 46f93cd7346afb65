"""Batch runs and the settings that steer them (IDENTITY_STEWARDS).

- Runs: every search for duplicates over all customers with its state and counts; starting one
  (one at a time: a second while one runs is refused with a message); a run's live progress,
  which the queue and this page poll every second.
- Settings: the confidence at which a pair goes to review, and the one at which a batch run
  merges without review (empty: never)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme

from rapport.accounts.http import AuthedHttpRequest
from rapport.core.errors import ApplicationError
from rapport.core.pagination import paginate
from rapport.core.roles import IDENTITY_STEWARDS
from rapport.identity import forms as identity_forms
from rapport.identity.choices import FoundBy
from rapport.identity.selectors import runs as selectors
from rapport.identity.services import runs as services
from rapport.identity.services import settings as settings_services
from rapport.identity.views.shown import current_run
from rapport.ui.decorators import role_required
from rapport.ui.forms import show_refusal

PER_PAGE = 25


@role_required(IDENTITY_STEWARDS)
def run_list(request: AuthedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _run_start(request)
    run = current_run(user=request.user)
    context = {
        "page": paginate(request, selectors.runs_for(user=request.user), per_page=PER_PAGE),
        "run": run,
        "progress": selectors.run_progress(run) if run is not None else None,
        "engines": FoundBy.choices,
        "default_engine": FoundBy.SPLINK,
    }
    return render(request, "identity/runs.html", context)


def _run_start(request: AuthedHttpRequest) -> HttpResponse:
    form = identity_forms.RunStartForm(request.POST)
    back = "identity:runs"
    if not form.is_valid():
        problems = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(request, f"Not started: {problems}")
        return redirect(back)
    wanted = form.cleaned_data["next"]
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = wanted
    try:
        services.run_start(by=request.user, engine=form.cleaned_data["engine"] or FoundBy.SPLINK)
    except ApplicationError as exc:
        messages.error(request, f"Not started: {exc.message}")
    else:
        messages.success(
            request, "Looking for duplicates. The bar shows how far it is; you can leave the page."
        )
    return redirect(back)


@role_required(IDENTITY_STEWARDS)
def run_progress(request: AuthedHttpRequest, run_id: int) -> HttpResponse:
    """The progress bar of one run; htmx asks for it every second until the run ends."""
    run = selectors.run_get_for(user=request.user, run_id=run_id)
    context = {"run": run, "progress": selectors.run_progress(run)}
    template = "identity/partials/_run_progress.html" if request.htmx else "identity/run.html"
    return render(request, template, context)


@role_required(IDENTITY_STEWARDS)
def settings_edit(request: AuthedHttpRequest) -> HttpResponse:
    current = settings_services.identity_settings()
    form = identity_forms.SettingsForm(
        request.POST or None, initial=identity_forms.SettingsForm.initial_for(current)
    )
    if request.method == "POST" and form.is_valid():
        try:
            review_at, auto_merge_at = form.fractions()
            settings_services.identity_settings_update(
                by=request.user, review_at=review_at, auto_merge_at=auto_merge_at
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, "Settings saved. The next batch run uses them.")
            return redirect("identity:settings")
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "current": current}
    return render(request, "identity/settings.html", context, status=status)


urls = [
    path("settings/", settings_edit, name="settings"),
    path("runs/", run_list, name="runs"),
    path("runs/<int:run_id>/progress/", run_progress, name="run_progress"),
]
