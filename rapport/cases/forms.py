"""Forms of the case pages. Choices come from the cases selectors, so what a form offers is what
the service will accept."""

import datetime
from typing import cast

from django import forms
from django.utils import timezone

from rapport.access import selectors as access_selectors
from rapport.access.choices import Channel, Priority
from rapport.accounts.models import Team
from rapport.cases import selectors
from rapport.cases.choices import TRANSITIONS, CaseStatus
from rapport.cases.models import Case
from rapport.ui.forms import StyledFormMixin

# Whole numbers in the database's id range; anything else is a form error, never a 500.
ID_RANGE = {"min_value": 1, "max_value": 2**63 - 1}


def _queue_choices():
    return [("", "Any queue"), *((q.pk, q.name) for q in access_selectors.queues_all())]


def _worker_choices():
    return [("", "Anyone"), *((u.pk, str(u)) for u in selectors.case_workers())]


class CaseFilterForm(StyledFormMixin, forms.Form):
    """The base of CaseFilter's form: selects for queue and assignee on the list page. Their
    choices are callables, so the API (which never renders the form) runs no query for them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "queue" in self.fields:
            self.fields["queue"].widget = forms.Select(
                choices=_queue_choices,  # type: ignore[arg-type]  # Django takes a callable
                attrs={"class": "form-select"},
            )
        if "assignee" in self.fields:
            self.fields["assignee"].widget = forms.Select(
                choices=_worker_choices,  # type: ignore[arg-type]  # Django takes a callable
                attrs={"class": "form-select"},
            )
        if "q" in self.fields:
            self.fields["q"].widget.attrs.update(
                {"id": "search-q", "type": "search", "autocomplete": "off", "placeholder": "C-123"}
            )


class CaseCreateForm(StyledFormMixin, forms.Form):
    customer = forms.IntegerField(
        required=False,
        label="Customer number",
        help_text="Filled in when you start from the customer view; leave empty for none.",
        **ID_RANGE,  # type: ignore[arg-type]
    )
    subject = forms.CharField(max_length=255)
    contact_type = forms.ModelChoiceField(
        queryset=access_selectors.contact_types_active(),
        required=False,
        label="Contact type",
        empty_label="Not known yet",
    )
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.PHONE)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    priority = forms.ChoiceField(
        choices=[("", "As routed"), *Priority.choices],
        required=False,
        help_text="Leave as routed unless you have a reason: routing sets it from the customer.",
    )


class StatusForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(choices=CaseStatus.choices, label="Status")

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = {case.status, *TRANSITIONS[case.status]}
        field = cast(forms.ChoiceField, self.fields["status"])
        field.choices = [c for c in CaseStatus.choices if c[0] in allowed]
        self.fields["status"].initial = case.status


ASSIGN_ME = "me"
ASSIGN_QUEUE = "queue"


class AssignForm(StyledFormMixin, forms.Form):
    """To me, to a person of the owning team, or back to the queue."""

    assignee = forms.ChoiceField(label="Assign to")

    def __init__(self, *args, case: Case, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._people = {p.pk: p for p in selectors.case_assignees_for(user=user, case=case)}
        self._user = user
        people = [(str(pk), str(p)) for pk, p in self._people.items() if pk != user.pk]
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [
            (ASSIGN_ME, "Me"),
            *([(f"{case.queue.team}", people)] if people else []),
            (ASSIGN_QUEUE, "Nobody: back to the queue"),
        ]
        self.fields["assignee"].initial = (
            ASSIGN_ME
            if case.assignee_id == user.pk
            else str(case.assignee_id)
            if case.assignee_id
            else ASSIGN_QUEUE
        )

    def assignee_chosen(self):
        """The person chosen (None: the queue)."""
        value = self.cleaned_data["assignee"]
        if value == ASSIGN_QUEUE:
            return None
        if value == ASSIGN_ME:
            return self._user
        return self._people[int(value)]


class PriorityForm(StyledFormMixin, forms.Form):
    priority = forms.ChoiceField(choices=Priority.choices, label="Priority")

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["priority"].initial = case.priority


class ReplyForm(StyledFormMixin, forms.Form):
    text = forms.CharField(
        label="Reply by e-mail",
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Sent to the customer's address, threaded under their last e-mail, with the case "
        "reference in the subject.",
    )


class EscalateForm(StyledFormMixin, forms.Form):
    """The hand-off: the receiver reads this first, so the customer never repeats themselves."""

    to_queue = forms.ModelChoiceField(
        queryset=selectors.escalation_queues(), label="Hand to queue", empty_label=None
    )
    reason = forms.ModelChoiceField(
        queryset=selectors.escalation_reasons_active(), label="Reason", empty_label="Choose…"
    )
    customer_needs = forms.CharField(
        label="What the customer needs",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    tried = forms.CharField(
        label="What was tried already",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    promised = forms.CharField(
        label="What the customer was promised, and by when",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    to_agent = forms.TypedChoiceField(
        label="Agent of the receiving team (optional)",
        coerce=int,
        empty_value=None,
        required=False,
        help_text="Leave empty to let the receiving team pick it up from their queue.",
    )

    def __init__(self, *args, case: Case | None, **kwargs):
        """`case` None: the case is chosen in the same form (the desktop), so its own queue cannot
        be left out here; the service refuses it with a field error instead."""
        super().__init__(*args, **kwargs)
        queues = self.fields["to_queue"]
        if case is not None:
            queues.queryset = queues.queryset.exclude(pk=case.queue_id)  # type: ignore[attr-defined]
        queues.label_from_instance = lambda q: f"{q.name} — {q.team}, tier {q.tier}"  # type: ignore[attr-defined]
        teams: dict[str, list[tuple[int, str]]] = {}
        self._agents = {}
        for agent in selectors.escalation_agents():
            teams.setdefault(str(agent.team), []).append((agent.pk, str(agent)))
            self._agents[agent.pk] = agent
        cast(forms.ChoiceField, self.fields["to_agent"]).choices = [
            ("", "Nobody in particular"),
            *teams.items(),
        ]

    def agent_chosen(self):
        pk = self.cleaned_data.get("to_agent")
        return self._agents.get(pk) if pk else None


class AnalysisForm(StyledFormMixin, forms.Form):
    """Period and filters of the escalation analysis; the period defaults to the last 90 days."""

    DEFAULT_DAYS = 90
    MAX_DAYS = 3 * 366

    date_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, label="Team", empty_label="All teams"
    )
    contact_type = forms.ModelChoiceField(
        queryset=access_selectors.contact_types_active(),
        required=False,
        label="Contact type",
        empty_label="All contact types",
    )

    def __init__(self, data=None, *, user, **kwargs):
        today = timezone.localdate()
        defaults = {
            "date_from": (today - datetime.timedelta(days=self.DEFAULT_DAYS - 1)).isoformat(),
            "date_to": today.isoformat(),
        }
        merged = {**defaults, **{k: v for k, v in (data or {}).items() if v}}
        super().__init__(merged, **kwargs)
        self.fields["team"].queryset = selectors.analysis_teams_for(user=user)  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if start > end:
                self.add_error("date_to", "The end comes before the start.")
            elif (end - start).days >= self.MAX_DAYS:
                self.add_error("date_from", f"Choose at most {self.MAX_DAYS} days.")
        return data
