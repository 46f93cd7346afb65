"""A customer's answers to a survey: validated against each question, stored once, scored.

Device and network are keyed hashes (HMAC with SECRET_KEY, 16 hex characters) of the browser's
User-Agent and of the client address's /24 (IPv4) or /48 (IPv6): the gaming checks can see that
many answers came from one device or network, and nobody can read an address back from them.
"""

import hashlib
import hmac
import ipaddress
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rapport.core.audit import audit_record
from rapport.core.errors import Conflict, ValidationFailed
from rapport.insights import text as insight_text
from rapport.insights.services import alerts as insight_alerts
from rapport.surveys.choices import SCALES, InvitationState, QuestionKind
from rapport.surveys.models import Invitation, Question, Response
from rapport.surveys.selectors import invitations as invitation_selectors
from rapport.surveys.signals import survey_answered

VERBATIM_MAX = 2000
SCORE_COLUMNS = {QuestionKind.CSAT: "csat", QuestionKind.NPS: "nps", QuestionKind.CES: "ces"}
HASH_LENGTH = 16


def _keyed_hash(kind: str, value: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{value}".encode(), hashlib.sha256)
    return digest.hexdigest()[:HASH_LENGTH]


def device_hash(user_agent: str) -> str:
    return _keyed_hash("device", user_agent.strip()) if user_agent.strip() else ""


def network_hash(address: str) -> str:
    """The keyed hash of the address's /24 (IPv4) or /48 (IPv6); "" for no or a bad address."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    network = ipaddress.ip_network(f"{ip}/{prefix}", strict=False)
    return _keyed_hash("network", str(network))


# --- Validation -----------------------------------------------------------------------------------


def field_name(question: Question) -> str:
    """The form field of a question, also the key of its problems in a ValidationFailed."""
    return f"q{question.pk}"


def _raw(answers: dict, question: Question) -> Any:
    for key in (question.pk, str(question.pk), field_name(question)):
        if key in answers:
            return answers[key]
    return None


def _check(question: Question, raw: Any) -> tuple[Any, str]:
    """The clean answer (None when not answered) and a problem, or ""."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None, ("Please answer this question." if question.required else "")
    if question.kind in SCALES:
        low, high = SCALES[QuestionKind(question.kind)]
        if not text.lstrip("-").isdigit() or not low <= int(text) <= high:
            return None, f"Choose a number from {low} to {high}."
        return int(text), ""
    if question.kind == QuestionKind.CHOICE:
        if text not in [str(choice) for choice in question.choices]:
            return None, "Choose one of the answers shown."
        return text, ""
    if len(text) > VERBATIM_MAX:
        return None, f"Please keep it under {VERBATIM_MAX:,} characters (this is {len(text):,})."
    return text, ""


def answers_clean(*, questions: list[Question], answers: dict) -> dict[str, Any]:
    """Question id → clean answer, for the questions answered; refuses with every problem at once."""
    known = {str(q.pk) for q in questions} | {field_name(q) for q in questions}
    unknown = [key for key in answers if str(key) not in known]
    if unknown:
        raise ValidationFailed("An answer was given for a question this survey does not ask.")
    clean: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    for question in questions:
        value, problem = _check(question, _raw(answers, question))
        if problem:
            problems[field_name(question)] = [problem]
        elif value is not None:
            clean[str(question.pk)] = value
    if problems:
        count = len(problems)
        noun = "answer needs" if count == 1 else "answers need"
        raise ValidationFailed(f"{count} {noun} another look.", fields=problems)
    return clean


# --- Submitting -----------------------------------------------------------------------------------


def _scores(questions: list[Question], clean: dict[str, Any]) -> dict[str, int | None]:
    scores: dict[str, int | None] = dict.fromkeys(SCORE_COLUMNS.values())
    for question in questions:
        column = SCORE_COLUMNS.get(QuestionKind(question.kind)) if question.kind else None
        if column and scores[column] is None and str(question.pk) in clean:
            scores[column] = clean[str(question.pk)]
    return scores


def _verbatim(questions: list[Question], clean: dict[str, Any], verbatim: str) -> str:
    given = verbatim.strip()
    if len(given) > VERBATIM_MAX:
        message = f"Please keep it under {VERBATIM_MAX:,} characters (this is {len(given):,})."
        raise ValidationFailed(message, fields={"verbatim": [message]})
    texts = [
        clean[str(q.pk)] for q in questions if q.kind == QuestionKind.TEXT and str(q.pk) in clean
    ]
    return (given or "\n\n".join(texts))[:VERBATIM_MAX]


def _locked(invitation: Invitation) -> Invitation:
    row = Invitation.objects.select_for_update().select_related("interaction").get(pk=invitation.pk)
    if row.state == InvitationState.ANSWERED or Response.objects.filter(invitation=row).exists():
        raise Conflict("This survey has already been answered.", code="already_answered")
    if row.state == InvitationState.EXPIRED or row.expires_at <= timezone.now():
        raise invitation_selectors.InvitationExpired()
    return row


@transaction.atomic
def response_submit(
    *,
    invitation: Invitation,
    answers: dict,
    verbatim: str = "",
    device: str = "",
    network: str = "",
) -> Response:
    """Store a customer's answers once; credit them to the surveyed contact's day, agent, team,
    channel and contact type; score the words; raise the low-score alert; send survey_answered."""
    row = _locked(invitation)
    questions = list(row.survey.questions.order_by("order", "id"))
    clean = answers_clean(questions=questions, answers=answers)
    text = _verbatim(questions, clean, verbatim)
    scored = insight_text.text_score(text) if text else None
    interaction = row.interaction
    response = Response.objects.create(
        invitation=row,
        survey=row.survey,
        interaction=interaction,
        agent_id=row.agent_id,
        team_id=row.team_id,
        day=timezone.localdate(interaction.started_at),
        channel=interaction.channel,
        contact_type_id=interaction.contact_type_id,
        answers=clean,
        verbatim=text,
        sentiment=scored.compound if scored else None,
        intents=list(scored.intents) if scored else [],
        device=device[:HASH_LENGTH],
        network=network[:HASH_LENGTH],
        **_scores(questions, clean),
    )
    row.state = InvitationState.ANSWERED
    row.answered_at = response.created_at
    row.save(update_fields=["state", "answered_at", "updated_at"])
    worst = _worst_score(response)
    if worst is not None:
        insight_alerts.alert_raise_for_score(
            source_key=f"response:{response.pk}",
            interaction=interaction,
            score=worst[1],
            scale=worst[0],
            verbatim=text,
        )
    audit_record(actor=None, action="survey.response_submitted", target=response)
    survey_answered.send(sender=Response, response=response)
    return response


def _worst_score(response: Response) -> tuple[str, int] | None:
    """The answer lowest on its own scale (CSAT, NPS or effort): the low-score rule reads that one,
    so a survey without a CSAT answer still alerts on a 0 out of 10."""
    answered = [
        (kind, score)
        for kind, score in (
            (QuestionKind.CSAT, response.csat),
            (QuestionKind.NPS, response.nps),
            (QuestionKind.CES, response.ces),
        )
        if score is not None
    ]
    if not answered:
        return None

    def position(item: tuple[str, int]) -> float:
        low, high = SCALES[QuestionKind(item[0])]
        return (item[1] - low) / (high - low)

    return min(answered, key=position)
