"""The rollup clock (`rollup_watch`) and the rebuild command (`rollups_rebuild`)."""

import datetime
import io
import os
import signal
import threading

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from rapport.performance.choices import Grain
from rapport.performance.models import DailyRollup, RollupDirtyDay
from rapport.performance.tests.factories import contact

pytestmark = pytest.mark.django_db

# The command drops a stale connection before each tick like any long-lived process, which a test
# wrapped in one transaction would not survive.
as_a_process = pytest.mark.django_db(transaction=True)


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def center_handled(day: datetime.date) -> int:
    return sum(
        DailyRollup.objects.filter(day=day, grain=Grain.CENTER).values_list("handled", flat=True)
    )


@as_a_process
def test_once_enqueues_a_refresh_that_builds_the_recent_days():
    contact(day=days_ago(2))
    contact(day=days_ago(2), channel="chat")

    call_command("rollup_watch", "--once", stdout=io.StringIO())

    assert center_handled(days_ago(2)) == 2
    assert not RollupDirtyDay.objects.exists()


@as_a_process
def test_stops_cleanly_on_sigterm():
    contact(day=days_ago(1))
    out = io.StringIO()
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGTERM))
    timer.start()

    call_command("rollup_watch", "--every", "0.1", stdout=out)

    timer.join()
    assert "stopped" in out.getvalue()
    assert center_handled(days_ago(1)) == 1


@pytest.mark.parametrize("every", ["0", "-5"])
def test_a_pause_must_be_positive(every):
    with pytest.raises(CommandError):
        call_command("rollup_watch", "--every", every)


def test_rebuild_covers_every_day_of_the_ledger_and_reports_progress():
    old = days_ago(120)  # far outside any window the clock keeps fresh
    contact(day=old)
    contact(day=old, outcome="abandoned")
    out = io.StringIO()

    call_command("rollups_rebuild", stdout=out)

    assert center_handled(old) == 1
    assert "121 days from 2 contacts" in out.getvalue()
    assert "120/121 days" in out.getvalue()


def test_rebuild_of_recent_days_leaves_older_ones():
    contact(day=days_ago(120))
    contact(day=days_ago(3))

    call_command("rollups_rebuild", "--days", "5", stdout=io.StringIO())

    assert center_handled(days_ago(3)) == 1
    assert not DailyRollup.objects.filter(day=days_ago(120)).exists()
