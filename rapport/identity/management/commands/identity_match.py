"""Search every customer for duplicates now, in the foreground, printing progress."""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.accounts.models import User
from rapport.core.errors import ApplicationError
from rapport.identity.choices import FoundBy, RunState
from rapport.identity.models import MatchRun
from rapport.identity.services import runs


class Command(BaseCommand):
    help = (
        "Run a batch search for duplicate customers now (not on the worker): pairs at or above "
        "the review confidence go to the review queue, those at or above the automatic-merge "
        "confidence are merged."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--engine", choices=FoundBy.values, default=FoundBy.SPLINK, help="Matching engine."
        )
        parser.add_argument("--by", default="", help="Username recorded as starting the run.")

    def handle(self, *args, engine: str, by: str, **options) -> None:
        user = None
        if by:
            user = User.objects.filter(username=by).first()
            if user is None:
                raise CommandError(f"No user named {by!r}.")
        try:
            run = runs.run_start(by=user, engine=engine, enqueue=False)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        started = time.perf_counter()
        shown: list[tuple[str, int]] = []

        def report(current: MatchRun) -> None:
            line = (current.stage, current.percent)
            if not shown or shown[-1] != line:
                shown.append(line)
                self.stdout.write(f"  {current.percent:3d}%  {current.stage}")

        finished = runs.run_execute(run_id=run.pk, on_update=report)
        assert finished is not None
        seconds = time.perf_counter() - started
        if finished.state == RunState.FAILED:
            raise CommandError(f"Match run {finished.pk} failed: {finished.failure}")
        self.stdout.write(
            f"Match run {finished.pk} done in {seconds:.1f} s: {finished.customers:,} customers, "
            f"{finished.pairs_found:,} likely duplicate pairs, {finished.merged:,} merged "
            "without review."
        )
