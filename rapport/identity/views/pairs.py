"""The duplicate review queue and the side-by-side comparison of one pair (IDENTITY_STEWARDS).

- The queue: pairs by score, searchable by name, filtered by status; the current batch run's
  live progress and a button to start one.
- A pair: both records field by field with how alike each field is and what it added to the
  score, their contact points, households, products and history; merge (choosing the record that
  stays) or "not the same customer". Either action moves on to the next pair waiting."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from rapport.accounts.http import AuthedHttpRequest
from rapport.core.errors import ApplicationError
from rapport.core.pagination import paginate
from rapport.core.roles import IDENTITY_STEWARDS
from rapport.identity import forms as identity_forms
from rapport.identity.choices import PairStatus
from rapport.identity.models import CustomerMerge, MatchPair
from rapport.identity.selectors import merges as merge_selectors
from rapport.identity.selectors import pairs as selectors
from rapport.identity.selectors import runs as run_selectors
from rapport.identity.services import pairs as services
from rapport.identity.views.shown import current_run, pair_shown, reasons_of, survivor_labels
from rapport.ui.decorators import role_required

PER_PAGE = 25


@role_required(IDENTITY_STEWARDS)
def queue(request: AuthedHttpRequest) -> HttpResponse:
    form = identity_forms.QueueFilterForm(request.GET or None)
    status = 200
    if form.is_bound and not form.is_valid():
        rows = MatchPair.objects.none()
        status = 200 if request.htmx else 400
    else:
        data = form.cleaned_data if form.is_bound else {}
        wanted = form.status_wanted() if form.is_bound else PairStatus.OPEN
        rows = selectors.pairs_for(
            user=request.user,
            status="" if wanted == identity_forms.ALL_STATUSES else wanted,
            search=data.get("q") or "",
        )
    page = paginate(request, rows, per_page=PER_PAGE)
    for pair in page.object_list:
        pair.reasons = reasons_of(pair)
    run = current_run(user=request.user)
    context = {
        "form": form,
        "page": page,
        "searched": any(v for k, v in request.GET.items() if k != "page"),
        "run": run,
        "progress": run_selectors.run_progress(run) if run is not None else None,
    }
    template = "identity/partials/_queue_results.html" if request.htmx else "identity/queue.html"
    return render(request, template, context, status=status)


@role_required(IDENTITY_STEWARDS)
def pair_detail(request: AuthedHttpRequest, pair_id: int) -> HttpResponse:
    found = selectors.pair_get_for(user=request.user, pair_id=pair_id)
    return _pair_page(request, found)


def _pair_page(
    request: AuthedHttpRequest, pair: MatchPair, *, merge_form=None, dismiss_form=None, status=200
) -> HttpResponse:
    shown = pair_shown(pair, user=request.user)
    labels = survivor_labels(pair, shown)
    if merge_form is None:
        merge_form = identity_forms.MergeForm(
            pair=pair, labels=labels, initial={"survivor": services.survivor_default(pair).pk}
        )
    else:
        merge_form.fields["survivor"].choices = [(pk, text) for pk, text in labels.items()]
    context = {
        "pair": pair,
        "shown": shown,
        "merge_form": merge_form,
        "dismiss_form": dismiss_form or identity_forms.DismissForm(),
        "can_merge": pair.status != PairStatus.MERGED,
        "can_dismiss": pair.status not in (PairStatus.MERGED, PairStatus.DISMISSED),
        "merge": _standing_merge(request, pair),
        "next_pair": _next_open(request, pair),
    }
    return render(request, "identity/pair.html", context, status=status)


def _standing_merge(request: AuthedHttpRequest, pair: MatchPair) -> CustomerMerge | None:
    """The merge a merged pair can be undone by."""
    if pair.status != PairStatus.MERGED:
        return None
    return merge_selectors.merges_for(user=request.user, undone=False).filter(pair=pair).first()


def _next_open(request: AuthedHttpRequest, after: MatchPair) -> MatchPair | None:
    return (
        selectors.pairs_for(user=request.user, status=PairStatus.OPEN).exclude(pk=after.pk).first()
    )


def _onwards(request: AuthedHttpRequest, pair: MatchPair) -> HttpResponse:
    """After a decision: the next pair waiting, or the queue when none is left."""
    following = _next_open(request, pair)
    if following is None:
        return redirect("identity:queue")
    return redirect("identity:pair", following.pk)


@require_POST
@role_required(IDENTITY_STEWARDS)
def pair_merge(request: AuthedHttpRequest, pair_id: int) -> HttpResponse:
    found = selectors.pair_get_for(user=request.user, pair_id=pair_id)
    form = identity_forms.MergeForm(request.POST, pair=found)
    status = 400
    if form.is_valid():
        try:
            merge = services.pair_merge(
                pair=found, by=request.user, survivor_id=form.cleaned_data["survivor"]
            )
        except ApplicationError as exc:
            messages.error(request, f"Not merged: {exc.message}")
            status = exc.status
        else:
            messages.success(
                request,
                f"Merged {merge.merged} into {merge.survivor}. Undo it from Merges if it was wrong.",
            )
            return _onwards(request, found)
    # Read again: a refused merge may have found the pair changed by someone else.
    found = selectors.pair_get_for(user=request.user, pair_id=pair_id)
    return _pair_page(request, found, merge_form=form, status=status)


@require_POST
@role_required(IDENTITY_STEWARDS)
def pair_dismiss(request: AuthedHttpRequest, pair_id: int) -> HttpResponse:
    found = selectors.pair_get_for(user=request.user, pair_id=pair_id)
    form = identity_forms.DismissForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.pair_dismiss(pair=found, by=request.user, note=form.cleaned_data["note"])
        except ApplicationError as exc:
            messages.error(request, f"Not changed: {exc.message}")
            status = exc.status
        else:
            messages.success(
                request, f"{found.left} and {found.right} are kept apart as different customers."
            )
            return _onwards(request, found)
    found = selectors.pair_get_for(user=request.user, pair_id=pair_id)
    return _pair_page(request, found, dismiss_form=form, status=status)


urls = [
    path("", queue, name="queue"),
    path("pairs/<int:pair_id>/", pair_detail, name="pair"),
    path("pairs/<int:pair_id>/merge/", pair_merge, name="merge"),
    path("pairs/<int:pair_id>/dismiss/", pair_dismiss, name="dismiss"),
]
