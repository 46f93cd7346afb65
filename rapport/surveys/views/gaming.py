"""Gaming flags for QA review: the list, one flag with its evidence, the review, running the checks."""

import datetime

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from rapport.accounts.http import AuthedHttpRequest
from rapport.core.errors import ApplicationError
from rapport.core.pagination import paginate
from rapport.core.roles import CONVERSATION_READERS, GAMING_REVIEWERS, has_any_role
from rapport.surveys.choices import FlagState, GamingCheck
from rapport.surveys.models import GamingFlag
from rapport.surveys.selectors import gaming as selectors
from rapport.surveys.selectors.reports import period_check
from rapport.surveys.services import gaming as services
from rapport.ui.decorators import role_required
from rapport.ui.forms import show_refusal

_SELECT = {"class": "form-select"}
_DATE = {"type": "date", "class": "form-control"}


class FilterForm(forms.Form):
    state = forms.ChoiceField(
        choices=[("", "Any state"), *FlagState.choices],
        required=False,
        widget=forms.Select(_SELECT),
    )
    kind = forms.ChoiceField(
        label="Check",
        choices=[("", "Any check"), *GamingCheck.choices],
        required=False,
        widget=forms.Select(_SELECT),
    )
    agent = forms.TypedChoiceField(
        coerce=int, choices=[], required=False, empty_value=None, widget=forms.Select(_SELECT)
    )

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        agents = selectors.flagged_agents(viewer)
        self.fields["agent"].choices = [("", "Any agent"), *agents]  # type: ignore[attr-defined]


class RunForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(_DATE))
    end = forms.DateField(label="To", widget=forms.DateInput(_DATE))

    def clean(self):
        data = super().clean() or {}
        try:
            if data.get("start") and data.get("end"):
                period_check(data["start"], data["end"])
        except ApplicationError as exc:
            show_refusal(self, exc)
        return data


class ReviewForm(forms.Form):
    state = forms.ChoiceField(
        label="Decision",
        choices=[
            (FlagState.CONFIRMED, "Confirm: this is gaming"),
            (FlagState.DISMISSED, "Dismiss"),
        ],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    note = forms.CharField(
        label="Why",
        max_length=services.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text="Kept with the review; the agent's supervisor may be told.",
    )


def _run_form() -> RunForm:
    today = timezone.localdate()
    return RunForm(initial={"start": today - datetime.timedelta(days=27), "end": today})


def _list_context(request: AuthedHttpRequest, run_form: RunForm) -> dict:
    filters = FilterForm(request.GET, viewer=request.user)
    data = filters.cleaned_data if filters.is_valid() else {}
    flags = selectors.flags_for(
        request.user,
        state=data.get("state") or None,
        kind=data.get("kind") or None,
        agent_id=data.get("agent"),
    )
    return {"filters": filters, "page": paginate(request, flags, per_page=25), "run_form": run_form}


@role_required(GAMING_REVIEWERS)
def flag_list(request: AuthedHttpRequest) -> HttpResponse:
    return render(request, "surveys/gaming/list.html", _list_context(request, _run_form()))


@role_required(GAMING_REVIEWERS)
@require_POST
def checks_run(request: AuthedHttpRequest) -> HttpResponse:
    """The checks are aggregate queries over the period: they run in the request."""
    form = RunForm(request.POST)
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        try:
            flags = services.gaming_checks_run(start=start, end=end, by=request.user)
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(
                request, f"Checks run for {start:%d %b %Y} – {end:%d %b %Y}: {len(flags)} flag(s)."
            )
            return redirect("surveys:gaming")
    return render(request, "surveys/gaming/list.html", _list_context(request, form), status=400)


def evidence_items(flag: GamingFlag, *, links: bool) -> list[dict]:
    """The flag's evidence as labelled lines, ids linked to the contacts where the reader may see
    conversations."""
    evidence = flag.evidence or {}
    responses = selectors.response_contacts(_ids(evidence, "response_ids"))
    draws = selectors.draw_contacts(_ids(evidence, "draw_ids"))
    items: list[dict] = []
    _walk(evidence, "", items, responses, draws, links)
    return items


def _ids(value, key: str) -> list[int]:
    found: list[int] = []
    if isinstance(value, dict):
        for name, inner in value.items():
            if name == key and isinstance(inner, list):
                found += [i for i in inner if isinstance(i, int)]
            else:
                found += _ids(inner, key)
    elif isinstance(value, list):
        for inner in value:
            found += _ids(inner, key)
    return found


def _contact(interaction_id: int | None, text: str, links: bool) -> dict:
    url = reverse("interactions:detail", args=[interaction_id]) if links and interaction_id else ""
    return {"text": text, "url": url}


def _walk(value, label: str, items: list, responses: dict, draws: dict, links: bool) -> None:
    if isinstance(value, dict):
        if "message_id" in value:
            phrases = ", ".join(value.get("phrases", []))
            item = _contact(value.get("interaction_id"), f"message {value['message_id']}", links)
            items.append({"label": label, "text": f"“{phrases}”", "links": [item]})
            return
        for name, inner in value.items():
            _walk(inner, f"{label} · {name}" if label else name, items, responses, draws, links)
    elif isinstance(value, list) and value and all(isinstance(i, int) for i in value):
        items.append(
            {"label": label, "text": "", "links": _id_links(label, value, responses, draws, links)}
        )
    elif isinstance(value, list):
        for inner in value:
            _walk(inner, label, items, responses, draws, links)
    else:
        items.append({"label": label, "text": str(value), "links": []})


def _id_links(label: str, ids: list[int], responses: dict, draws: dict, links: bool) -> list[dict]:
    if label.endswith("response_ids") or label.endswith("low_score_positive_words_ids"):
        return [_contact(responses.get(i), f"response {i}", links) for i in ids]
    if label.endswith("draw_ids") or label.endswith("unverified_draws"):
        return [_contact(draws.get(i), f"draw {i}", links) for i in ids]
    if label.endswith("interaction_ids"):
        return [_contact(i, f"contact {i}", links) for i in ids]
    return [{"text": str(i), "url": ""} for i in ids]


def _detail_context(request: AuthedHttpRequest, flag: GamingFlag, form: ReviewForm) -> dict:
    links = has_any_role(request.user, CONVERSATION_READERS)
    return {"flag": flag, "items": evidence_items(flag, links=links), "form": form}


@role_required(GAMING_REVIEWERS)
def flag_detail(request: AuthedHttpRequest, flag_id: int) -> HttpResponse:
    flag = selectors.flag_get_for(request.user, flag_id=flag_id)
    if request.method == "POST":
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                services.gaming_flag_review(
                    flag=flag,
                    by=request.user,
                    state=form.cleaned_data["state"],
                    note=form.cleaned_data["note"],
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, "Review saved.")
                return redirect("surveys:gaming_flag", flag.pk)
        context = _detail_context(request, flag, form)
        return render(request, "surveys/gaming/detail.html", context, status=400)
    form = ReviewForm(initial={"state": flag.state, "note": flag.review_note})
    return render(request, "surveys/gaming/detail.html", _detail_context(request, flag, form))


urls = [
    path("gaming/", flag_list, name="gaming"),
    path("gaming/run/", checks_run, name="gaming_run"),
    path("gaming/<int:flag_id>/", flag_detail, name="gaming_flag"),
]
