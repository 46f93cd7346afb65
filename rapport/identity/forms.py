"""Forms of the identity pages: they parse and label; the services decide."""

from django import forms

from rapport.identity.choices import FoundBy, PairStatus
from rapport.ui.forms import StyledFormMixin

NOTE_MAX = 500
ALL_STATUSES = "all"


class QueueFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Name")
    status = forms.ChoiceField(
        required=False,
        choices=[*PairStatus.choices, (ALL_STATUSES, "Any status")],
        label="Status",
    )

    def status_wanted(self) -> str:
        """The status to list: waiting for review unless another was asked for."""
        return self.cleaned_data.get("status") or PairStatus.OPEN


class MergeForm(forms.Form):
    """Which of the pair's two customers stays; the other is merged into it."""

    survivor = forms.TypedChoiceField(
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        label="Which record stays",
        error_messages={"required": "Choose the record that stays."},
    )

    def __init__(self, *args, pair, labels: dict[int, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        labels = labels or {}
        self.fields["survivor"].choices = [  # type: ignore[attr-defined]
            (pk, labels.get(pk) or str(customer))
            for pk, customer in ((pair.left_id, pair.left), (pair.right_id, pair.right))
        ]


class DismissForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        label="Why not (optional)",
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


def percent_field(*, label: str, required: bool, help_text: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=0,
        max_value=100,
        decimal_places=1,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )


class SettingsForm(StyledFormMixin, forms.Form):
    """The two confidences, in per cent (the models keep them as fractions of one)."""

    review_at = percent_field(
        label="Send to review at or above (%)",
        required=True,
        help_text="Pairs scoring this much or more wait in the review queue for a person to "
        "decide. Lower finds more duplicates and asks more questions.",
    )
    auto_merge_at = percent_field(
        label="Merge without review at or above (%)",
        required=False,
        help_text="Pairs scoring this much or more are merged by the batch run without asking "
        "anyone (each merge can still be undone). Leave empty to never merge without review.",
    )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        review_at, auto_merge_at = data.get("review_at"), data.get("auto_merge_at")
        if review_at is not None and auto_merge_at is not None and auto_merge_at < review_at:
            self.add_error("auto_merge_at", "Must be at least the review level.")
        return data

    @staticmethod
    def initial_for(settings) -> dict:
        def shown(value: float | None) -> float | None:
            return None if value is None else round(value * 100, 1)

        return {
            "review_at": shown(settings.review_at),
            "auto_merge_at": shown(settings.auto_merge_at),
        }

    def fractions(self) -> tuple[float, float | None]:
        """review_at and auto_merge_at as the models keep them."""
        data = self.cleaned_data
        auto = data.get("auto_merge_at")
        return float(data["review_at"]) / 100, None if auto is None else float(auto) / 100


class RunStartForm(forms.Form):
    engine = forms.ChoiceField(choices=FoundBy.choices, required=False, initial=FoundBy.SPLINK)
    next = forms.CharField(required=False, max_length=300, widget=forms.HiddenInput)
