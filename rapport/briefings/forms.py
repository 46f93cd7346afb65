"""Forms of the briefing pages: writing a briefing, its attachments and its check questions."""

import datetime

from django import forms
from django.urls import reverse
from django.utils import timezone

from rapport.accounts.models import User
from rapport.briefings.choices import BriefingStatus
from rapport.briefings.form_parts import AudienceFieldsMixin, ChoiceRowsMixin
from rapport.briefings.selectors import briefings as selectors
from rapport.briefings.services import briefings as services
from rapport.performance.models import QaCriterion
from rapport.ui.forms import StyledFormMixin

CHOICE_ROWS = 5
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CriterionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: QaCriterion) -> str:
        return f"{obj.form.name}: {obj.text}"


class BriefingForm(AudienceFieldsMixin, StyledFormMixin, forms.Form):
    title = forms.CharField(max_length=services.TITLE_MAX)
    body = forms.CharField(
        max_length=services.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="Markdown. Attach images below and paste their line to show them in the text.",
    )
    due_at = forms.DateTimeField(
        label="Due", widget=DATETIME, help_text="When everyone should have it done (local time)."
    )
    requires_ack = forms.BooleanField(
        required=False, initial=True, label="Each reader confirms they have read it"
    )
    pass_mark = forms.IntegerField(
        min_value=1,
        max_value=100,
        initial=80,
        label="Pass mark (%)",
        help_text="Share of the check's questions to answer right (used when it has questions).",
    )
    qa_criterion = CriterionChoiceField(
        queryset=QaCriterion.objects.none(),
        required=False,
        label="QA criterion to watch",
        empty_label="None",
        help_text="Shows how often QA evaluations meet it before and after the briefing.",
    )

    def __init__(self, *args, viewer: User, **kwargs):
        kwargs.setdefault(
            "initial",
            {"due_at": timezone.localtime() + datetime.timedelta(days=3), "requires_ack": True},
        )
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        fields = self.fields
        self.add_audience_fields(
            teams=selectors.audience_teams_for(user=viewer),
            skills=selectors.audience_skills(),
            agents=selectors.audience_agents_for(user=viewer),
            teams_help=""
            if selectors.sees_everything(viewer)
            else "Only the teams you lead; roles and skills apply within them.",
        )
        fields["qa_criterion"].queryset = selectors.qa_criteria()  # type: ignore[attr-defined]
        fields["title"].widget.attrs["autofocus"] = True
        fields["body"].widget.attrs.update(
            {
                "hx-post": reverse("briefings:preview"),
                "hx-trigger": "input changed delay:600ms, load",
                "hx-target": "#briefing-preview",
                "hx-swap": "innerHTML",
            }
        )

    @classmethod
    def initial_from(cls, briefing) -> dict:
        return {
            "title": briefing.title,
            "body": briefing.body,
            "due_at": timezone.localtime(briefing.due_at),
            "requires_ack": briefing.requires_ack,
            "pass_mark": briefing.pass_mark,
            **cls.audience_initial(briefing),
            "qa_criterion": briefing.qa_criterion,
        }

    def audience(self) -> services.AudienceChoice:
        return services.AudienceChoice(**self.audience_data())

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "body": data["body"],
            "due_at": data["due_at"],
            "requires_ack": data["requires_ack"],
            "pass_mark": data["pass_mark"],
            "audience": self.audience(),
            "qa_criterion": data.get("qa_criterion"),
        }


class AttachmentForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label="Add a file",
        help_text="An image (PNG, JPEG, GIF, WebP), a PDF or a text file, at most 10 MB.",
        widget=forms.ClearableFileInput(
            attrs={
                "accept": "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,text/csv"
            }
        ),
    )


class QuestionForm(ChoiceRowsMixin, StyledFormMixin, forms.Form):
    """One question with up to CHOICE_ROWS choices, each with a "correct" tick."""

    choice_first, choice_count = 0, CHOICE_ROWS

    text = forms.CharField(max_length=500, label="Question")
    explanation = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown to whoever gets it wrong, before they try again.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "question_%s")
        super().__init__(*args, **kwargs)
        self.add_choice_rows()

    def choices(self) -> list[tuple[str, bool]]:
        return self.choice_pairs()


class ManageFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
    status = forms.ChoiceField(
        choices=[("", "Any status"), *BriefingStatus.choices], required=False, label="Status"
    )
