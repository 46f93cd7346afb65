"""Forms of the learning pages: they parse and label; the services decide."""

from django import forms

from rapport.accounts.models import Skill, User
from rapport.briefings.form_parts import ChoiceRowsMixin
from rapport.cases.models import EscalationReason
from rapport.core.roles import Role
from rapport.learning.choices import AssignmentSource, AssignmentStatus, GapMode, GapSource
from rapport.learning.models import Module
from rapport.learning.services.modules import MAX_CHOICES, ChoiceInput
from rapport.performance.models import Kpi, QaCriterion
from rapport.ui.forms import StyledFormMixin

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_ID = 2**63 - 1
CHOICE_SLOTS = 6
assert CHOICE_SLOTS <= MAX_CHOICES


def _id_in_range(value) -> bool:
    try:
        return 0 < int(str(value)) <= MAX_ID
    except (TypeError, ValueError):
        return False


class IdChoicesField(forms.ModelMultipleChoiceField):
    """Row ids out of the database's range are "not a choice", never a database error."""

    def _check_values(self, value):
        for pk in value:
            if not _id_in_range(pk):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)  # type: ignore[misc]


class IdChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not _id_in_range(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class ModuleFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
    skill = IdChoiceField(
        queryset=Skill.objects.order_by("name"), required=False, empty_label="Any skill"
    )
    active = forms.ChoiceField(
        required=False,
        choices=[("", "Active and retired"), ("yes", "Active"), ("no", "Retired")],
        label="State",
    )


class ModuleForm(StyledFormMixin, forms.Form):
    title = forms.CharField(max_length=200)
    summary = forms.CharField(
        max_length=300, help_text="One line: what the agent will be able to do."
    )
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Markdown: headings, lists, **bold**, links, images by URL.",
    )
    skill = IdChoiceField(queryset=Skill.objects.order_by("name"), empty_label="Choose a skill")
    minutes = forms.IntegerField(
        min_value=1, max_value=480, initial=10, help_text="How long it takes."
    )
    pass_mark = forms.IntegerField(
        min_value=1, max_value=100, initial=80, label="Pass mark (%)",
        help_text="Per cent of questions answered right to pass.",
    )  # fmt: skip
    is_active = forms.BooleanField(required=False, initial=True, label="Active (can be assigned)")


class QuestionForm(ChoiceRowsMixin, StyledFormMixin, forms.Form):
    """A question with up to six choices; blank choices are left out."""

    choice_first, choice_count = 1, CHOICE_SLOTS

    text = forms.CharField(
        max_length=500, label="Question", widget=forms.Textarea(attrs={"rows": 2})
    )
    explanation = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown after a wrong answer: why the right answer is right.",
    )
    order = forms.IntegerField(min_value=0, max_value=32767, required=False, label="Position")
    confirm_restart = forms.BooleanField(
        required=False,
        label="Save it, and start these agents' reviews of it again",
        help_text="Their schedule was built on the old question, so it starts afresh.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_choice_rows()

    @classmethod
    def initial_for(cls, question) -> dict:
        return {
            "text": question.text,
            "explanation": question.explanation,
            "order": question.order,
            **cls.choice_initial(question.choices.all()),
        }

    def choices(self) -> list[ChoiceInput]:
        return [ChoiceInput(text=text, is_correct=correct) for text, correct in self.choice_pairs()]


class PathForm(StyledFormMixin, forms.Form):
    name = forms.CharField(max_length=120)
    role = forms.ChoiceField(
        choices=Role.choices, initial=Role.AGENT, help_text="New hires in this role get the path."
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    is_active = forms.BooleanField(required=False, initial=True, label="Active")


class PathStepForm(StyledFormMixin, forms.Form):
    module = IdChoiceField(queryset=Module.objects.none(), empty_label="Choose a module")
    due_after_days = forms.IntegerField(
        min_value=0, max_value=365, initial=7, label="Due after (days)",
        help_text="Days after the new hire's first working day.",
    )  # fmt: skip

    def __init__(self, *args, modules, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["module"].queryset = modules  # type: ignore[attr-defined]


class KpiChoiceField(IdChoiceField):
    def label_from_instance(self, obj: Kpi) -> str:
        target = (
            "no target" if obj.target is None else f"target {obj.target} {obj.get_unit_display()}"
        )
        return f"{obj.name} ({obj.get_better_display().lower()}, {target})"


class CriterionChoiceField(IdChoiceField):
    def label_from_instance(self, obj: QaCriterion) -> str:
        return f"{obj.form.name}: {obj.text}"


class GapRuleForm(StyledFormMixin, forms.Form):
    name = forms.CharField(max_length=120)
    source = forms.ChoiceField(choices=GapSource.choices, label="Watches")
    kpi = KpiChoiceField(
        queryset=Kpi.objects.filter(is_active=True).order_by("order", "name"),
        required=False, empty_label="Choose a KPI", label="KPI",
    )  # fmt: skip
    qa_criterion = CriterionChoiceField(
        queryset=QaCriterion.objects.select_related("form").order_by("form__name", "order"),
        required=False, empty_label="Choose a criterion", label="QA criterion",
    )  # fmt: skip
    escalation_reason = IdChoiceField(
        queryset=EscalationReason.objects.filter(preventable=True).order_by("name"),
        required=False, empty_label="Any preventable reason", label="Escalation reason",
    )  # fmt: skip
    threshold = forms.DecimalField(
        required=False, max_digits=12, decimal_places=2,
        help_text=(
            "KPI: empty means the KPI's target. QA criterion: the least share met, in %. "
            "Preventable escalations: the most per 100 handled contacts."
        ),
    )  # fmt: skip
    window_days = forms.IntegerField(min_value=7, max_value=365, initial=28, label="Window (days)")
    min_n = forms.IntegerField(
        min_value=1, max_value=1_000_000, initial=30, label="Least n",
        help_text="Fewer contacts (or evaluations) than this is not enough data.",
    )  # fmt: skip
    module = IdChoiceField(queryset=Module.objects.none(), empty_label="Choose a module")
    mode = forms.ChoiceField(choices=GapMode.choices, initial=GapMode.CONFIRM)
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, *args, modules, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["module"].queryset = modules  # type: ignore[attr-defined]


class AssignmentFilterForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Any status"),
            ("open", "Open (proposed, assigned, in progress)"),
            *AssignmentStatus.choices,
        ],
    )
    source = forms.ChoiceField(
        required=False, choices=[("", "Any source"), *AssignmentSource.choices]
    )
    agent = IdChoiceField(queryset=User.objects.none(), required=False, empty_label="Every agent")
    module = IdChoiceField(
        queryset=Module.objects.order_by("title"), required=False, empty_label="Every module"
    )

    def __init__(self, *args, agents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents  # type: ignore[attr-defined]


class AssignForm(StyledFormMixin, forms.Form):
    agents = IdChoicesField(
        queryset=User.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Hold Ctrl (or ⌘) to choose several.",
    )
    module = IdChoiceField(queryset=Module.objects.none(), empty_label="Choose a module")
    due_on = forms.DateField(required=False, widget=DATE, label="Due on")
    note = forms.CharField(
        required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
        label="Why", help_text="What the agent reads as the reason.",
    )  # fmt: skip

    def __init__(self, *args, agents, modules, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agents"].queryset = agents  # type: ignore[attr-defined]
        self.fields["module"].queryset = modules  # type: ignore[attr-defined]
        self.fields["agents"].widget.attrs["class"] = "form-select"


class ConfirmForm(StyledFormMixin, forms.Form):
    due_on = forms.DateField(required=False, widget=DATE, label="Due on")
    note = forms.CharField(required=False, max_length=1000, label="Note")


class DismissForm(StyledFormMixin, forms.Form):
    note = forms.CharField(
        max_length=1000, label="Why not", help_text="Kept with the agent's record."
    )
