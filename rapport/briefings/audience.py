"""Who an audience (a briefing's or a poll's) reaches.

People who hold one of the chosen roles AND are in one of the chosen teams AND hold one of the
chosen skills — an empty choice does not narrow — plus everyone named one by one. An audience
with nothing chosen reaches nobody: "everyone" is chosen by ticking every role. Only active
accounts are reached."""

from django.db.models import Q, QuerySet

from rapport.accounts.models import User
from rapport.core.roles import Role


def audience_members(audience) -> QuerySet[User]:
    """The people an unsaved-or-saved Briefing/Poll reaches, for a saved one (M2M needs a pk)."""
    roles = [role for role in audience.audience_roles or [] if role in Role.values]
    team_ids = list(audience.audience_teams.values_list("pk", flat=True))
    skill_ids = list(audience.audience_skills.values_list("pk", flat=True))
    named = Q(pk__in=audience.audience_agents.values("pk"))
    if not (roles or team_ids or skill_ids):
        return User.objects.filter(named, is_active=True)
    chosen = Q()
    if roles:
        chosen &= Q(groups__name__in=roles) | (
            Q(is_superuser=True) if Role.ADMIN in roles else Q(pk__in=[])
        )
    if team_ids:
        chosen &= Q(team_id__in=team_ids)
    if skill_ids:
        chosen &= Q(skills__skill_id__in=skill_ids)
    return User.objects.filter(chosen | named, is_active=True).distinct()


def audience_includes(audience, user: User) -> bool:
    return audience_members(audience).filter(pk=user.pk).exists()


def audience_summary(audience) -> str:
    """The audience in words, for lists and confirmations."""
    parts = []
    roles = [Role(role).label for role in audience.audience_roles or [] if role in Role.values]
    if roles:
        parts.append("roles: " + ", ".join(roles))
    teams = [team.name for team in audience.audience_teams.all()]
    if teams:
        parts.append("teams: " + ", ".join(teams))
    skills = [skill.name for skill in audience.audience_skills.all()]
    if skills:
        parts.append("skills: " + ", ".join(skills))
    named = [str(user) for user in audience.audience_agents.all()]
    if named:
        parts.append("named: " + ", ".join(named))
    return "; ".join(parts) or "nobody yet"
