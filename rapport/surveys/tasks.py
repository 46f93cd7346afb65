"""Background work on surveys (run by `manage.py db_worker`; enqueued by `manage.py survey_watch`
and, for an invitation, when the draw that selected it commits)."""

from django.utils import timezone
from django_tasks import task

from rapport.surveys import draw
from rapport.surveys.models import Invitation
from rapport.surveys.services import draw as draw_services
from rapport.surveys.services import invitations as invitation_services


@task()
def invitation_send_task(invitation_id: int) -> str:
    """Send one invitation; a second run, or one for a gone invitation, changes nothing."""
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    if invitation is None:
        return "gone"
    return invitation_services.invitation_send(invitation=invitation).state


@task()
def surveys_tick() -> dict[str, int]:
    """Draw handled contacts nobody drew yet, send what is queued, expire old links."""
    since = timezone.now() - draw.DRAW_HORIZON
    drawn = draw_services.draws_sweep(since=since)
    queued = invitation_services.invitations_queued()
    for invitation_id in queued:
        invitation = Invitation.objects.get(pk=invitation_id)
        invitation_services.invitation_send(invitation=invitation)
    expired = invitation_services.invitations_expire()
    return {"drawn": drawn, "sent": len(queued), "expired": expired}
