"""Forms of feature-feedback polls: writing a poll and its questions, answering one, and the
authors' list filter. Rules live in the services; these forms only read what was sent."""

import time

from django import forms

from rapport.accounts.models import Skill, Team, User
from rapport.briefings.choices import RATING_MAX, RATING_MIN, PollQuestionKind, PollStatus
from rapport.briefings.form_parts import AudienceFieldsMixin, safe_card_target
from rapport.briefings.models import Poll
from rapport.briefings.services.polls import (
    MOCKUP_MAX_BYTES,
    OPTIONS_MAX,
    TEXT_ANSWER_MAX,
    clamp_seconds,
)
from rapport.ui.forms import StyledFormMixin

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
RATING_LABELS = {1: "1 – very poor", 2: "2", 3: "3", 4: "4", 5: "5 – very good"}
CARD_TARGET = "poll-card"


class PollForm(AudienceFieldsMixin, StyledFormMixin, forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Markdown: what would change, for whom, and why.",
    )
    mockup = forms.ImageField(
        required=False,
        label="Mockup image",
        help_text="Optional: PNG, JPEG, GIF or WebP, at most 5 MB.",
    )
    remove_mockup = forms.BooleanField(required=False, label="Remove the current mockup")
    enhancement_request = forms.CharField(
        max_length=60,
        required=False,
        label="Enhancement request",
        help_text="Its key, like ENH-142 (letters, a dash, digits).",
    )
    closes_at = forms.DateTimeField(
        required=False,
        label="Closes at",
        widget=DATETIME,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text="Leave empty to close it by hand.",
    )
    audience_prefix = "audience_"

    def __init__(self, *args, poll: Poll | None = None, **kwargs):
        if poll is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": poll.title,
                "description": poll.description,
                "enhancement_request": poll.enhancement_request,
                "closes_at": poll.closes_at,
                **self.audience_initial(poll),
            }
        super().__init__(*args, **kwargs)
        # Poll authors (trainers, admins) may reach anyone.
        self.add_audience_fields(
            teams=Team.objects.order_by("name"),
            skills=Skill.objects.order_by("name"),
            agents=User.objects.filter(is_active=True).order_by("username"),
        )
        self.fields["mockup"].widget.attrs["accept"] = "image/*"
        if poll is None or not poll.mockup:
            del self.fields["remove_mockup"]

    def clean_mockup(self):
        image = self.cleaned_data.get("mockup")
        if image and image.size > MOCKUP_MAX_BYTES:
            raise forms.ValidationError("The mockup image may be at most 5 MB.")
        return image

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "enhancement_request": data.get("enhancement_request", ""),
            "closes_at": data.get("closes_at"),
            **{f"audience_{part}": chosen for part, chosen in self.audience_data().items()},
            "mockup": data.get("mockup") or None,
        }


class PollQuestionForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(choices=PollQuestionKind.choices, label="Kind")
    text = forms.CharField(max_length=300, label="Question")
    options = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Options",
        help_text=f"One choice question: one option a line, 2 to {OPTIONS_MAX}.",
    )
    required = forms.BooleanField(required=False, initial=True, label="An answer is required")
    order = forms.IntegerField(min_value=0, max_value=999, required=False, label="Order")

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "text": data["text"],
            "options": (data.get("options") or "").splitlines(),
            "required": bool(data.get("required")),
        }


class PollFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
    status = forms.ChoiceField(
        choices=[("", "Any status"), *PollStatus.choices], required=False, label="Status"
    )


class PollAnswerForm(StyledFormMixin, forms.Form):
    """One poll's questions as a compact form: fields q<question id>, ratings as labelled radios
    from 1 to 5, plus when it was shown (for the time taken) and the element it replaces."""

    started_at = forms.CharField(required=False, widget=forms.HiddenInput)
    card_target = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, *, poll: Poll, card_target: str = CARD_TARGET, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("started_at", str(int(time.time())))
        kwargs["initial"].setdefault("card_target", card_target)
        kwargs.setdefault("auto_id", f"poll{poll.pk}_%s")
        super().__init__(data, **kwargs)
        self.poll = poll
        for question in poll.questions.all():
            self.fields[f"q{question.pk}"] = _question_field(question)

    @property
    def question_fields(self):
        return [self[name] for name in self.fields if name.startswith("q")]

    def target(self) -> str:
        raw = (self.data.get("card_target") if self.is_bound else None) or self.initial.get(
            "card_target"
        )
        return safe_card_target(raw, CARD_TARGET)

    def seconds_taken(self, now: float | None = None) -> int | None:
        raw = self.data.get("started_at") if self.is_bound else None
        try:
            started = float(str(raw))
        except (TypeError, ValueError, OverflowError):
            return None
        if started != started or started in (float("inf"), float("-inf")):
            return None
        return clamp_seconds((now or time.time()) - started)

    def answers(self) -> dict:
        """What was sent for each question, for the service to check."""
        return {name: self.data.get(name, "") for name in self.fields if name.startswith("q")}


def _question_field(question) -> forms.Field:
    common = {"label": question.text, "required": question.required}
    if question.kind == PollQuestionKind.RATING:
        choices = [(n, RATING_LABELS.get(n, str(n))) for n in range(RATING_MIN, RATING_MAX + 1)]
        return forms.TypedChoiceField(
            choices=choices,
            coerce=int,
            widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            **common,
        )
    if question.kind == PollQuestionKind.CHOICE:
        return forms.ChoiceField(
            choices=[(option, option) for option in question.options or []],
            widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            **common,
        )
    return forms.CharField(
        max_length=TEXT_ANSWER_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        **common,
    )
