"""Proficiency of an agent or a team (learning trackers; an agent their own), and time to
proficiency and training impact (impact readers; aggregates of groups, never one person).

Out of reach answers 404 for agents and teams; a role that may not read impact at all gets 403.
"""

from typing import Any

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.core.permissions import require_roles
from rapport.core.roles import IMPACT_READERS, LEARNING_TRACKERS
from rapport.learning import impact as training
from rapport.learning import proficiency as levels
from rapport.learning.selectors import proficiency as selectors


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


class RuleSerializer(serializers.Serializer):
    rule = serializers.IntegerField()
    measure = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    n = serializers.IntegerField()
    target = serializers.FloatField(allow_null=True)
    unit = serializers.CharField()
    window_days = serializers.IntegerField()
    enough_data = serializers.BooleanField()
    holds = serializers.BooleanField()


class SkillSerializer(serializers.Serializer):
    skill = serializers.IntegerField()
    name = serializers.CharField()
    level = serializers.ChoiceField(choices=list(levels.LEVEL_LABELS))
    modules_total = serializers.IntegerField()
    modules_completed = serializers.IntegerField()
    open_assignments = serializers.IntegerField()
    open_gap_assignments = serializers.IntegerField()
    review_items = serializers.IntegerField()
    mastered = serializers.IntegerField()
    mastery = serializers.FloatField(allow_null=True, help_text="Share mastered, 0…1.")
    preventable_escalations = serializers.IntegerField()
    recorded_level = serializers.IntegerField(allow_null=True)
    rules = RuleSerializer(many=True)
    still_to_do = serializers.ListField(child=serializers.CharField())


class AgentProficiencySerializer(serializers.Serializer):
    agent = serializers.IntegerField()
    name = serializers.CharField()
    as_of = serializers.DateField()
    skills = SkillSerializer(many=True)


class TeamAgentSerializer(serializers.Serializer):
    agent = serializers.IntegerField()
    name = serializers.CharField()
    skills = SkillSerializer(many=True)


class TeamProficiencySerializer(serializers.Serializer):
    team = serializers.IntegerField()
    name = serializers.CharField()
    as_of = serializers.DateField()
    skills = serializers.ListField(child=serializers.CharField())
    agents = TeamAgentSerializer(many=True)


def _skill(item: levels.SkillEvidence) -> dict[str, Any]:
    return {
        "skill": item.skill.pk,
        "name": item.skill.name,
        "level": item.level,
        "modules_total": item.modules_total,
        "modules_completed": item.modules_completed,
        "open_assignments": item.open_assignments,
        "open_gap_assignments": item.open_gap_assignments,
        "review_items": item.review_items,
        "mastered": item.mastered,
        "mastery": _round(item.mastery, 3),
        "preventable_escalations": item.preventable_escalations,
        "recorded_level": item.recorded_level,
        "rules": [
            {
                "rule": check.rule.pk,
                "measure": check.label,
                "value": _round(check.measure.value),
                "n": check.measure.n,
                "target": _round(check.measure.target),
                "unit": check.measure.unit,
                "window_days": check.measure.days,
                "enough_data": check.enough_data,
                "holds": check.holds,
            }
            for check in item.rules
        ],
        "still_to_do": item.reasons,
    }


class AgentProficiencyApi(APIView):
    @extend_schema(responses={200: AgentProficiencySerializer})
    def get(self, request: Request, agent_id: int) -> Response:
        """One agent's level in every tracked skill, with the evidence (the agent, the agent's
        supervisor, trainers, admins)."""
        agent = selectors.agent_get_for(viewer=request.user, agent_id=agent_id)  # type: ignore[arg-type]
        found = selectors.proficiency_for_agent(viewer=request.user, agent=agent)  # type: ignore[arg-type]
        body = {
            "agent": agent.pk,
            "name": str(agent),
            "as_of": found.as_of,
            "skills": [_skill(item) for item in found.skills],
        }
        return Response(AgentProficiencySerializer(body).data)


class TeamProficiencyApi(APIView):
    @extend_schema(responses={200: TeamProficiencySerializer})
    def get(self, request: Request, team_id: int) -> Response:
        """A team's agents × tracked skills (supervisors their teams, trainers and admins any)."""
        team = selectors.team_get_for(viewer=request.user, team_id=team_id)  # type: ignore[arg-type]
        matrix = selectors.team_proficiency(viewer=request.user, team=team)  # type: ignore[arg-type]
        body = {
            "team": team.pk,
            "name": team.name,
            "as_of": matrix.as_of,
            "skills": [skill.name for skill in matrix.skills],
            "agents": [
                {
                    "agent": row.agent.pk,
                    "name": str(row.agent),
                    "skills": [_skill(c) for c in row.cells],
                }
                for row in matrix.rows
            ],
        }
        return Response(TeamProficiencySerializer(body).data)


class CohortSerializer(serializers.Serializer):
    cohort = serializers.CharField(help_text="Month started, YYYY-MM.")
    n = serializers.IntegerField()
    shown = serializers.BooleanField(
        help_text="False below the minimum cohort size: then only n is given."
    )
    proficient = serializers.IntegerField(allow_null=True)
    left = serializers.IntegerField(
        allow_null=True, help_text="New hires who have left, observed until their last data."
    )
    median_days = serializers.FloatField(allow_null=True)
    median_ci_low = serializers.FloatField(allow_null=True)
    median_ci_high = serializers.FloatField(allow_null=True)


class CohortsSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    weeks = serializers.IntegerField(help_text="Consecutive weeks at target that make proficient.")
    new_hire_days = serializers.IntegerField(help_text="New hires started within this many days.")
    first_data_day = serializers.DateField(allow_null=True, help_text="First day of the ledger.")
    min_cohort = serializers.IntegerField()
    kpis = serializers.ListField(child=serializers.CharField())
    cohorts = CohortSerializer(many=True)


def _cohort(cohort: levels.Cohort) -> dict[str, Any]:
    """A cohort under the minimum size gives its n only: no times, no median."""
    found = cohort.survival
    shown = cohort.shown
    return {
        "cohort": cohort.label,
        "n": found.n,
        "shown": shown,
        "proficient": found.reached if shown else None,
        "left": cohort.left if shown else None,
        "median_days": found.median if shown else None,
        "median_ci_low": found.median_low if shown else None,
        "median_ci_high": found.median_high if shown else None,
    }


class CohortsApi(APIView):
    @extend_schema(responses={200: CohortsSerializer})
    def get(self, request: Request) -> Response:
        """Time to proficiency per new-hire cohort: Kaplan–Meier median days with its 95 %
        interval (impact readers)."""
        require_roles(request.user, IMPACT_READERS, action="read time to proficiency")
        report = selectors.cohorts_for(viewer=request.user)  # type: ignore[arg-type]
        body = {
            "as_of": report.as_of,
            "weeks": report.weeks,
            "new_hire_days": report.new_hire_days,
            "first_data_day": report.first_data_day,
            "min_cohort": report.min_cohort,
            "kpis": [kpi.key for kpi in report.kpis],
            "cohorts": [_cohort(cohort) for cohort in report.cohorts],
        }
        return Response(CohortsSerializer(body).data)


class ImpactFigureSerializer(serializers.Serializer):
    mean = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)


class GroupSerializer(serializers.Serializer):
    agents = serializers.IntegerField()
    before = ImpactFigureSerializer()
    after = ImpactFigureSerializer()
    change = ImpactFigureSerializer()


class ImpactSerializer(serializers.Serializer):
    module = serializers.IntegerField()
    kpi = serializers.CharField()
    window_days = serializers.IntegerField()
    match = serializers.CharField()
    enough_data = serializers.BooleanField()
    estimate = serializers.FloatField(allow_null=True, help_text="Difference in differences.")
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)
    trained = GroupSerializer(allow_null=True)
    untrained = GroupSerializer(allow_null=True)
    pending = serializers.IntegerField(
        help_text="Trained agents whose after window has not ended by yesterday."
    )
    short = serializers.IntegerField(
        help_text="Trained agents left out: too little data in the before or after window."
    )
    last_day = serializers.DateField(
        allow_null=True, help_text="The last complete day counted (yesterday)."
    )
    unit = serializers.CharField(help_text="The KPI's unit: percent, seconds, score, money, nps.")
    unmatched = serializers.IntegerField(
        help_text="Trained agents left out: no comparable untrained agent."
    )
    matched_by = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Trained agents by how their controls were found: gap_rule or caliper.",
    )
    baseline_difference = serializers.FloatField(
        allow_null=True, help_text="Trained minus untrained, before-window means."
    )
    baseline_ci_low = serializers.FloatField(allow_null=True)
    baseline_ci_high = serializers.FloatField(allow_null=True)
    baseline_p_value = serializers.FloatField(allow_null=True)
    started_level = serializers.BooleanField(
        allow_null=True, help_text="False when the before-window means differ beyond noise."
    )
    notes = serializers.ListField(child=serializers.CharField())


def _figure(part: training.Interval) -> dict[str, Any]:
    return {"mean": _round(part.mean), "ci_low": _round(part.low), "ci_high": _round(part.high)}


def _group(group: training.Group, shown: bool) -> dict[str, Any] | None:
    if not shown:
        return None
    return {
        "agents": group.agents,
        "before": _figure(group.before),
        "after": _figure(group.after),
        "change": _figure(group.change),
    }


def _baseline(found: training.Difference | None) -> dict[str, Any]:
    return {
        "baseline_difference": _round(found.estimate) if found else None,
        "baseline_ci_low": _round(found.ci_low) if found else None,
        "baseline_ci_high": _round(found.ci_high) if found else None,
        "baseline_p_value": _round(found.p_value, 4) if found else None,
        "started_level": (not found.significant) if found else None,
    }


IMPACT_PARAMETERS = [
    OpenApiParameter("module", int, required=True, description="The module's id."),
    OpenApiParameter("kpi", str, required=True, description="The KPI's key."),
    OpenApiParameter(
        "window", int, enum=list(training.WINDOWS), description="Days before and after; 28."
    ),
    OpenApiParameter(
        "match",
        str,
        enum=[training.MATCH_ROLE, training.MATCH_TEAM],
        description="Untrained agents of the same role (default) or the same team.",
    ),
]


class ImpactApi(APIView):
    @extend_schema(parameters=IMPACT_PARAMETERS, responses={200: ImpactSerializer})
    def get(self, request: Request) -> Response:
        """Training impact of a module on a KPI: difference in differences of trained against
        comparable untrained agents (picked by the same gap rule, or matched on the
        before-window KPI), with Welch's 95 % interval and the groups' before-window difference
        (impact readers)."""
        require_roles(request.user, IMPACT_READERS, action="read training impact")
        question = selectors.impact_question(
            module=request.query_params.get("module"),
            kpi=request.query_params.get("kpi"),
            window=request.query_params.get("window"),
            match=request.query_params.get("match"),
        )
        found = selectors.impact_for(viewer=request.user, question=question)  # type: ignore[arg-type]
        body = {
            "module": found.module.pk,
            "kpi": found.kpi.key,
            "window_days": found.window_days,
            "match": found.match,
            "enough_data": found.enough_data,
            "estimate": _round(found.estimate),
            "ci_low": _round(found.ci_low),
            "ci_high": _round(found.ci_high),
            "p_value": _round(found.p_value, 4),
            "trained": _group(found.trained, found.enough_data),
            "untrained": _group(found.untrained, found.enough_data),
            "pending": found.pending,
            "short": found.short,
            "last_day": found.last_day,
            "unit": found.kpi.unit,
            "unmatched": found.unmatched,
            "matched_by": found.matched_by,
            **_baseline(found.baseline),
            "notes": found.notes,
        }
        return Response(ImpactSerializer(body).data)


class RetentionFigureSerializer(serializers.Serializer):
    group = serializers.IntegerField(allow_null=True, help_text="Team, module or skill id.")
    name = serializers.CharField()
    shown = serializers.BooleanField(
        help_text="False when fewer than min_group agents answered reviews: no figures then."
    )
    agents = serializers.IntegerField(allow_null=True)
    answers = serializers.IntegerField(allow_null=True)
    retention = serializers.FloatField(allow_null=True, help_text="Share answered right, 0…1.")
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    predicted_recall = serializers.FloatField(allow_null=True, help_text="Mean predicted, 0…1.")
    mastery_shown = serializers.BooleanField()
    mastered = serializers.IntegerField(allow_null=True)
    items = serializers.IntegerField(allow_null=True)
    mastery = serializers.FloatField(allow_null=True, help_text="Share mastered, 0…1.")


class RetentionWeekSerializer(serializers.Serializer):
    week = serializers.DateField(help_text="Monday of the week.")
    shown = serializers.BooleanField()
    answers = serializers.IntegerField(allow_null=True)
    retention = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    predicted_recall = serializers.FloatField(allow_null=True)


class RetentionSerializer(serializers.Serializer):
    period_days = serializers.IntegerField()
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
    mastery_days = serializers.IntegerField()
    min_group = serializers.IntegerField()
    agents_tracked = serializers.IntegerField()
    overall = RetentionFigureSerializer()
    teams = RetentionFigureSerializer(many=True)
    modules = RetentionFigureSerializer(many=True)
    skills = RetentionFigureSerializer(many=True)
    weeks = RetentionWeekSerializer(many=True)


def _retention_row(row: selectors.RetentionRow) -> dict[str, Any]:
    """A group under the minimum size gives no figure and no count of its own."""
    shown, mastery_shown = row.shown, row.mastery_shown
    return {
        "group": row.key,
        "name": row.label,
        "shown": shown,
        "agents": row.agents if shown else None,
        "answers": row.retention.n if shown else None,
        "retention": _round(row.retention.value, 4) if shown else None,
        "ci_low": _round(row.retention.ci_low, 4) if shown else None,
        "ci_high": _round(row.retention.ci_high, 4) if shown else None,
        "predicted_recall": _round(row.predicted, 4) if shown else None,
        "mastery_shown": mastery_shown,
        "mastered": row.mastered if mastery_shown else None,
        "items": row.items if mastery_shown else None,
        "mastery": _round(row.mastery, 4),
    }


def _retention_week(week: selectors.RetentionWeek) -> dict[str, Any]:
    shown = week.shown
    return {
        "week": week.start,
        "shown": shown,
        "answers": week.retention.n if shown else None,
        "retention": _round(week.retention.value, 4) if shown else None,
        "ci_low": _round(week.retention.ci_low, 4) if shown else None,
        "ci_high": _round(week.retention.ci_high, 4) if shown else None,
        "predicted_recall": _round(week.predicted, 4) if shown else None,
    }


class RetentionApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "period",
                int,
                enum=list(selectors.RETENTION_PERIODS),
                description="Days back from now; 28.",
            )
        ],
        responses={200: RetentionSerializer},
    )
    def get(self, request: Request) -> Response:
        """Review retention (share right, Wilson 95 % interval, n) beside mean predicted recall,
        and mastery, of the agents the caller tracks — overall, by team, module and skill, and
        per week (learning trackers: supervisors their own teams, trainers and admins all).
        Figures resting on fewer than min_group agents are withheld."""
        require_roles(request.user, LEARNING_TRACKERS, action="read review retention")
        days = selectors.retention_period(request.query_params.get("period"))
        report = selectors.retention_for(viewer=request.user, days=days)  # type: ignore[arg-type]
        body = {
            "period_days": report.days,
            "since": report.since,
            "until": report.until,
            "mastery_days": report.mastery_days,
            "min_group": report.min_group,
            "agents_tracked": report.agents_tracked,
            "overall": _retention_row(report.overall),
            "teams": [_retention_row(row) for row in report.groups["team"]],
            "modules": [_retention_row(row) for row in report.groups["module"]],
            "skills": [_retention_row(row) for row in report.groups["skill"]],
            "weeks": [_retention_week(week) for week in report.weeks],
        }
        return Response(RetentionSerializer(body).data)


urls: list = [
    path(
        "learning/proficiency/agents/<int:agent_id>",
        AgentProficiencyApi.as_view(),
        name="api-learning-proficiency-agent",
    ),
    path(
        "learning/proficiency/teams/<int:team_id>",
        TeamProficiencyApi.as_view(),
        name="api-learning-proficiency-team",
    ),
    path(
        "learning/proficiency/cohorts",
        CohortsApi.as_view(),
        name="api-learning-proficiency-cohorts",
    ),
    path("learning/impact", ImpactApi.as_view(), name="api-learning-impact"),
    path("learning/retention", RetentionApi.as_view(), name="api-learning-retention"),
]
