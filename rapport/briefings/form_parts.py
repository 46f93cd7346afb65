"""Form pieces shared by briefings, polls and learning modules: the element id a card's htmx
form swaps, the rows of choices of a check question, and the audience fields."""

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest

from rapport.accounts.models import User
from rapport.core.roles import Role

TARGET_MAX = 60


def safe_card_target(raw: object, default: str) -> str:
    """An element id sent back by a card's form goes back into the page: it is kept only when it
    is letters, digits, dashes and underscores (at most TARGET_MAX); anything else is `default`."""
    target = str(raw or "")
    if not target or len(target) > TARGET_MAX:
        return default
    if not all(ch.isalnum() or ch in "-_" for ch in target):
        return default
    return target


def card_target_of(request: HttpRequest, default: str) -> str:
    """The element the page (or the desktop's idle panel) asked a card to replace."""
    return safe_card_target(
        request.POST.get("card_target") or request.GET.get("card_target"), default
    )


class ChoiceRowsMixin:
    """A check question's choices as rows of a text and a "correct" tick, fields
    choice_<n> and correct_<n> for n from `choice_first`, `choice_count` rows."""

    choice_first = 0
    choice_count = 5

    def add_choice_rows(self) -> None:
        fields = self.fields  # type: ignore[attr-defined]
        for shown, number in enumerate(self._choice_numbers(), start=1):
            fields[f"choice_{number}"] = forms.CharField(
                max_length=300,
                required=False,
                label=f"Choice {shown}",
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )
            fields[f"correct_{number}"] = forms.BooleanField(
                required=False,
                label=f"Choice {shown} is correct",
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )

    @classmethod
    def _choice_numbers(cls) -> range:
        return range(cls.choice_first, cls.choice_first + cls.choice_count)

    def choice_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"choice_{number}"], self[f"correct_{number}"])  # type: ignore[index]
            for number in self._choice_numbers()
        ]

    def choice_pairs(self) -> list[tuple[str, bool]]:
        """(text, correct) of every row, blank rows included: the services leave those out."""
        data = self.cleaned_data  # type: ignore[attr-defined]
        return [
            (data.get(f"choice_{number}") or "", bool(data.get(f"correct_{number}")))
            for number in self._choice_numbers()
        ]

    @classmethod
    def choice_initial(cls, choices) -> dict:
        """Initial values of the rows from a question's stored choices, in order."""
        initial: dict = {}
        for number, choice in zip(cls._choice_numbers(), choices, strict=False):
            initial[f"choice_{number}"] = choice.text
            initial[f"correct_{number}"] = choice.is_correct
        return initial


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.get_full_name() or obj.username} ({obj.username})"


AUDIENCE_PARTS = ("roles", "teams", "skills", "agents")


class AudienceFieldsMixin:
    """The audience of a briefing or a poll (rapport.briefings.audience): roles, teams, skills
    and named people, as fields named `audience_prefix` + part."""

    audience_prefix = ""

    def add_audience_fields(
        self, *, teams: QuerySet, skills: QuerySet, agents: QuerySet, teams_help: str = ""
    ) -> None:
        fields = self.fields  # type: ignore[attr-defined]
        name = self.audience_name
        fields[name("roles")] = forms.MultipleChoiceField(
            choices=Role.choices,
            required=False,
            label="Roles",
            widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
            help_text="Everyone holding one of these roles (narrowed by teams and skills if chosen).",
        )
        fields[name("teams")] = forms.ModelMultipleChoiceField(
            queryset=teams, required=False, label="Teams", help_text=teams_help
        )
        fields[name("skills")] = forms.ModelMultipleChoiceField(
            queryset=skills, required=False, label="Skills"
        )
        fields[name("agents")] = PersonChoiceField(
            queryset=agents,
            required=False,
            label="Named people",
            help_text="Added whatever the roles, teams and skills.",
        )
        for part in ("teams", "skills", "agents"):
            fields[name(part)].widget.attrs.update({"class": "form-select", "size": 6})

    @classmethod
    def audience_name(cls, part: str) -> str:
        return f"{cls.audience_prefix}{part}"

    @classmethod
    def audience_initial(cls, owner) -> dict:
        """Initial values from a briefing's or a poll's stored audience."""
        return {
            cls.audience_name("roles"): owner.audience_roles,
            cls.audience_name("teams"): list(owner.audience_teams.all()),
            cls.audience_name("skills"): list(owner.audience_skills.all()),
            cls.audience_name("agents"): list(owner.audience_agents.all()),
        }

    def audience_data(self) -> dict[str, list]:
        """{roles, teams, skills, agents: the chosen values, as lists}."""
        data = self.cleaned_data  # type: ignore[attr-defined]
        return {part: list(data.get(self.audience_name(part)) or []) for part in AUDIENCE_PARTS}
