"""Recognition pages: kudos and compliments across the center, an agent's page, giving kudos.

Recognition is public praise: every signed-in role sees it. A customer's compliment shows the
channel and the day, never who the customer was.
"""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from rapport.access.choices import Channel
from rapport.accounts.http import AuthedHttpRequest
from rapport.accounts.models import User
from rapport.core.errors import ApplicationError
from rapport.core.pagination import paginate
from rapport.core.roles import Role
from rapport.performance import selectors as performance_selectors
from rapport.performance.choices import KudosKind
from rapport.performance.selectors import recognition as selectors
from rapport.performance.services import recognition as services
from rapport.ui.decorators import role_required

EVERYONE = frozenset(Role.values)
CENTER, AGENT_PAGE = "center", "agent"


def scorecard_url(agent_id: int) -> str:
    """The agent's scorecard (a page of the scorecards area)."""
    return reverse("performance:agent_scorecard", args=[agent_id])


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        team = f" · {obj.team}" if obj.team_id else ""
        return f"{obj.get_full_name() or obj.username}{team}"


class KudosForm(forms.Form):
    agent = AgentChoiceField(
        queryset=User.objects.none(), label="Colleague", empty_label="Choose a colleague"
    )
    message = forms.CharField(
        min_length=services.MESSAGE_MIN,
        max_length=services.MESSAGE_MAX,
        label="What they did well",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Everyone in the center can read it.",
    )
    return_to = forms.ChoiceField(
        choices=[(CENTER, CENTER), (AGENT_PAGE, AGENT_PAGE)],
        initial=CENTER,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, viewer: User, agent: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        agents = selectors.agents_active().exclude(pk=viewer.pk)
        field = self.fields["agent"]
        field.queryset = agents  # type: ignore[attr-defined]
        if agent is not None:
            field.widget = forms.HiddenInput()
            self.initial.update(agent=agent.pk, return_to=AGENT_PAGE)
        field.widget.attrs.update({"class": "form-select", "data-searchable": "true"})
        self.fields["message"].widget.attrs.update({"class": "form-control"})


def _page(request: AuthedHttpRequest, kudos, per_page: int):
    """A page of recognition, each compliment labelled with its contact's channel."""
    page = paginate(request, kudos, per_page=per_page)
    labels = dict(Channel.choices)
    for item in page.object_list:
        channel = getattr(item, "contact_channel", None) or ""
        item.channel_label = str(labels.get(channel, channel))
    return page


def _recent_context(request: AuthedHttpRequest, form: KudosForm) -> dict:
    page = _page(request, selectors.kudos_all(), 25)
    return {"page": page, "form": form, "KUDOS": KudosKind.KUDOS}


@role_required(EVERYONE)
def recognition(request: AuthedHttpRequest) -> HttpResponse:
    form = KudosForm(viewer=request.user)
    form.fields["agent"].widget.attrs["autofocus"] = True
    return render(request, "performance/recognition/wall.html", _recent_context(request, form))


def _agent_context(request: AuthedHttpRequest, agent: User, form: KudosForm | None) -> dict:
    viewer = request.user
    if form is None and viewer.pk != agent.pk:
        form = KudosForm(viewer=viewer, agent=agent)
    counts = selectors.recognition_counts(agent=agent)
    return {
        "agent": agent,
        "page": _page(request, selectors.kudos_of(agent=agent), 20),
        "form": form,
        "counts": counts,
        "count_days": selectors.COUNT_DAYS,
        "scorecard_url": (
            scorecard_url(agent.pk) if performance_selectors.may_see_agent(viewer, agent) else None
        ),
        "KUDOS": KudosKind.KUDOS,
    }


@role_required(EVERYONE)
def agent_page(request: AuthedHttpRequest, agent_id: int) -> HttpResponse:
    agent = selectors.agent_get(agent_id=agent_id)
    context = _agent_context(request, agent, None)
    return render(request, "performance/recognition/agent.html", context)


@role_required(EVERYONE)
@require_POST
def kudos_give(request: AuthedHttpRequest) -> HttpResponse:
    form = KudosForm(request.POST, viewer=request.user)
    if form.is_valid():
        agent = form.cleaned_data["agent"]
        try:
            services.kudos_give(by=request.user, agent=agent, message=form.cleaned_data["message"])
        except ApplicationError as exc:
            for name, problems in exc.fields.items():
                for problem in problems:
                    form.add_error(name if name in form.fields else None, problem)
            if not exc.fields:
                form.add_error(None, exc.message)
        else:
            messages.success(request, f"Kudos sent to {agent}.")
            if form.cleaned_data["return_to"] == AGENT_PAGE:
                return redirect("performance:agent_page", agent.pk)
            return redirect("performance:recognition")
    return _refused(request, form)


def _refused(request: AuthedHttpRequest, form: KudosForm) -> HttpResponse:
    """The page the form came from, with the form's errors."""
    wanted = request.POST.get("agent", "")
    if request.POST.get("return_to") == AGENT_PAGE and wanted.isdigit() and len(wanted) < 19:
        agent = selectors.agents_active().filter(pk=int(wanted)).first()
        if agent is not None:
            # On the agent's page the colleague is fixed; the form keeps it hidden.
            form.fields["agent"].widget = forms.HiddenInput()
            context = _agent_context(request, agent, form)
            return render(request, "performance/recognition/agent.html", context, status=400)
    context = _recent_context(request, form)
    return render(request, "performance/recognition/wall.html", context, status=400)


urls = [
    path("kudos/", recognition, name="recognition"),
    path("kudos/give/", kudos_give, name="kudos_give"),
    path("agents/<int:agent_id>/", agent_page, name="agent_page"),
]
