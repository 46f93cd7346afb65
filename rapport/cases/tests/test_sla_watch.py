"""The clock process and the task it enqueues."""

import datetime as dt
import io
import os
import signal
import threading

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks import TaskResultStatus

from rapport.access.tests.factories import CalendarFactory, ObjectiveFactory, QueueFactory
from rapport.cases import services
from rapport.cases.models import SlaBreach
from rapport.cases.tasks import check_sla

pytestmark = pytest.mark.django_db

# The command manages its database connection like any long-lived process (it drops a stale one
# before each tick), which a test wrapped in one transaction would not survive.
as_a_process = pytest.mark.django_db(transaction=True)


@pytest.fixture
def overdue_case():
    """A case whose first-response clock ran out an hour ago."""
    QueueFactory()
    ObjectiveFactory(
        calendar=CalendarFactory(always_open=True),
        first_response_minutes=30,
        resolution_minutes=6000,
    )
    return services.case_open(
        by=None,
        customer=None,
        subject="Waiting",
        channel="email",
        at=timezone.now() - dt.timedelta(minutes=90),
    )


class SignalNotHandled(Exception):
    pass


@pytest.fixture
def sigterm_guard():
    """Turns a SIGTERM the command failed to catch into a test failure instead of killing pytest."""

    def unhandled(signum, frame):
        raise SignalNotHandled

    original = signal.signal(signal.SIGTERM, unhandled)
    yield unhandled
    signal.signal(signal.SIGTERM, original)


def later(seconds: float, action) -> threading.Timer:
    timer = threading.Timer(seconds, action)
    timer.start()
    return timer


def test_the_task_runs_the_check(overdue_case):
    result = check_sla.enqueue()

    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == {"warnings": 0, "breaches": 1}
    assert SlaBreach.objects.filter(case=overdue_case).count() == 1


@as_a_process
def test_once_enqueues_one_check(overdue_case):
    call_command("sla_watch", "--once", stdout=io.StringIO())

    assert SlaBreach.objects.filter(case=overdue_case).count() == 1


@as_a_process
def test_stops_cleanly_on_sigterm(overdue_case, sigterm_guard):
    out = io.StringIO()
    timer = later(0.3, lambda: os.kill(os.getpid(), signal.SIGTERM))

    call_command("sla_watch", "--every", "0.05", stdout=out)

    timer.join()
    assert "stopped" in out.getvalue()
    assert SlaBreach.objects.filter(case=overdue_case).count() == 1
    # and the handler it replaced is back
    assert signal.getsignal(signal.SIGTERM) is sigterm_guard


@pytest.mark.parametrize("every", ["0", "-5"])
def test_a_pause_must_be_positive(every):
    with pytest.raises(CommandError):
        call_command("sla_watch", "--every", every)
