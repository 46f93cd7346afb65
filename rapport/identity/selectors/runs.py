"""Reads of batch runs and their progress, for stewards only."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from rapport.core.errors import NotFound
from rapport.identity.choices import RunState
from rapport.identity.models import MatchRun
from rapport.identity.selectors.access import is_steward


def runs_for(*, user) -> QuerySet[MatchRun]:
    if not is_steward(user):
        return MatchRun.objects.none()
    return MatchRun.objects.select_related("created_by").order_by("-created_at", "-id")


def run_get_for(*, user, run_id: int) -> MatchRun:
    try:
        return runs_for(user=user).get(pk=run_id)
    except (MatchRun.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such match run.") from None


@dataclass(frozen=True)
class RunProgress:
    """What the progress bar shows; `finished` tells the page to stop polling."""

    percent: int
    stage: str
    state: str
    state_label: str
    finished: bool
    failed: bool
    failure: str
    customers: int
    comparisons: int
    pairs_found: int
    merged: int
    elapsed_seconds: float | None


def run_progress(run: MatchRun) -> RunProgress:
    finished = run.state in (RunState.DONE, RunState.FAILED)
    elapsed = None
    if run.started_at is not None:
        end = run.finished_at or timezone.now()
        elapsed = max(0.0, (end - run.started_at).total_seconds())
    return RunProgress(
        percent=100 if run.state == RunState.DONE else run.percent,
        stage=run.stage,
        state=run.state,
        state_label=run.get_state_display(),
        finished=finished,
        failed=run.state == RunState.FAILED,
        failure=run.failure,
        customers=run.customers,
        comparisons=run.comparisons,
        pairs_found=run.pairs_found,
        merged=run.merged,
        elapsed_seconds=elapsed,
    )
