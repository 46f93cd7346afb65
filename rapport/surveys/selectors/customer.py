"""One customer's surveys, for views that already decided the asker may see that customer."""

from rapport.surveys.models import Invitation


def invitations_of(
    customer_id: int, *, answered_only: bool = False, limit: int = 10
) -> list[Invitation]:
    """The customer's last invitations (or only those answered) with their answers, newest first."""
    rows = Invitation.objects.filter(customer_id=customer_id).select_related(
        "response", "interaction", "agent"
    )
    if answered_only:
        rows = rows.filter(response__isnull=False)
    return list(rows.order_by("-created_at", "-id")[:limit])
