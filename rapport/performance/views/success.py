"""The success definition (its versions, drafts, publishing, comparing two versions) and the
measurement settings behind every figure.

Everyone signed in reads both: they are the documented choices every number rests on. Only
admins draft, publish or discard a version and change the settings.
"""

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from rapport.access.choices import Channel
from rapport.accounts.http import AuthedHttpRequest
from rapport.core.errors import ApplicationError, Conflict
from rapport.core.pagination import paginate
from rapport.core.roles import Role, is_admin
from rapport.performance import rollups
from rapport.performance import selectors as performance_selectors
from rapport.performance.models import MeasurementSettings, SuccessDefinition
from rapport.performance.selectors import success as selectors
from rapport.performance.services import measures
from rapport.performance.services import success as services
from rapport.ui.decorators import role_required
from rapport.ui.forms import StyledFormMixin, show_refusal

EVERYONE = frozenset(Role.values)
ADMINS = frozenset({Role.ADMIN})
TEMPLATES = "performance/success/"
DEFAULT_WEEKS = 8
MAX_DAYS = 3 * 366


# --- Forms ----------------------------------------------------------------------------------------


class PartsForm(StyledFormMixin, forms.Form):
    """A draft's name, notes and parts, in the order they are read."""

    name = forms.CharField(max_length=120, widget=forms.TextInput(attrs={"autofocus": True}))
    require_resolved = forms.BooleanField(
        required=False, label="Resolved on the contact (resolved, information given or a sale)"
    )
    repeat_window_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=90,
        label="No repeat contact for the same reason within (days)",
        help_text="1 to 90 days, on any channel. Leave empty not to check repeats.",
    )
    forbid_escalation = forms.BooleanField(required=False, label="Not escalated")
    forbid_transfer = forms.BooleanField(required=False, label="Not transferred")
    min_survey_score = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Not checked"), *((n, f"At least {n} of 5") for n in range(1, 6))],
        label="Survey score, when the customer answered a survey",
        help_text="A contact whose customer gave a lower CSAT is not a success; contacts nobody "
        "surveyed are judged on the other parts.",
    )
    notes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why this version: what changed and who agreed.",
    )

    def parts(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in services.EDITABLE}


class PublishForm(StyledFormMixin, forms.Form):
    effective_from = forms.DateField(
        label="Takes effect on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Today or later, after the version now in force: history is never rewritten.",
    )


class CompareForm(StyledFormMixin, forms.Form):
    """Two published versions and a period; the period defaults to the last 8 weeks with data."""

    first = forms.ModelChoiceField(queryset=SuccessDefinition.objects.none(), label="Version")
    second = forms.ModelChoiceField(queryset=SuccessDefinition.objects.none(), label="Against")
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data, *, published: list[SuccessDefinition]):
        latest = selectors.success_latest_day() or timezone.localdate()
        # The newest version against the one before it: what the latest change changes.
        first = published[-2] if len(published) > 1 else None
        second = published[-1] if published else None
        defaults = {
            "first": first.pk if first else "",
            "second": second.pk if second else "",
            "start": (latest - datetime.timedelta(weeks=DEFAULT_WEEKS, days=-1)).isoformat(),
            "end": latest.isoformat(),
        }
        given = {key: value for key, value in (data or {}).items() if key in defaults and value}
        super().__init__({**defaults, **given})
        choices = SuccessDefinition.objects.filter(pk__in=[d.pk for d in published])
        for name in ("first", "second"):
            field = self.fields[name]
            field.queryset = choices.order_by("-version")  # type: ignore[attr-defined]
            field.label_from_instance = lambda d: f"v{d.version} {d.name}"  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean() or {}
        first, second = data.get("first"), data.get("second")
        if first and second and first == second:
            self.add_error("second", "Choose another version to compare with.")
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                self.add_error("end", "The end comes before the start.")
            elif (end - start).days >= MAX_DAYS:
                self.add_error("start", f"Choose at most {MAX_DAYS} days.")
        return data


def _money(label: str) -> forms.DecimalField:
    return forms.DecimalField(label=label, min_value=Decimal("0"), max_digits=8, decimal_places=2)


class SettingsForm(StyledFormMixin, forms.Form):
    service_level_seconds = forms.IntegerField(
        min_value=1,
        max_value=3600,
        label="Service level: answered within (seconds)",
        widget=forms.NumberInput(attrs={"autofocus": True}),
    )
    short_abandon_seconds = forms.IntegerField(
        min_value=0, max_value=600, label="Short abandon: given up sooner than (seconds)"
    )
    repeat_window_days = forms.IntegerField(min_value=1, max_value=90, label="Repeat window (days)")
    save_window_days = forms.IntegerField(min_value=1, max_value=365, label="Save window (days)")
    offer_window_days = forms.IntegerField(min_value=1, max_value=365, label="Offer window (days)")
    staff_cost_per_hour = _money("Staff cost per hour")
    min_sample = forms.IntegerField(
        min_value=2, max_value=10000, label="Minimum sample (observations)"
    )
    ranking_enabled = forms.BooleanField(
        required=False, label="Rank agents against each other on team scorecards"
    )
    min_team_size = forms.IntegerField(
        min_value=1, max_value=100, label="Smallest team executives and trainers see (agents)"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in (
            "service_level_seconds",
            "short_abandon_seconds",
            "repeat_window_days",
            "save_window_days",
            "offer_window_days",
            "min_sample",
            "ranking_enabled",
            "min_team_size",
        ):
            model_field = MeasurementSettings._meta.get_field(name)
            self.fields[name].help_text = str(getattr(model_field, "help_text", ""))
        for value, label in Channel.choices:
            field = self.fields[f"channel_cost_{value}"] = _money(f"Cost of one {label} contact")
            field.widget.attrs.setdefault("class", "form-control")

    @staticmethod
    def initial_from(settings_row: MeasurementSettings) -> dict[str, Any]:
        initial = {name: getattr(settings_row, name) for name in SETTING_FIELDS}
        costs = settings_row.channel_costs or {}
        for value, _ in Channel.choices:
            initial[f"channel_cost_{value}"] = Decimal(str(costs.get(value, "0")))
        return initial

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        changes = {name: data[name] for name in SETTING_FIELDS}
        changes["channel_costs"] = {
            value: f"{data[f'channel_cost_{value}']:.2f}" for value, _ in Channel.choices
        }
        return changes


SETTING_FIELDS = (
    "service_level_seconds",
    "short_abandon_seconds",
    "repeat_window_days",
    "save_window_days",
    "offer_window_days",
    "staff_cost_per_hour",
    "min_sample",
    "ranking_enabled",
    "min_team_size",
)


# --- The success page -----------------------------------------------------------------------------


@role_required(EVERYONE)
def success(request: AuthedHttpRequest) -> HttpResponse:
    """The version in force, every version, and two versions compared over a period."""
    if request.htmx and request.GET.get("part") == "rebuild":
        return render(request, TEMPLATES + "partials/_rebuild.html", _rebuild_context())
    published = selectors.success_published()
    form = CompareForm(request.GET, published=published)
    comparison = None
    if len(published) > 1 and form.is_valid():
        data = form.cleaned_data
        comparison = performance_selectors.success_versions_compare(
            first=data["first"], second=data["second"], start=data["start"], end=data["end"]
        )
    context: dict[str, Any] = {
        "form": form,
        "comparison": comparison,
        "comparison_rows": (
            [(comparison.first, comparison.first_rate), (comparison.second, comparison.second_rate)]
            if comparison
            else []
        ),
        "published_count": len(published),
        "min_sample": rollups.measurement_settings().min_sample,
    }
    if request.htmx:
        return render(request, TEMPLATES + "partials/_compare.html", context)
    in_force = selectors.success_in_force(published)
    page = paginate(request, selectors.success_definitions_for(viewer=request.user))
    _annotate_periods(page.object_list, published)
    context.update(
        in_force=in_force,
        in_force_words=selectors.success_parts_in_words(in_force) if in_force else [],
        page=page,
        is_admin=is_admin(request.user),
        draft=selectors.success_draft_open() if is_admin(request.user) else None,
        **_rebuild_context(),
    )
    asked = any(name in request.GET for name in form.fields)
    status = 400 if asked and len(published) > 1 and form.errors else 200
    return render(request, TEMPLATES + "index.html", context, status=status)


def _annotate_periods(definitions, published: list[SuccessDefinition]) -> None:
    """Each version's last day in force (the day before the next one starts), and whether it is
    in force today."""
    today = timezone.localdate()
    starts = [d.effective_from for d in published if d.effective_from]
    for definition in definitions:
        start = definition.effective_from
        later = [day for day in starts if start and day > start]
        until = min(later) - datetime.timedelta(days=1) if later else None
        definition.until = until
        definition.state = _state(start, until, today)


def _state(start, until, today) -> str:
    if start is None:
        return "draft"
    if start > today:
        return "scheduled"
    if until is not None and until < today:
        return "superseded"
    return "in force"


def _rebuild_context() -> dict[str, Any]:
    return {"rebuild": selectors.rollup_rebuild_progress()}


# --- One version ----------------------------------------------------------------------------------


@role_required(EVERYONE)
def success_detail(request: AuthedHttpRequest, definition_id: int) -> HttpResponse:
    """A version in words; an admin edits a draft here."""
    definition = selectors.success_definition_get_for(
        viewer=request.user, definition_id=definition_id
    )
    form = None
    status = 200
    if definition.is_draft:
        form = PartsForm(request.POST or None, initial=_parts_of(definition))
    if request.method == "POST":
        if not is_admin(request.user):
            return render(request, "ui/forbidden.html", status=403)
        if form is None:
            raise Conflict(f"Version {definition.version} is published and never changes.")
        if form.is_valid():
            try:
                services.success_definition_update(
                    by=request.user, definition=definition, **form.parts()
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, f"Draft v{definition.version} saved.")
                return redirect("performance:success_detail", definition.pk)
        status = 400
    return render(
        request,
        TEMPLATES + "detail.html",
        _detail_context(request, definition, form),
        status=status,
    )


def _parts_of(definition: SuccessDefinition) -> dict[str, Any]:
    return {name: getattr(definition, name) for name in services.EDITABLE}


def _detail_context(
    request: AuthedHttpRequest,
    definition: SuccessDefinition,
    form: PartsForm | None,
    publish_form: PublishForm | None = None,
) -> dict[str, Any]:
    published = selectors.success_published()
    _annotate_periods([definition], published)
    earlier = [d for d in published if d.version < definition.version]
    previous = earlier[-1] if earlier else None
    admin = is_admin(request.user)
    if admin and definition.is_draft and publish_form is None:
        publish_form = PublishForm(initial={"effective_from": _first_free_day(published)})
    return {
        "definition": definition,
        "words": selectors.success_parts_in_words(definition),
        "previous": previous,
        "changes": selectors.success_parts_changed(definition, previous),
        "form": form if admin else None,
        "publish_form": publish_form,
        "is_admin": admin,
    }


def _first_free_day(published: list[SuccessDefinition]) -> datetime.date:
    today = timezone.localdate()
    starts = [d.effective_from for d in published if d.effective_from]
    if starts and max(starts) >= today:
        return max(starts) + datetime.timedelta(days=1)
    return today


@role_required(ADMINS)
@require_POST
def success_create(request: AuthedHttpRequest) -> HttpResponse:
    """Open the next version as a draft, based on the version named in `based_on` or the latest."""
    based_on = None
    asked = request.POST.get("based_on", "")
    if asked.isdigit():
        based_on = selectors.success_definition_get_for(
            viewer=request.user, definition_id=int(asked)
        )
    try:
        draft = services.success_definition_draft(by=request.user, based_on=based_on)
    except Conflict as exc:
        messages.error(request, exc.message)
        open_draft = selectors.success_draft_open()
        if open_draft is not None:
            return redirect("performance:success_detail", open_draft.pk)
        return redirect("performance:success")
    messages.success(request, f"Draft v{draft.version} started.")
    return redirect("performance:success_detail", draft.pk)


@role_required(ADMINS)
@require_POST
def success_publish(request: AuthedHttpRequest, definition_id: int) -> HttpResponse:
    definition = selectors.success_definition_get_for(
        viewer=request.user, definition_id=definition_id
    )
    publish_form = PublishForm(request.POST)
    if publish_form.is_valid():
        try:
            services.success_definition_publish(
                by=request.user,
                definition=definition,
                effective_from=publish_form.cleaned_data["effective_from"],
            )
        except ApplicationError as exc:
            show_refusal(publish_form, exc)
        else:
            messages.success(
                request,
                f"Version {definition.version} takes effect on "
                f"{publish_form.cleaned_data['effective_from']:%Y-%m-%d}. Every day is being "
                "judged by it too, so it can be compared with the versions before it.",
            )
            return redirect("performance:success_detail", definition.pk)
    definition.refresh_from_db()
    form = PartsForm(initial=_parts_of(definition)) if definition.is_draft else None
    context = _detail_context(request, definition, form, publish_form)
    return render(request, TEMPLATES + "detail.html", context, status=400)


@role_required(ADMINS)
@require_POST
def success_discard(request: AuthedHttpRequest, definition_id: int) -> HttpResponse:
    definition = selectors.success_definition_get_for(
        viewer=request.user, definition_id=definition_id
    )
    try:
        services.success_definition_discard(by=request.user, definition=definition)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("performance:success_detail", definition.pk)
    messages.success(request, f"Draft v{definition.version} discarded.")
    return redirect("performance:success")


# --- Measurement settings -------------------------------------------------------------------------


@role_required(EVERYONE)
def measurement_settings(request: AuthedHttpRequest) -> HttpResponse:
    """The choices behind every figure: admins change them, everyone else reads them."""
    settings_row = rollups.measurement_settings()
    admin = is_admin(request.user)
    if request.method == "POST" and not admin:
        return render(request, "ui/forbidden.html", status=403)
    form = SettingsForm(
        request.POST if request.method == "POST" else None,
        initial=SettingsForm.initial_from(settings_row),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                measures.measurement_settings_update(by=request.user, **form.changes())
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, "Measurement settings saved.")
                return redirect("performance:measurement_settings")
        status = 400
    context = {
        "settings": settings_row,
        "form": form if admin else None,
        "channel_costs": [
            (label, Decimal(str((settings_row.channel_costs or {}).get(value, "0"))))
            for value, label in Channel.choices
        ],
        **_rebuild_context(),
    }
    return render(request, TEMPLATES + "settings.html", context, status=status)


urls = [
    path("success/", success, name="success"),
    path("success/new/", success_create, name="success_create"),
    path("success/<int:definition_id>/", success_detail, name="success_detail"),
    path("success/<int:definition_id>/publish/", success_publish, name="success_publish"),
    path("success/<int:definition_id>/discard/", success_discard, name="success_discard"),
    path("settings/", measurement_settings, name="measurement_settings"),
]
