"""Reads of invitations: the admins' list with its response rate, and the public link's lookup."""

from dataclasses import dataclass

from django.core import signing
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from rapport.core.errors import ApplicationError, NotFound
from rapport.core.roles import SURVEY_ADMINS, has_any_role
from rapport.surveys import stats
from rapport.surveys.choices import InvitationState
from rapport.surveys.models import Invitation

TOKEN_SALT = "rapport.surveys"  # noqa: S105 - a signing salt, not a secret
# The one definition of "invited": the invitation went out (sent_at is set), whatever happened
# next. A queued one not sent yet, a failed send, and one that expired before it was ever sent
# are not invitations the customer had; the report, the non-response check, the invitations page
# and the gaming checks all count with this.
INVITED = Q(sent_at__isnull=False)


def invited(rows: QuerySet[Invitation] | None = None) -> QuerySet[Invitation]:
    """The invitations among `rows` (default: all) that count as invited."""
    return (Invitation.objects.all() if rows is None else rows).filter(INVITED)


class InvitationInvalid(NotFound):
    code = "invitation_invalid"

    def __init__(self) -> None:
        super().__init__("This survey link is not valid. Check that it was copied in full.")


class InvitationExpired(ApplicationError):
    status = 410
    code = "invitation_expired"

    def __init__(self) -> None:
        super().__init__("This survey link has expired. Thank you all the same.")


class InvitationAnswered(ApplicationError):
    status = 200
    code = "invitation_answered"

    def __init__(self) -> None:
        super().__init__("This survey has already been answered. Thank you!")


def invitation_nonce_from(token: str) -> str:
    try:
        return signing.TimestampSigner(salt=TOKEN_SALT).unsign(token)
    except signing.BadSignature:
        raise InvitationInvalid() from None


def invitation_by_token(token: str, *, for_update: bool = False) -> Invitation:
    """The invitation a link names, if its signature holds; refuses answered and expired ones."""
    nonce = invitation_nonce_from(token)
    rows = Invitation.objects.select_related("survey", "interaction")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    invitation = rows.filter(nonce=nonce).first()
    if invitation is None:
        raise InvitationInvalid()
    if invitation.state == InvitationState.ANSWERED:
        raise InvitationAnswered()
    if invitation.state == InvitationState.EXPIRED or invitation.expires_at <= timezone.now():
        raise InvitationExpired()
    return invitation


def invitations_for(*, viewer, state: str = "") -> QuerySet[Invitation]:
    if not has_any_role(viewer, SURVEY_ADMINS):
        return Invitation.objects.none()
    rows = Invitation.objects.select_related("survey", "agent", "team", "interaction")
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("-created_at", "-id")


@dataclass(frozen=True)
class ResponseRate:
    delivered: int
    answered: int
    failed: int
    rate: float | None
    low: float | None
    high: float | None
    enough: bool


def response_rate(*, viewer, min_n: int) -> ResponseRate:
    """Answered ÷ invited (stats.response_rate: Wilson 95% interval, none below min_n); failed
    sends are counted apart (the customer never had the link, so they are not non-response)."""
    if not has_any_role(viewer, SURVEY_ADMINS):
        raise NotFound()
    counts = Invitation.objects.aggregate(
        delivered=Count("pk", filter=INVITED),
        answered=Count("pk", filter=INVITED & Q(state=InvitationState.ANSWERED)),
        failed=Count("pk", filter=Q(state=InvitationState.FAILED)),
    )
    delivered, answered = counts["delivered"], counts["answered"]
    rate = stats.response_rate(answered, delivered, min_n=min_n)
    return ResponseRate(
        delivered,
        answered,
        counts["failed"],
        rate.value,
        rate.ci_low,
        rate.ci_high,
        rate.enough_data,
    )
