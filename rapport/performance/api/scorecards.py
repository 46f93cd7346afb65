"""The KPI registry with the center's figures, and scorecards of agents and teams.

The registry is open to every signed-in person; a scorecard answers 404 to anyone the selectors
do not let see it. `period` (day, week, month) and `date` (YYYY-MM-DD) pick the period; without
a date it is the current one, or the latest with data.
"""

from typing import Any

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.accounts.http import AuthedRequest
from rapport.core.errors import NotFound
from rapport.performance import kpis, periods, selectors, stats
from rapport.performance.api.serializers_scorecards import (
    AgentScorecardSerializer,
    KpiDetailSerializer,
    KpiListSerializer,
    TeamScorecardSerializer,
)
from rapport.performance.choices import Period
from rapport.performance.models import Kpi
from rapport.performance.selectors import scorecards as board

PERIOD_PARAMETERS = [
    OpenApiParameter(
        "period", str, enum=list(Period.values), description="day, week (default) or month."
    ),
    OpenApiParameter(
        "date",
        OpenApiTypes.DATE,
        description="A day inside the period; default: today, or the latest day with data.",
    ),
]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _estimate(estimate: stats.Estimate) -> dict[str, Any]:
    return {
        "value": _round(estimate.value),
        "n": estimate.n,
        "ci_low": _round(estimate.ci_low),
        "ci_high": _round(estimate.ci_high),
    }


def _survey(survey: kpis.SurveyFigures | None) -> dict[str, Any] | None:
    if survey is None:
        return None
    return {
        "invited": survey.invited,
        "answered": survey.answered,
        "response_rate": _estimate(survey.response_rate),
        "low_response": survey.low_response,
        "warning": survey.warning,
        "mean": None if survey.mean is None else _estimate(survey.mean),
    }


def _figure(value: kpis.KpiValue) -> dict[str, Any]:
    return {
        **_estimate(value.estimate),
        "state": value.state,
        "note": value.note,
        "on_target": value.on_target,
        "survey": _survey(value.survey),
    }


def _registry(kpi: Kpi, value: kpis.KpiValue) -> dict[str, Any]:
    return {
        "key": kpi.key,
        "name": kpi.name,
        "definition": kpi.definition,
        "computation": kpi.computation,
        "unit": kpi.unit,
        "better": kpi.better,
        "target": None if kpi.target is None else float(kpi.target),
        "owner": kpi.owner.username if kpi.owner else None,
        "goal": kpi.goal,
        "channel": kpi.channel or None,
        "kind": kpi.kind,
        "value": _figure(value),
    }


def _period(span: periods.Span) -> dict[str, Any]:
    return {"period": span.period, "start": span.start, "end": span.end}


def _span(request: Request, scope: selectors.Scope) -> periods.Span:
    return board.span_for(
        scope=scope,
        period=request.query_params.get("period"),
        date=request.query_params.get("date"),
    )


class KpiListApi(APIView):
    @extend_schema(
        operation_id="kpis_list", parameters=PERIOD_PARAMETERS, responses={200: KpiListSerializer}
    )
    def get(self, request: Request) -> Response:
        """Every active KPI of the registry with the whole center's figure for the period."""
        span = _span(request, selectors.COMPANY)
        card = selectors.scorecard(scope=selectors.COMPANY, span=span, trend_length=1)
        body = {**_period(span), "results": [_registry(i.kpi, i.value) for i in card.items]}
        return Response(KpiListSerializer(body).data)


class KpiDetailApi(APIView):
    @extend_schema(parameters=PERIOD_PARAMETERS, responses={200: KpiDetailSerializer})
    def get(self, request: Request, key: str) -> Response:
        """One KPI: its definition, the center's figure for the period and the last 12 periods."""
        kpi = selectors.kpi_get(key=key)
        span = _span(request, selectors.COMPANY)
        card = selectors.scorecard(scope=selectors.COMPANY, span=span)
        item = next((item for item in card.items if item.kpi.pk == kpi.pk), None)
        if item is None:
            raise NotFound("No such KPI.")
        trend = [{**_figure(value), "start": s.start, "end": s.end} for s, value in item.trend]
        body = {**_registry(item.kpi, item.value), **_period(span), "trend": trend}
        return Response(KpiDetailSerializer(body).data)


def _scorecard(card: selectors.Scorecard) -> dict[str, Any]:
    return {
        **_period(card.span),
        "kpis": [_scorecard_kpi(item) for item in card.items],
        "soft_skills": [_skill(category, e) for category, e in card.soft_skills.items()],
    }


def _scorecard_kpi(item: selectors.ScoreItem) -> dict[str, Any]:
    kpi = item.kpi
    figure = _figure(item.value)
    del figure["on_target"]
    return {
        "key": kpi.key,
        "name": kpi.name,
        "unit": kpi.unit,
        "kind": kpi.kind,
        **figure,
        "target": None if kpi.target is None else float(kpi.target),
        "on_target": item.value.on_target,
        "previous_value": _round(item.previous.estimate.value),
        "change_significant": item.change.significant,
    }


def _skill(category: str, estimate: stats.Estimate) -> dict[str, Any]:
    return {
        "category": category,
        "value": _round(estimate.value),
        "n": estimate.n,
        "ci_low": _round(estimate.ci_low),
        "ci_high": _round(estimate.ci_high),
    }


class AgentScorecardApi(APIView):
    @extend_schema(parameters=PERIOD_PARAMETERS, responses={200: AgentScorecardSerializer})
    def get(self, request: AuthedRequest, agent_id: int) -> Response:
        """One agent's KPIs and QA soft skills for a period, with the previous period: for the
        agent, the supervisor of the agent's team and admins (404 for anyone else)."""
        scope = selectors.agent_scope_for(viewer=request.user, agent_id=agent_id)
        card = selectors.scorecard(scope=scope, span=_span(request, scope), trend_length=1)
        assert scope.agent is not None
        body = {"agent": {"id": scope.agent.pk, "name": scope.label}, **_scorecard(card)}
        return Response(AgentScorecardSerializer(body).data)


class TeamScorecardApi(APIView):
    @extend_schema(parameters=PERIOD_PARAMETERS, responses={200: TeamScorecardSerializer})
    def get(self, request: AuthedRequest, team_id: int) -> Response:
        """A team's aggregate KPIs and QA soft skills for a period: for its members, its
        supervisor, executives, trainers and admins (404 for anyone else)."""
        scope = selectors.team_scope_for(viewer=request.user, team_id=team_id)
        card = selectors.scorecard(scope=scope, span=_span(request, scope), trend_length=1)
        assert scope.team is not None
        body = {"team": {"id": scope.team.pk, "name": scope.label}, **_scorecard(card)}
        return Response(TeamScorecardSerializer(body).data)


urls = [
    path("kpis/", KpiListApi.as_view(), name="api-kpis"),
    path("kpis/<slug:key>", KpiDetailApi.as_view(), name="api-kpi"),
    path("scorecards/<int:agent_id>", AgentScorecardApi.as_view(), name="api-scorecard"),
    path("scorecards/teams/<int:team_id>", TeamScorecardApi.as_view(), name="api-team-scorecard"),
]
