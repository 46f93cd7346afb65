"""The customer's survey page, reached by the signed link in an invitation: no login, no
navigation, one column that works on a 375 px phone and with a screen reader, no script.

The form is exempt from CSRF checks: the unguessable, single-use token in the address does what
a CSRF token would (nobody can make a customer's browser post to a link they do not know), and a
customer whose browser refuses cookies can still answer.
"""

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from rapport.core.errors import ApplicationError, ValidationFailed
from rapport.core.http import client_address
from rapport.surveys.choices import SCALES, QuestionKind
from rapport.surveys.models import Invitation, Question
from rapport.surveys.selectors import invitations as selectors
from rapport.surveys.services import invitations as invitation_services
from rapport.surveys.services import responses as response_services

TEMPLATES = "surveys/public/"

# The words under each score, so every radio button has a visible label of its own.
SCALE_WORDS: dict[str, dict[int, str]] = {
    QuestionKind.CSAT: {
        1: "Very dissatisfied",
        2: "Dissatisfied",
        3: "Neither satisfied nor dissatisfied",
        4: "Satisfied",
        5: "Very satisfied",
    },
    QuestionKind.CES: {
        1: "Strongly disagree",
        2: "Disagree",
        3: "Somewhat disagree",
        4: "Neither agree nor disagree",
        5: "Somewhat agree",
        6: "Agree",
        7: "Strongly agree",
    },
    QuestionKind.RATING: {1: "Very poor", 2: "Poor", 3: "Fair", 4: "Good", 5: "Excellent"},
    QuestionKind.NPS: {0: "Not at all likely", 10: "Extremely likely"},
}


@dataclass
class Option:
    value: str
    number: str
    words: str
    id: str


@dataclass
class Shown:
    """One question as the page shows it."""

    name: str
    kind: str
    prompt: str
    required: bool
    options: list[Option] = field(default_factory=list)
    value: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def first_id(self) -> str:
        return self.options[0].id if self.options else f"id_{self.name}"

    @property
    def compact(self) -> bool:
        """Numbers only (0–10) wrap in a row; worded scales stack one per line."""
        return self.kind == QuestionKind.NPS


def _options(question: Question, name: str) -> list[Option]:
    if question.kind in SCALES:
        low, high = SCALES[QuestionKind(question.kind)]
        words = SCALE_WORDS.get(question.kind, {})
        return [
            Option(str(n), str(n), words.get(n, ""), f"id_{name}_{n}") for n in range(low, high + 1)
        ]
    if question.kind == QuestionKind.CHOICE:
        return [
            Option(str(c), "", str(c), f"id_{name}_{i}") for i, c in enumerate(question.choices)
        ]
    return []


def _shown(invitation: Invitation, data: Any = None, problems: dict | None = None) -> list[Shown]:
    shown = []
    for question in invitation.survey.questions.order_by("order", "id"):
        name = response_services.field_name(question)
        shown.append(
            Shown(
                name=name,
                kind=question.kind,
                prompt=question.prompt,
                required=question.required,
                options=_options(question, name),
                value=(data or {}).get(name, ""),
                errors=(problems or {}).get(name, []),
            )
        )
    return shown


def _refused(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    """Answered (200), expired (410) or not valid (404): a plain page, never a 500."""
    return render(request, TEMPLATES + "message.html", {"error": exc}, status=exc.status)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        return _submit(request, token)
    try:
        invitation = invitation_services.invitation_open(token)
    except ApplicationError as exc:
        return _refused(request, exc)
    context = {"invitation": invitation, "questions": _shown(invitation), "token": token}
    return render(request, TEMPLATES + "answer.html", context)


def _submit(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = selectors.invitation_by_token(token)
    except ApplicationError as exc:
        return _refused(request, exc)
    data = {key: value for key, value in request.POST.items() if key.startswith("q")}
    try:
        response_services.response_submit(
            invitation=invitation,
            answers=data,
            verbatim="",
            device=response_services.device_hash(request.META.get("HTTP_USER_AGENT", "")),
            network=response_services.network_hash(client_address(request)),
        )
    except ValidationFailed as exc:
        context = {
            "invitation": invitation,
            "questions": _shown(invitation, data, exc.fields),
            "token": token,
            "problem": exc.message,
        }
        return render(request, TEMPLATES + "answer.html", context, status=400)
    except ApplicationError as exc:
        return _refused(request, exc)
    return redirect("survey_public:thanks", token)


def thanks(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = selectors.invitation_by_token(token)
    except selectors.InvitationAnswered:
        nonce = selectors.invitation_nonce_from(token)
        answered = Invitation.objects.select_related("survey").get(nonce=nonce)
        return render(request, TEMPLATES + "thanks.html", {"survey": answered.survey})
    except ApplicationError as exc:
        return _refused(request, exc)
    # Not answered yet: the form is where to go.
    return redirect("survey_public:answer", invitation_services.invitation_token(invitation))


urls = [
    path("<str:token>/", answer, name="answer"),
    path("<str:token>/thanks/", thanks, name="thanks"),
]
