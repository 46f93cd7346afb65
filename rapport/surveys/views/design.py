"""Survey design and the draw settings, for survey admins: every change goes through a service
and is audited."""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from rapport.access.choices import Channel
from rapport.access.models import ContactType
from rapport.accounts.http import AuthedHttpRequest
from rapport.core.errors import ApplicationError, NotFound
from rapport.core.roles import SURVEY_ADMINS
from rapport.surveys.choices import QuestionKind
from rapport.surveys.models import DrawSettings, Survey
from rapport.surveys.selectors import design as selectors
from rapport.surveys.services import design as services
from rapport.surveys.services import draw as draw_services
from rapport.ui.decorators import role_required
from rapport.ui.forms import StyledFormMixin, show_refusal

TEMPLATES = "surveys/design/"
RATE_HELP = "A share from 0 to 1: 0.2 invites one eligible contact in five."


# --- Forms ----------------------------------------------------------------------------------------


class SurveyCreateForm(StyledFormMixin, forms.Form):
    name = forms.CharField(max_length=120, label="Name of the new survey")


class SurveyForm(StyledFormMixin, forms.Form):
    name = forms.CharField(max_length=120)
    intro = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Introduction",
        help_text="Shown above the questions.",
    )
    thanks = forms.CharField(max_length=255, label="Thank-you message")
    is_active = forms.BooleanField(required=False, label="Active (can be chosen for the draw)")


class QuestionForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(choices=QuestionKind.choices, label="Kind of question")
    prompt = forms.CharField(max_length=300, label="Question")
    choices = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Answers to choose from",
        help_text="For a one-choice question only: one answer a line.",
    )
    required = forms.BooleanField(required=False, label="An answer is required")


def _rate_field(label: str, required: bool) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal("0"),
        max_value=Decimal("1"),
        max_digits=4,
        decimal_places=3,
        help_text=RATE_HELP if required else "Leave empty for the default rate.",
    )


class DrawSettingsForm(StyledFormMixin, forms.Form):
    survey = forms.ModelChoiceField(
        queryset=Survey.objects.filter(is_active=True),
        required=False,
        label="Survey sent to drawn customers",
        empty_label="None: nobody is invited",
    )
    rate = _rate_field("Default rate", True)
    cooldown_days = forms.IntegerField(min_value=0, max_value=365, label="Cooldown (days)")
    expiry_days = forms.IntegerField(min_value=1, max_value=90, label="Link valid for (days)")
    min_responses = forms.IntegerField(
        min_value=1, max_value=10_000, label="Minimum answers for a figure"
    )
    excluded_contact_types = forms.ModelMultipleChoiceField(
        queryset=ContactType.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Contact types never surveyed",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("cooldown_days", "expiry_days", "min_responses"):
            model_field = DrawSettings._meta.get_field(name)
            self.fields[name].help_text = str(getattr(model_field, "help_text", ""))
        for value, label in Channel.choices:
            self.fields[f"rate_{value}"] = _rate_field(f"Rate for {label}", False)
            self.fields[f"rate_{value}"].widget.attrs.setdefault("class", "form-control")

    @staticmethod
    def initial_from(row: DrawSettings) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "survey": row.survey_id,
            "rate": row.rate,
            "cooldown_days": row.cooldown_days,
            "expiry_days": row.expiry_days,
            "min_responses": row.min_responses,
            "excluded_contact_types": list(row.excluded_contact_types.values_list("pk", flat=True)),
        }
        for channel, rate in (row.channel_rates or {}).items():
            initial[f"rate_{channel}"] = Decimal(str(rate))
        return initial

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        changes = {
            name: data[name]
            for name in ("survey", "rate", "cooldown_days", "expiry_days", "min_responses")
        }
        changes["excluded_contact_types"] = list(data["excluded_contact_types"])
        changes["channel_rates"] = {
            value: data[f"rate_{value}"]
            for value, _ in Channel.choices
            if data.get(f"rate_{value}") is not None
        }
        return changes


# --- Surveys --------------------------------------------------------------------------------------


@role_required(SURVEY_ADMINS)
def survey_list(request: AuthedHttpRequest) -> HttpResponse:
    form = SurveyCreateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                survey = services.survey_create(by=request.user, name=form.cleaned_data["name"])
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, f"Survey “{survey.name}” made: add its questions.")
                return redirect("surveys:survey_detail", survey.pk)
        status = 400
    context = {
        "surveys": selectors.surveys_for(viewer=request.user),
        "form": form,
        "in_draw": selectors.draw_settings_get().survey_id,
    }
    return render(request, TEMPLATES + "list.html", context, status=status)


def _survey_context(survey: Survey, form: SurveyForm, question_form: QuestionForm) -> dict:
    return {
        "survey": survey,
        "questions": list(survey.questions.order_by("order", "id")),
        "form": form,
        "question_form": question_form,
        "answered": survey.response_count > 0,  # type: ignore[attr-defined]
    }


def _survey_initial(survey: Survey) -> dict[str, Any]:
    return {
        "name": survey.name,
        "intro": survey.intro,
        "thanks": survey.thanks,
        "is_active": survey.is_active,
    }


@role_required(SURVEY_ADMINS)
def survey_detail(request: AuthedHttpRequest, survey_id: int) -> HttpResponse:
    survey = selectors.survey_get_for(viewer=request.user, survey_id=survey_id)
    form = SurveyForm(request.POST or None, initial=_survey_initial(survey))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.survey_update(by=request.user, survey=survey, **form.cleaned_data)
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, "Survey saved.")
                return redirect("surveys:survey_detail", survey.pk)
        status = 400
    context = _survey_context(survey, form, QuestionForm())
    return render(request, TEMPLATES + "detail.html", context, status=status)


@role_required(SURVEY_ADMINS)
@require_POST
def question_add(request: AuthedHttpRequest, survey_id: int) -> HttpResponse:
    survey = selectors.survey_get_for(viewer=request.user, survey_id=survey_id)
    question_form = QuestionForm(request.POST)
    if question_form.is_valid():
        data = question_form.cleaned_data
        try:
            services.question_add(
                by=request.user,
                survey=survey,
                kind=data["kind"],
                prompt=data["prompt"],
                required=data["required"],
                choices=data["choices"].splitlines(),
            )
        except ApplicationError as exc:
            show_refusal(question_form, exc)
        else:
            messages.success(request, "Question added.")
            return redirect("surveys:survey_detail", survey.pk)
    form = SurveyForm(initial=_survey_initial(survey))
    context = _survey_context(survey, form, question_form)
    return render(request, TEMPLATES + "detail.html", context, status=400)


def _question(request: AuthedHttpRequest, survey_id: int, question_id: int):
    survey = selectors.survey_get_for(viewer=request.user, survey_id=survey_id)
    question = survey.questions.filter(pk=question_id).first()
    if question is None:
        raise NotFound("No such question.")
    return survey, question


@role_required(SURVEY_ADMINS)
@require_POST
def question_remove(request: AuthedHttpRequest, survey_id: int, question_id: int) -> HttpResponse:
    survey, question = _question(request, survey_id, question_id)
    try:
        services.question_remove(by=request.user, question=question)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Question removed.")
    return redirect("surveys:survey_detail", survey.pk)


@role_required(SURVEY_ADMINS)
@require_POST
def question_move(request: AuthedHttpRequest, survey_id: int, question_id: int) -> HttpResponse:
    survey, question = _question(request, survey_id, question_id)
    services.question_move(by=request.user, question=question, up=request.POST.get("to") == "up")
    return redirect("surveys:survey_detail", survey.pk)


# --- Draw settings --------------------------------------------------------------------------------


@role_required(SURVEY_ADMINS)
def draw_settings(request: AuthedHttpRequest) -> HttpResponse:
    row = selectors.draw_settings_get()
    form = DrawSettingsForm(request.POST or None, initial=DrawSettingsForm.initial_from(row))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                draw_services.draw_settings_update(by=request.user, **form.changes())
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, "Draw settings saved. Draws already made keep theirs.")
                return redirect("surveys:draw_settings")
        status = 400
    context = {
        "settings": row,
        "form": form,
        "rate_fields": [form[f"rate_{value}"] for value, _ in Channel.choices],
        "main_fields": [form[name] for name in ("survey", "rate", "cooldown_days", "expiry_days")],
        "fingerprint": draw_services.seed_fingerprint(row.seed),
    }
    return render(request, TEMPLATES + "draw.html", context, status=status)


@role_required(SURVEY_ADMINS)
@require_POST
def draw_seed_rotate(request: AuthedHttpRequest) -> HttpResponse:
    row = draw_services.draw_seed_rotate(by=request.user)
    messages.success(
        request,
        f"New seed {draw_services.seed_fingerprint(row.seed)} in use for the draws from now on.",
    )
    return redirect("surveys:draw_settings")


urls = [
    path("design/", survey_list, name="survey_list"),
    path("design/<int:survey_id>/", survey_detail, name="survey_detail"),
    path("design/<int:survey_id>/questions/", question_add, name="question_add"),
    path(
        "design/<int:survey_id>/questions/<int:question_id>/remove/",
        question_remove,
        name="question_remove",
    ),
    path(
        "design/<int:survey_id>/questions/<int:question_id>/move/",
        question_move,
        name="question_move",
    ),
    path("draw/", draw_settings, name="draw_settings"),
    path("draw/seed/", draw_seed_rotate, name="draw_seed_rotate"),
]
