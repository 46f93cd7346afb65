"""Who may read proficiency, time to proficiency and training impact, and the reads themselves.

- One agent's proficiency: the agent, the supervisor of the agent's team, trainers and admins;
  anyone else is told "not found".
- A team's matrix: supervisors their own teams, trainers and admins any team.
- Time to proficiency and training impact are aggregates of groups (impact readers only); no
  figure there belongs to one person.
"""

import datetime
import re
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from rapport.accounts.models import Skill, Team, User
from rapport.core.errors import NotFound, ValidationFailed
from rapport.core.roles import IMPACT_READERS, Role, has_any_role, roles_of
from rapport.learning import impact as training
from rapport.learning import proficiency
from rapport.learning.models import Module
from rapport.performance.models import Kpi

ALL_AGENTS_READERS = frozenset({Role.TRAINER, Role.ADMIN})
NUMBER = re.compile(r"[0-9]{1,18}")


def _sees_everyone(viewer: User) -> bool:
    return bool(roles_of(viewer) & ALL_AGENTS_READERS)


def _agents() -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True, groups__name=Role.AGENT)
        .select_related("team")
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def teams_for(*, viewer: User) -> QuerySet[Team]:
    """Teams whose matrix the viewer may open."""
    teams = Team.objects.order_by("name")
    if _sees_everyone(viewer):
        return teams
    if Role.SUPERVISOR in roles_of(viewer):
        return teams.filter(supervisor=viewer)
    return teams.none()


def team_get_for(*, viewer: User, team_id: int | str | None) -> Team:
    if team_id is None or not NUMBER.fullmatch(str(team_id)):
        raise NotFound("No such team.")
    team = teams_for(viewer=viewer).filter(pk=int(team_id)).first()
    if team is None:
        raise NotFound("No such team.")
    return team


def agent_get_for(*, viewer: User, agent_id: int | str) -> User:
    """An agent whose proficiency the viewer may read."""
    if not NUMBER.fullmatch(str(agent_id)):
        raise NotFound("No such agent.")
    agent = _agents().filter(pk=int(agent_id)).first()
    if agent is None or not may_read_agent(viewer, agent):
        raise NotFound("No such agent.")
    return agent


def may_read_agent(viewer: User, agent: User) -> bool:
    if viewer.pk == agent.pk or _sees_everyone(viewer):
        return True
    team = agent.team
    return (
        team is not None and team.supervisor_id == viewer.pk and Role.SUPERVISOR in roles_of(viewer)
    )


def proficiency_for_agent(
    *, viewer: User, agent: User, day: datetime.date | None = None
) -> proficiency.AgentProficiency:
    """The agent's level in every tracked skill, with the evidence behind it."""
    if not may_read_agent(viewer, agent):
        raise NotFound("No such agent.")
    return proficiency.agent_proficiency(agent, day=day)


@dataclass
class TeamRow:
    agent: User
    cells: list[proficiency.SkillEvidence]


@dataclass
class TeamMatrix:
    team: Team
    skills: list[Skill]
    rows: list[TeamRow]
    as_of: datetime.date

    def proficient_counts(self) -> list[int]:
        """Per skill: how many of the team's agents are proficient."""
        return [
            sum(1 for row in self.rows if row.cells[i].level == proficiency.PROFICIENT)
            for i in range(len(self.skills))
        ]


def team_proficiency(*, viewer: User, team: Team, day: datetime.date | None = None) -> TeamMatrix:
    """The team's agents × tracked skills."""
    if not teams_for(viewer=viewer).filter(pk=team.pk).exists():
        raise NotFound("No such team.")
    day = day or timezone.localdate()
    agents = list(_agents().filter(team=team))
    skills = proficiency.tracked_skills()
    found = proficiency.evidence_for(agents=agents, skills=skills, day=day)
    rows = [
        TeamRow(agent=agent, cells=[found[(agent.pk, skill.pk)] for skill in skills])
        for agent in agents
    ]
    return TeamMatrix(team=team, skills=skills, rows=rows, as_of=day)


def _require_impact_reader(viewer: User) -> None:
    if not has_any_role(viewer, IMPACT_READERS):
        raise NotFound("Not found.")


def cohorts_for(*, viewer: User, today: datetime.date | None = None) -> proficiency.CohortReport:
    """Time to proficiency of new-hire cohorts: agents with a first day, those who have left
    included (a cohort without its leavers would look better than it was)."""
    _require_impact_reader(viewer)
    people = (
        User.objects.filter(groups__name=Role.AGENT, started_on__isnull=False)
        .distinct()
        .order_by("pk")
    )
    return proficiency.cohort_report(list(people), today=today)


def impact_modules() -> QuerySet[Module]:
    return Module.objects.filter(is_active=True).select_related("skill").order_by("title")


def impact_kpis() -> QuerySet[Kpi]:
    return Kpi.objects.filter(is_active=True).order_by("order", "name")


@dataclass(frozen=True)
class ImpactQuestion:
    module: Module
    kpi: Kpi
    window_days: int
    match: str


def impact_question(
    *, module: str | None, kpi: str | None, window: str | None, match: str | None
) -> ImpactQuestion:
    """Parse what was asked; anything unreadable is a plain 400, never a 500."""
    if not module or not NUMBER.fullmatch(module):
        raise ValidationFailed("Pick a module.", fields={"module": ["Pick a module."]})
    found_module = impact_modules().filter(pk=int(module)).first()
    if found_module is None:
        raise ValidationFailed("No such module.", fields={"module": ["No such module."]})
    found_kpi = impact_kpis().filter(key=kpi or "").first()
    if found_kpi is None:
        raise ValidationFailed("Pick a KPI.", fields={"kpi": ["Pick a KPI."]})
    days = training.DEFAULT_WINDOW
    if window:
        if not NUMBER.fullmatch(window) or int(window) not in training.WINDOWS:
            allowed = ", ".join(str(w) for w in training.WINDOWS)
            message = f"The window is one of {allowed} days."
            raise ValidationFailed(message, fields={"window": [message]})
        days = int(window)
    how = match or training.MATCH_ROLE
    if how not in (training.MATCH_ROLE, training.MATCH_TEAM):
        raise ValidationFailed("Compare with agents of the same role or the same team.")
    return ImpactQuestion(module=found_module, kpi=found_kpi, window_days=days, match=how)


def impact_for(
    *, viewer: User, question: ImpactQuestion, today: datetime.date | None = None
) -> training.Impact:
    """The difference in differences for one module and KPI (impact readers only)."""
    _require_impact_reader(viewer)
    return training.training_impact(
        module=question.module,
        kpi=question.kpi,
        window_days=question.window_days,
        match=question.match,
        today=today,
    )
