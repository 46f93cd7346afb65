"""Reads about people, scoped to the asking user."""

from django.db.models import Q, QuerySet

from rapport.accounts.models import (
    AgentStateChange,
    ApiToken,
    ExternalAccount,
    RoleSecurityPolicy,
    Team,
    User,
)
from rapport.core.errors import NotFound, ValidationFailed
from rapport.core.roles import (
    IMPORTERS,
    PEOPLE_READERS,
    Role,
    has_any_role,
    is_admin,
    roles_of,
)


def _visible_people(viewer: User) -> QuerySet[User]:
    """Admins see everyone; supervisors see the members of the teams they lead and themselves."""
    people = User.objects.filter(is_active=True)
    if is_admin(viewer):
        return people
    if Role.SUPERVISOR in roles_of(viewer):
        return people.filter(Q(team__supervisor=viewer) | Q(pk=viewer.pk))
    return people.filter(pk=viewer.pk)


def user_list_for(*, viewer: User, role: str | None = None, search: str = "") -> QuerySet[User]:
    if not has_any_role(viewer, PEOPLE_READERS):
        return User.objects.none()
    if role and role not in Role.values:
        raise ValidationFailed(
            f"'{role}' is not a role. Use one of: {', '.join(Role.values)}.",
            fields={"role": ["Unknown role."]},
        )
    people = _visible_people(viewer).select_related("team").prefetch_related("groups")
    if role:
        people = people.filter(groups__name=role)
    if search:
        people = people.filter(
            Q(username__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
        )
    return people.order_by("team__name", "last_name", "username").distinct()


def user_get_for(*, viewer: User, user_id: int) -> User:
    try:
        return _visible_people(viewer).select_related("team").get(pk=user_id)
    except User.DoesNotExist:
        raise NotFound("No such person.") from None


def team_list_for(*, viewer: User) -> QuerySet[Team]:
    teams = Team.objects.select_related("supervisor")
    if is_admin(viewer):
        return teams
    if Role.SUPERVISOR in roles_of(viewer):
        return teams.filter(supervisor=viewer)
    return teams.filter(pk=viewer.team_id) if viewer.team_id else teams.none()


def agent_state_history_for(
    *, viewer: User, agent: User, limit: int = 50
) -> list[AgentStateChange]:
    """State history is performance data: the agent, their supervisor and admins only."""
    visible = _visible_people(viewer)
    if not visible.filter(pk=agent.pk).exists():
        raise NotFound("No such person.")
    return list(agent.state_changes.all()[:limit])


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def api_token_get_for(*, user: User, token_id: int) -> ApiToken:
    try:
        return ApiToken.objects.get(user=user, pk=token_id)
    except ApiToken.DoesNotExist:
        raise NotFound("No such token.") from None


def second_factor_required(*, user: User) -> bool:
    """True when any of the user's roles is set to require TOTP."""
    roles = roles_of(user)
    if not roles:
        return False
    return RoleSecurityPolicy.objects.filter(role__in=roles, require_second_factor=True).exists()


def external_accounts_for(*, user, query: str = "", source: str = "") -> QuerySet[ExternalAccount]:
    """Who is who in other systems, for the admins who run imports; a search matches the
    system, the id, or the person's username or name."""
    if not has_any_role(user, IMPORTERS):
        return ExternalAccount.objects.none()
    accounts = ExternalAccount.objects.select_related("user").order_by("source", "external_id")
    if source:
        accounts = accounts.filter(source=source)
    for word in query.split():
        accounts = accounts.filter(
            Q(source__icontains=word)
            | Q(external_id__icontains=word)
            | Q(user__username__icontains=word)
            | Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
        )
    return accounts


def external_systems() -> list[str]:
    """The systems people have ids in, for filters and suggestions."""
    return list(
        ExternalAccount.objects.order_by("source").values_list("source", flat=True).distinct()
    )
