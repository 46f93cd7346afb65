"""Running the gaming checks over a period and reviewing what they found.

The checks themselves are pure (rapport/surveys/gaming.py); this module loads the period's rows
with a handful of aggregate-friendly queries, saves one GamingFlag per (check, agent, period) and
records who ran and who reviewed them.
"""

import datetime
import math

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from rapport.accounts.models import User
from rapport.core.audit import audit_record
from rapport.core.errors import ValidationFailed
from rapport.core.permissions import require_roles
from rapport.core.roles import GAMING_REVIEWERS
from rapport.interactions.choices import Side
from rapport.interactions.models import Message
from rapport.surveys import gaming
from rapport.surveys.choices import FlagState, InvitationState
from rapport.surveys.models import Draw, GamingFlag, Invitation, Response
from rapport.surveys.selectors.invitations import invited
from rapport.surveys.selectors.reports import period_check
from rapport.surveys.services import draw as draw_services

NOTE_MAX = 2000


@transaction.atomic
def gaming_checks_run(
    *, start: datetime.date, end: datetime.date, by: User | None = None
) -> list[GamingFlag]:
    """Run the five checks over [start, end] and save their findings; running again updates the
    same flags. An open flag whose finding is gone is removed; a reviewed one is kept."""
    period_check(start, end)
    draws = _draw_rows(start, end)
    responses = _response_rows(start, end)
    messages = _agent_messages(start, end)
    names = _names(draws, responses, messages)
    findings = [
        *gaming.suppression_check(draws, unverified=_unverified(start, end), names=names),
        *gaming.begging_check(messages, names=names),
        *gaming.contradiction_check(responses, names=names),
        *gaming.clustering_check(responses, names=names),
        *gaming.improbable_check(responses, names=names),
    ]
    flags = [_flag_save(finding, start, end) for finding in findings]
    kept = {flag.pk for flag in flags}
    stale = GamingFlag.objects.filter(
        period_start=start, period_end=end, state=FlagState.OPEN
    ).exclude(pk__in=kept)
    removed = stale.count()
    stale.delete()
    audit_record(
        actor=by,
        action="survey.gaming_checks_run",
        detail={
            "start": start.isoformat(),
            "end": end.isoformat(),
            "flags": len(flags),
            "removed": removed,
        },
    )
    return flags


def _flag_save(finding: gaming.Finding, start: datetime.date, end: datetime.date) -> GamingFlag:
    flag, _ = GamingFlag.objects.update_or_create(
        kind=finding.kind,
        agent_id=finding.agent_id,
        period_start=start,
        period_end=end,
        defaults={
            "statistic": finding.statistic if math.isfinite(finding.statistic) else 0.0,
            "p_value": finding.p_value,
            "explanation": finding.explanation,
            "evidence": finding.evidence,
        },
    )
    return flag


@transaction.atomic
def gaming_flag_review(*, flag: GamingFlag, by: User, state: str, note: str) -> GamingFlag:
    """QA confirms or dismisses a flag, saying why."""
    require_roles(by, GAMING_REVIEWERS, action="review gaming flags")
    if state not in (FlagState.CONFIRMED, FlagState.DISMISSED):
        message = "Choose confirm or dismiss."
        raise ValidationFailed(message, fields={"state": [message]})
    note = (note or "").strip()
    if not note:
        message = "Say why: the note is kept with the review."
        raise ValidationFailed(message, fields={"note": [message]})
    if len(note) > NOTE_MAX:
        message = f"At most {NOTE_MAX} characters."
        raise ValidationFailed(message, fields={"note": [message]})
    locked = GamingFlag.objects.select_for_update().get(pk=flag.pk)
    previous = locked.state
    locked.state = state
    locked.review_note = note
    locked.reviewed_by = by
    locked.reviewed_at = timezone.now()
    locked.save(update_fields=["state", "review_note", "reviewed_by", "reviewed_at", "updated_at"])
    audit_record(
        actor=by,
        action="survey.gaming_flag_review",
        target=locked,
        detail={"from": previous, "to": state, "kind": locked.kind, "agent": locked.agent_id},
    )
    return locked


# ------------------------------------------------------------------------------------------------
# Loading the period's rows
# ------------------------------------------------------------------------------------------------


def _draw_rows(start: datetime.date, end: datetime.date) -> list[gaming.DrawRow]:
    sent = invited(Invitation.objects.filter(draw=OuterRef("pk")))
    fields = (
        "id", "agent_id", "interaction_id", "interaction__channel", "excluded", "selected",
        "invitation__state", "invited",
    )  # fmt: skip
    rows = (
        Draw.objects.filter(day__range=(start, end))
        .annotate(invited=Exists(sent))
        .values_list(*fields)
    )
    return [
        gaming.DrawRow(
            pk, agent, interaction, channel, excluded, selected, _invitation(state, sent)
        )
        for pk, agent, interaction, channel, excluded, selected, state, sent in rows
    ]


def _invitation(state: str | None, sent: bool) -> str | None:
    if state is None:
        return None
    if sent:
        return gaming.SENT
    return gaming.PENDING if state == InvitationState.QUEUED else gaming.NOT_SENT


def _unverified(start: datetime.date, end: datetime.date) -> dict[int, list[int]]:
    """Draws whose ticket or decision no longer follows from the recorded seed, per agent."""
    mismatches = draw_services.draw_verify(start=start, end=end)
    ids = [m.draw_id for m in mismatches]
    agents = dict(
        Draw.objects.filter(pk__in=ids, agent__isnull=False).values_list("pk", "agent_id")
    )
    found: dict[int, list[int]] = {}
    for draw_id in ids:
        if draw_id in agents:
            found.setdefault(agents[draw_id], []).append(draw_id)
    return found


def _response_rows(start: datetime.date, end: datetime.date) -> list[gaming.ResponseRow]:
    rows = Response.objects.filter(day__range=(start, end)).values_list(
        "id", "agent_id", "invitation__customer_id", "channel", "contact_type_id", "csat", "nps",
        "sentiment", "interaction__signal__compound", "device", "network",
    )  # fmt: skip
    return [gaming.ResponseRow(*row) for row in rows]


def _day_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, ...]:
    zone = timezone.get_current_timezone()
    first = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    after = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, zone)
    return first, after


def _agent_messages(start: datetime.date, end: datetime.date) -> list[gaming.AgentMessage]:
    first, after = _day_bounds(start, end)
    words = Q()
    for word in gaming.BEGGING_WORDS:
        words |= Q(body_text__icontains=word)
    rows = (
        Message.objects.filter(
            side=Side.AGENT, is_note=False, sent_at__gte=first, sent_at__lt=after
        )
        .filter(words)
        .annotate(by=Coalesce("author_id", "interaction__agent_id"))
        .filter(by__isnull=False)
        .values_list("id", "by", "interaction_id", "body_text")
    )
    return [gaming.AgentMessage(*row) for row in rows.iterator()]


def _names(draws, responses, messages) -> dict[int, str]:
    ids = {r.agent_id for r in [*draws, *responses, *messages] if r.agent_id is not None}
    return {user.pk: str(user) for user in User.objects.filter(pk__in=ids)}
