"""Reads of invitations: the admins' list with its response rate, and the public link's lookup."""

from dataclasses import dataclass

from django.core import signing
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from statsmodels.stats.proportion import proportion_confint

from rapport.core.errors import ApplicationError, NotFound
from rapport.core.roles import SURVEY_ADMINS, has_any_role
from rapport.surveys.choices import InvitationState
from rapport.surveys.models import Invitation

TOKEN_SALT = "rapport.surveys"  # noqa: S105 - a signing salt, not a secret
# Invitations the customer could have answered: delivered, whatever happened next.
DELIVERED = (
    InvitationState.SENT,
    InvitationState.OPENED,
    InvitationState.ANSWERED,
    InvitationState.EXPIRED,
)


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
    """Answered ÷ delivered invitations with a Wilson 95% interval; failed sends are counted apart
    (the customer never had the link, so they are not non-response)."""
    if not has_any_role(viewer, SURVEY_ADMINS):
        raise NotFound()
    counts = Invitation.objects.aggregate(
        delivered=Count("pk", filter=Q(state__in=DELIVERED)),
        answered=Count("pk", filter=Q(state=InvitationState.ANSWERED)),
        failed=Count("pk", filter=Q(state=InvitationState.FAILED)),
    )
    delivered, answered = counts["delivered"], counts["answered"]
    if not delivered:
        return ResponseRate(0, 0, counts["failed"], None, None, None, False)
    low, high = proportion_confint(answered, delivered, alpha=0.05, method="wilson")
    return ResponseRate(
        delivered,
        answered,
        counts["failed"],
        answered / delivered,
        float(low),
        float(high),
        delivered >= min_n,
    )
