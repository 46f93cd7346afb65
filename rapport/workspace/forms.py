"""The desktop's forms. Choices come from the asking agent's selectors, so a case or queue the
agent may not use is simply not a valid choice."""

from django import forms
from django.db.models import QuerySet

from rapport.cases import forms as case_forms
from rapport.interactions.choices import OFFER_CHOICES, OFFER_NONE, Outcome
from rapport.ui.forms import StyledFormMixin
from rapport.workspace import selectors
from rapport.workspace.services import CASE_LINK, CASE_NONE, CASE_OPEN

YES_NO = [("yes", "Yes"), ("no", "No")]


def _case_label(case) -> str:
    return f"{case.reference} · {case.subject}"


class DesktopForm(StyledFormMixin, forms.Form):
    """Marks each refused field for assistive technology as well as for the eye."""

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name not in self.fields:
                continue
            attrs = self.fields[name].widget.attrs
            if attrs.get("aria-invalid") != "true":
                attrs["aria-invalid"] = "true"
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-describedby"] = f"{self[name].auto_id}_error"


class CaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return _case_label(obj)


class YesNoField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=YES_NO,
            coerce=lambda value: value == "yes",
            widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            error_messages={"required": "Answer yes or no."},
            **kwargs,
        )


class NoteForm(DesktopForm):
    text = forms.CharField(
        label="Call note",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Internal: never sent to the customer.",
        error_messages={"required": "Write the note first."},
    )


class QuickCreateForm(DesktopForm):
    first_name = forms.CharField(max_length=100, required=False, label="First name")
    last_name = forms.CharField(max_length=100, required=False, label="Last name")
    email = forms.EmailField(required=False, label="E-mail (optional)")
    phone = forms.CharField(max_length=40, required=False, label="Phone")

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if not (data.get("first_name", "").strip() or data.get("last_name", "").strip()):
            self.add_error("last_name", "Give a first or last name.")
        return data


class WrapUpForm(DesktopForm):
    contact_type = forms.ModelChoiceField(
        queryset=selectors.contact_types(),
        label="Contact type",
        empty_label="Choose why they called…",
        error_messages={"required": "Choose why the customer made contact."},
    )
    outcome = forms.ChoiceField(
        choices=[("", "Choose how it ended…")]
        + [(value, label) for value, label in Outcome.choices if value],
        label="Outcome",
        error_messages={"required": "Choose how the contact ended."},
    )
    relationship_attempt = YesNoField(label="Did you try to build the relationship?")
    compliment_received = YesNoField(label="Did the customer pay a compliment?")
    offer = forms.ChoiceField(
        choices=list(OFFER_CHOICES.items()),
        initial=OFFER_NONE,
        required=False,
        label="Offer",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    case_action = forms.ChoiceField(
        choices=[
            (CASE_LINK, "Link to an open case"),
            (CASE_OPEN, "Open a new case"),
            (CASE_NONE, "No case"),
        ],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        label="Case",
        error_messages={"required": "Choose what happens with the case."},
    )
    case = CaseChoiceField(
        queryset=None, required=False, label="Case to link", empty_label="Choose a case…"
    )
    subject = forms.CharField(max_length=255, required=False, label="New case subject")

    def __init__(self, *args, cases: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases  # type: ignore[attr-defined]

    def clean(self):
        super().clean()
        data = self.cleaned_data
        action = data.get("case_action")
        if action == CASE_LINK and not data.get("case"):
            self.add_error("case", "Choose the case this contact belongs to.")
        if action == CASE_OPEN and not data.get("subject", "").strip():
            self.add_error("subject", "Give the new case a subject.")
        return data


class ReplyForm(DesktopForm, case_forms.ReplyForm):
    """The case page's reply, with the case chosen among the caller's open cases."""

    case = CaseChoiceField(
        queryset=None, label="Case", error_messages={"required": "Choose the case to answer."}
    )
    field_order = ["case", "text"]

    def __init__(self, *args, cases: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases  # type: ignore[attr-defined]
        self.fields["text"].error_messages["required"] = "Write the reply first."


class EscalateForm(DesktopForm, case_forms.EscalateForm):
    """The case page's hand-off, with the case chosen among the caller's open cases."""

    case = CaseChoiceField(
        queryset=None, label="Case", error_messages={"required": "Choose the case to escalate."}
    )
    field_order = ["case"]

    def __init__(self, *args, cases: QuerySet, **kwargs):
        super().__init__(*args, case=None, **kwargs)
        self.fields["case"].queryset = cases  # type: ignore[attr-defined]
        # The desktop's shorter wording, and what exactly is missing when an agent on a call
        # sends too early.
        queues = self.fields["to_queue"]
        queues.label = "To queue"
        queues.label_from_instance = (  # type: ignore[attr-defined]
            lambda queue: f"{queue.name} (tier {queue.tier}, {queue.team})"
        )
        self.fields["promised"].label = "What was promised, and by when"
        self.fields["customer_needs"].error_messages["required"] = "Say what the customer needs."
        self.fields["tried"].error_messages["required"] = "Say what was tried already."
