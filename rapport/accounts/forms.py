from django import forms

from rapport.accounts.choices import AgentState, SkillLevel
from rapport.accounts.models import Skill
from rapport.core.roles import Role
from rapport.ui.forms import StyledFormMixin


class AgentStateForm(StyledFormMixin, forms.Form):
    state = forms.ChoiceField(choices=AgentState.choices, label="My state")


class ApiTokenForm(StyledFormMixin, forms.Form):
    name = forms.CharField(
        max_length=100, label="Token name", help_text="Where it will be used, e.g. 'phone system'."
    )


class SecondFactorForm(StyledFormMixin, forms.Form):
    code = forms.RegexField(
        regex=r"^\d{6}$",
        label="Six-digit code from your authenticator app",
        error_messages={"invalid": "Enter the six digits your app shows."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class PeopleFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(required=False, label="Search people")
    role = forms.ChoiceField(required=False, choices=[("", "Any role"), *Role.choices])


class RolePolicyForm(StyledFormMixin, forms.Form):
    """One checkbox per role: require a TOTP second factor."""

    def __init__(self, *args, current: dict[str, bool], **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in Role.choices:
            self.fields[value] = forms.BooleanField(
                required=False, initial=current.get(value, False), label=label
            )


class AgentSkillForm(StyledFormMixin, forms.Form):
    skill = forms.ModelChoiceField(queryset=Skill.objects.all())
    level = forms.TypedChoiceField(
        choices=SkillLevel.choices, coerce=int, initial=SkillLevel.COMPETENT
    )
