"""Batch runs: search all customers for duplicates, queue the likely pairs for review, and merge
without review those at or above the admin's automatic-merge confidence."""

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from itertools import islice
from typing import Any, Protocol

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from rapport.core.audit import audit_record
from rapport.core.errors import ApplicationError, Conflict, ValidationFailed
from rapport.customers.models import Customer
from rapport.identity.choices import FoundBy, PairStatus, RunState
from rapport.identity.models import IdentitySettings, MatchPair, MatchRun
from rapport.identity.services.merges import customers_merge
from rapport.identity.services.pairs import survivor_default
from rapport.identity.services.settings import identity_settings

logger = logging.getLogger(__name__)

# The task that runs a batch. Named, not imported: tasks sit above services (tasks call
# run_execute), so importing it here would turn the layers upside down.
RUN_TASK = "rapport.identity.tasks.run_match"
UNFINISHED = (RunState.QUEUED, RunState.RUNNING)
# A run that has not moved for this long lost its worker; it stops blocking new runs.
STALL_AFTER = timedelta(hours=1)
BATCH = 1000  # pairs written per transaction
SAVE_EVERY_SECONDS = 1.0  # progress is written at most this often (and on every stage change)
SEARCH_SHARE = 85  # per cent of the bar the search takes; saving and merging take the rest
FAILURE_MAX = 500
READ_REPORT_EVERY = 5000


class FoundPairLike(Protocol):
    left_id: int
    right_id: int
    score: float
    explanation: Any


@dataclass
class Tally:
    found: int = 0
    new: int = 0
    updated: int = 0
    left_alone: int = 0  # merged, dismissed or undone before: their decision stands
    merged: int = 0
    not_merged: int = 0  # at or above the automatic confidence, but a side was merged already


@transaction.atomic
def run_start(*, by, engine: str = FoundBy.SPLINK, enqueue: bool = True) -> MatchRun:
    """Queue a batch run; one runs at a time. With enqueue=False the caller runs it
    (run_execute) in the foreground, as the identity_match command does."""
    if engine not in FoundBy.values:
        raise ValidationFailed(
            f"Unknown matching engine {engine!r}.",
            fields={"engine": [f"One of {', '.join(FoundBy.values)}."]},
        )
    # The settings row is the lock that makes "one at a time" hold between two clicks.
    config = IdentitySettings.objects.select_for_update().get(pk=identity_settings().pk)
    _release_stalled()
    busy = MatchRun.objects.filter(state__in=UNFINISHED).order_by("created_at", "id").first()
    if busy is not None:
        raise Conflict(
            f"Match run {busy.pk} is {busy.get_state_display().lower()}; "
            "start another when it has finished.",
            code="run_busy",
        )
    run = MatchRun.objects.create(
        created_by=by if getattr(by, "pk", None) else None,
        engine=engine,
        stage="Waiting for a worker" if enqueue else "Starting",
    )
    audit_record(
        actor=by,
        action="identity.run_started",
        target=run,
        detail={
            "engine": engine,
            "review_at": config.review_at,
            "auto_merge_at": config.auto_merge_at,
        },
    )
    if enqueue:
        transaction.on_commit(partial(_enqueue, run.pk))
    return run


def _release_stalled() -> None:
    cutoff = timezone.now() - STALL_AFTER
    MatchRun.objects.filter(state__in=UNFINISHED, updated_at__lt=cutoff).update(
        state=RunState.FAILED,
        failure="Stopped: no progress for an hour (the worker may have stopped). Start a new run.",
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


def _enqueue(run_id: int) -> None:
    try:
        import_string(RUN_TASK).enqueue(run_id)
    except Exception as exc:
        logger.exception("Could not queue match run %s", run_id)
        MatchRun.objects.filter(pk=run_id, state=RunState.QUEUED).update(
            state=RunState.FAILED,
            failure=_clip(f"Could not queue the run: {exc}"),
            finished_at=timezone.now(),
        )


def run_execute(
    *, run_id: int, on_update: Callable[[MatchRun], None] | None = None
) -> MatchRun | None:
    """The body of the run_match task. Never raises: a failure is recorded on the run (state
    FAILED with the reason) for the page to show. A run already finished is left as it is, so
    a task delivered twice does no harm. `on_update` is told of every progress write."""
    run = MatchRun.objects.filter(pk=run_id).first()
    if run is None:
        logger.warning("Match run %s does not exist", run_id)
        return None
    if run.state not in UNFINISHED:
        return run
    progress = _Progress(run, on_update)
    try:
        _execute(run, progress)
    except Exception as exc:
        logger.exception("Match run %s failed while %s", run.pk, run.stage)
        _fail(run, exc, progress)
    return run


def _execute(run: MatchRun, progress: "_Progress") -> None:
    config = identity_settings()
    review_at, auto_merge_at = config.review_at, config.auto_merge_at
    run.state, run.started_at = RunState.RUNNING, timezone.now()
    run.customers = _live_customers().count()
    progress.stage("Looking for likely duplicates", 0, force=True)
    found = _found_pairs(run.engine, threshold=review_at, progress=progress)
    tally = found_pairs_record(
        run=run, found=found, review_at=review_at, auto_merge_at=auto_merge_at, progress=progress
    )
    run.state, run.finished_at = RunState.DONE, timezone.now()
    progress.stage(_summary(tally), 100, force=True)
    audit_record(
        actor=None,
        action="identity.run_finished",
        target=run,
        detail={"engine": run.engine, "review_at": review_at, "auto_merge_at": auto_merge_at}
        | vars(tally),
    )


def found_pairs_record(
    *,
    run: MatchRun,
    found: Iterable[FoundPairLike],
    review_at: float,
    auto_merge_at: float | None,
    progress: "_Progress | None" = None,
) -> Tally:
    """Write what an engine found, in batches: pairs at or above `review_at` go to the review
    queue (see _pairs_save), then this run's open pairs at or above `auto_merge_at` are merged.
    Counts go on the run."""
    progress = progress or _Progress(run)
    tally = Tally()
    pending = iter(found)
    while batch := list(islice(pending, BATCH)):
        _pairs_save(run, batch, review_at=review_at, tally=tally)
        run.pairs_found = tally.found
        progress.save()
    if auto_merge_at is not None:
        _auto_merge(run, auto_merge_at=auto_merge_at, tally=tally, progress=progress)
    run.pairs_found, run.merged = tally.found, tally.merged
    progress.save(force=True)
    return tally


def _live_customers() -> QuerySet[Customer]:
    return Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True)


def _found_pairs(engine: str, *, threshold: float, progress: "_Progress") -> Iterator[Any]:
    # Imported here: the engines load DuckDB and splink, which only a worker needs.
    if engine == FoundBy.SPLINK:
        from rapport.identity import batch

        return iter(
            batch.find_duplicates(
                threshold=threshold, on_progress=progress.search, on_compared=progress.compared
            )
        )
    if engine == FoundBy.SCORING:
        from rapport.identity import matching

        records = matching.records_from_db(_live_customers())
        return iter(
            matching.find_pairs(
                _counted(records, progress), threshold=threshold, on_compared=progress.compared
            )
        )
    raise ValidationFailed(f"Unknown matching engine {engine!r}.")


def _counted(records: Iterable[Any], progress: "_Progress") -> Iterator[Any]:
    """The records, reporting how many were read: the scoring engine reads them all before it
    compares any, so reading is half its work."""
    total = max(progress.run.customers, 1)
    read = 0
    for read, record in enumerate(records, start=1):
        if read % READ_REPORT_EVERY == 0:
            progress.search(f"Reading customers: {read:,} of {total:,}", 50 * read / total)
        yield record
    progress.search("Comparing likely pairs", 50 if read else 0)


def _pairs_save(run: MatchRun, batch: list[Any], *, review_at: float, tally: Tally) -> None:
    """Upsert one batch of found pairs on (left, right). A pair someone decided on (merged,
    dismissed, undone) keeps its decision; an open one takes the new score and explanation."""
    wanted = _normalised(batch, review_at=review_at)
    if not wanted:
        return
    ids = {pk for key in wanted for pk in key}
    live = set(_live_customers().filter(pk__in=ids).values_list("pk", flat=True))
    wanted = {key: p for key, p in wanted.items() if key[0] in live and key[1] in live}
    existing = {
        (p.left_id, p.right_id): p
        for p in MatchPair.objects.filter(
            left_id__in={k[0] for k in wanted}, right_id__in={k[1] for k in wanted}
        )
        if (p.left_id, p.right_id) in wanted
    }
    new, reopened = [], []
    for key, found in wanted.items():
        pair = existing.get(key)
        if pair is None:
            new.append(_pair(run, key, found))
        elif pair.status == PairStatus.OPEN:
            pair.score, pair.explanation = _score(found), _explanation(found)
            pair.found_by, pair.run = run.engine, run
            reopened.append(pair)
        else:
            tally.left_alone += 1
    with transaction.atomic():
        # ignore_conflicts: a pair the on-write check made since the read above stays as made.
        MatchPair.objects.bulk_create(new, ignore_conflicts=True)
        MatchPair.objects.bulk_update(
            reopened, ["score", "explanation", "found_by", "run", "updated_at"]
        )
    tally.found += len(wanted)
    tally.new += len(new)
    tally.updated += len(reopened)


def _normalised(batch: Iterable[Any], *, review_at: float) -> dict[tuple[int, int], Any]:
    """Pairs keyed (lower id, higher id), each once (its best score), at or above review."""
    wanted: dict[tuple[int, int], Any] = {}
    for found in batch:
        left, right = sorted((int(found.left_id), int(found.right_id)))
        if left == right or _score(found) < review_at:
            continue
        key = (left, right)
        if key not in wanted or _score(found) > _score(wanted[key]):
            wanted[key] = found
    return wanted


def _pair(run: MatchRun, key: tuple[int, int], found: Any) -> MatchPair:
    now = timezone.now()
    return MatchPair(
        left_id=key[0],
        right_id=key[1],
        score=_score(found),
        explanation=_explanation(found),
        found_by=run.engine,
        run=run,
        created_at=now,
        updated_at=now,
    )


def _score(found: Any) -> float:
    return min(1.0, max(0.0, float(found.score)))


def _explanation(found: Any) -> Any:
    explanation = found.explanation
    if isinstance(explanation, list | dict):
        return explanation
    return list(explanation or [])


def _auto_merge(
    run: MatchRun, *, auto_merge_at: float, tally: Tally, progress: "_Progress"
) -> None:
    """Merge this run's open pairs at or above the confidence, best first. A pair whose side a
    merge of this run already took stays open for a person to look at."""
    pair_ids = list(
        MatchPair.objects.filter(run=run, status=PairStatus.OPEN, score__gte=auto_merge_at)
        .order_by("-score", "id")
        .values_list("pk", flat=True)
    )
    progress.stage("Merging pairs above the automatic-merge confidence", SEARCH_SHARE, force=True)
    for done, pair_id in enumerate(pair_ids, start=1):
        pair = MatchPair.objects.select_related("left", "right").get(pk=pair_id)
        survivor = survivor_default(pair)
        merged = pair.right if survivor.pk == pair.left_id else pair.left
        try:
            customers_merge(survivor=survivor, merged=merged, by=None, pair=pair, automatic=True)
        except Conflict:
            tally.not_merged += 1
        else:
            tally.merged += 1
        run.merged = tally.merged
        progress.step(SEARCH_SHARE + (100 - SEARCH_SHARE) * done // max(len(pair_ids), 1))


def _summary(tally: Tally) -> str:
    words = f"Done: {tally.found} likely duplicate pairs ({tally.new} new)"
    if tally.merged:
        words += f", {tally.merged} merged without review"
    return words[:100]


def _fail(run: MatchRun, exc: Exception, progress: "_Progress") -> None:
    reason = exc.message if isinstance(exc, ApplicationError) else f"{type(exc).__name__}: {exc}"
    if isinstance(exc, ImportError):
        reason = f"The {run.engine} matching engine could not be loaded ({exc})."
    run.state, run.finished_at = RunState.FAILED, timezone.now()
    run.failure = _clip(f"Failed while {run.stage[:1].lower()}{run.stage[1:]}: {reason}")
    try:
        progress.save(force=True)
        audit_record(
            actor=None,
            action="identity.run_failed",
            target=run,
            detail={"engine": run.engine, "failure": run.failure},
        )
    except Exception:
        # The database itself failed; the run stays unfinished until it counts as stalled.
        logger.exception("Could not record the failure of match run %s", run.pk)


def _clip(text: str) -> str:
    return text if len(text) <= FAILURE_MAX else text[: FAILURE_MAX - 1] + "…"


@dataclass
class _Progress:
    """Writes the run's stage and percent as it goes, at most once a second."""

    run: MatchRun
    on_update: Callable[[MatchRun], None] | None = None
    saved_at: float = field(default=0.0)

    def stage(self, stage: str, percent: int, *, force: bool = False) -> None:
        self.run.stage = stage[:100]
        self.run.percent = max(0, min(100, percent))
        self.save(force=force)

    def step(self, percent: int) -> None:
        self.run.percent = max(self.run.percent, min(100, percent))
        self.save()

    def search(self, stage: str, percent: float) -> None:
        """The engine's progress callback (batch.Progress): its stage and its own 0–100."""
        if percent >= 100:
            stage = "Search finished"  # the engine's "Done": saving and merging follow
        self.run.stage = stage[:100]
        self.step(int(SEARCH_SHARE * float(percent) / 100))

    def compared(self, count: int) -> None:
        """The engine's count of candidate pairs it compares."""
        self.run.comparisons = count
        self.save(force=True)

    def save(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.saved_at < SAVE_EVERY_SECONDS:
            return
        self.saved_at = now
        self.run.save()
        if self.on_update is not None:
            self.on_update(self.run)
