"""Reads of gaming flags: for QA analysts and admins only (supervisors are not reviewers, their
teams' scores are what is checked). Anyone else is told the flag does not exist."""

from django.db.models import QuerySet

from rapport.accounts.models import User
from rapport.core.errors import NotFound
from rapport.core.roles import GAMING_REVIEWERS, has_any_role
from rapport.surveys.choices import FlagState, GamingCheck
from rapport.surveys.models import Draw, GamingFlag, Response

MAX_ID = 2**63 - 1


def may_review(user) -> bool:
    return has_any_role(user, GAMING_REVIEWERS)


def flags_for(
    user, *, state: str | None = None, kind: str | None = None, agent_id: int | None = None
) -> QuerySet[GamingFlag]:
    """Flags the user may see, newest period first; unknown filter values match nothing."""
    if not may_review(user):
        return GamingFlag.objects.none()
    flags = GamingFlag.objects.select_related("agent__team", "reviewed_by").order_by(
        "-period_end", "-created_at", "-id"
    )
    if state:
        flags = flags.filter(state=state) if state in FlagState.values else flags.none()
    if kind:
        flags = flags.filter(kind=kind) if kind in GamingCheck.values else flags.none()
    if agent_id is not None:
        valid = isinstance(agent_id, int) and 0 < agent_id <= MAX_ID
        flags = flags.filter(agent_id=agent_id) if valid else flags.none()
    return flags


def flag_get_for(user, *, flag_id: int) -> GamingFlag:
    if not isinstance(flag_id, int) or not 0 < flag_id <= MAX_ID:
        raise NotFound("No such flag.")
    flag = flags_for(user).filter(pk=flag_id).first()
    if flag is None:
        raise NotFound("No such flag.")
    return flag


def flagged_agents(user) -> list[tuple[int, str]]:
    """Agents who have a flag, for the list's filter."""
    if not may_review(user):
        return []
    agents = User.objects.filter(survey_flags__isnull=False).distinct()
    return sorted(((agent.pk, str(agent)) for agent in agents), key=lambda item: item[1])


def response_contacts(response_ids) -> dict[int, int]:
    """The contact each response is about, so evidence can link to the conversation."""
    ids = [i for i in response_ids if isinstance(i, int) and 0 < i <= MAX_ID]
    return dict(Response.objects.filter(pk__in=ids).values_list("pk", "interaction_id"))


def draw_contacts(draw_ids) -> dict[int, int]:
    ids = [i for i in draw_ids if isinstance(i, int) and 0 < i <= MAX_ID]
    return dict(Draw.objects.filter(pk__in=ids).values_list("pk", "interaction_id"))
