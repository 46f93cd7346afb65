"""The SLA watch: a warning before a clock runs out, a breach when it has, each exactly once."""

import datetime as dt

import pytest

from rapport.access.tests.factories import (
    CalendarFactory,
    ObjectiveFactory,
    QueueFactory,
    office_hours,
)
from rapport.cases import services
from rapport.cases.choices import CaseEventKind, CaseStatus, Clock
from rapport.cases.models import Case, SlaBreach

pytestmark = pytest.mark.django_db

UTC = dt.UTC
OPENED = dt.datetime(2026, 1, 5, 10, tzinfo=UTC)  # a Monday
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def case():
    """A case with 100 minutes to first response and 1000 to resolution, warning at 80 %."""
    QueueFactory()
    ObjectiveFactory(
        calendar=CalendarFactory(always_open=True),
        first_response_minutes=100,
        resolution_minutes=1000,
        warning_percent=80,
    )
    return services.case_open(by=None, customer=None, subject="Outage", channel="email", at=OPENED)


def events(case: Case, kind: str) -> list[str]:
    return list(case.events.filter(kind=kind).values_list("detail__clock", flat=True))


def test_no_warning_before_the_warning_share(case):
    assert services.sla_check(now=OPENED + 79 * MINUTE) == {"warnings": 0, "breaches": 0}

    case.refresh_from_db()
    assert not case.warned_first_response
    assert events(case, CaseEventKind.SLA_WARNING) == []


def test_warns_once_at_the_warning_share(case):
    first = services.sla_check(now=OPENED + 80 * MINUTE)
    second = services.sla_check(now=OPENED + 90 * MINUTE)

    assert first == {"warnings": 1, "breaches": 0}
    assert second == {"warnings": 0, "breaches": 0}
    case.refresh_from_db()
    assert case.warned_first_response and not case.warned_resolution
    assert events(case, CaseEventKind.SLA_WARNING) == [Clock.FIRST_RESPONSE]


def test_records_a_breach_once(case):
    first = services.sla_check(now=OPENED + 101 * MINUTE)
    second = services.sla_check(now=OPENED + 102 * MINUTE)

    assert first == {"warnings": 0, "breaches": 1}
    assert second == {"warnings": 0, "breaches": 0}
    breach = SlaBreach.objects.get()
    assert (breach.case, breach.clock, breach.due_at) == (
        case,
        Clock.FIRST_RESPONSE,
        case.first_response_due,
    )
    assert breach.recorded_at == OPENED + 101 * MINUTE
    assert events(case, CaseEventKind.SLA_BREACH) == [Clock.FIRST_RESPONSE]


def test_both_clocks_breach_each_once(case):
    services.sla_check(now=OPENED + 2000 * MINUTE)
    services.sla_check(now=OPENED + 3000 * MINUTE)

    assert sorted(SlaBreach.objects.values_list("clock", flat=True)) == sorted(
        [Clock.FIRST_RESPONSE, Clock.RESOLUTION]
    )


def test_a_paused_case_is_not_breached(case):
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.WAITING, paused_at=OPENED + MINUTE)

    assert services.sla_check(now=OPENED + 5000 * MINUTE) == {"warnings": 0, "breaches": 0}
    assert not SlaBreach.objects.exists()


@pytest.mark.parametrize("status", [CaseStatus.RESOLVED, CaseStatus.CLOSED])
def test_finished_cases_are_not_checked(case, status):
    Case.objects.filter(pk=case.pk).update(status=status)

    services.sla_check(now=OPENED + 5000 * MINUTE)

    assert not SlaBreach.objects.exists()


def test_an_answered_case_only_runs_the_resolution_clock(case):
    Case.objects.filter(pk=case.pk).update(first_responded_at=OPENED + 5 * MINUTE)

    result = services.sla_check(now=OPENED + 200 * MINUTE)

    assert result == {"warnings": 0, "breaches": 0}
    services.sla_check(now=OPENED + 1001 * MINUTE)
    assert list(SlaBreach.objects.values_list("clock", flat=True)) == [Clock.RESOLUTION]


def test_warning_counts_business_time_not_wall_time():
    # given office hours 09-17, 60 minutes to answer, warning at half time;
    # a case opened Friday 16:40 is due Monday 09:40
    QueueFactory()
    ObjectiveFactory(
        calendar=office_hours(),
        first_response_minutes=60,
        resolution_minutes=600,
        warning_percent=50,
    )
    friday = dt.datetime(2026, 1, 9, 16, 40, tzinfo=UTC)
    case = services.case_open(
        by=None, customer=None, subject="Late call", channel="email", at=friday
    )
    assert case.first_response_due == dt.datetime(2026, 1, 12, 9, 40, tzinfo=UTC)

    # when checked on Saturday: only 20 business minutes have run
    saturday = services.sla_check(now=dt.datetime(2026, 1, 10, 12, tzinfo=UTC))
    # and on Monday at 09:15: 45 have run
    monday = services.sla_check(now=dt.datetime(2026, 1, 12, 9, 15, tzinfo=UTC))

    assert saturday == {"warnings": 0, "breaches": 0}
    assert monday == {"warnings": 1, "breaches": 0}


def test_a_case_without_an_objective_is_never_checked():
    QueueFactory()
    services.case_open(by=None, customer=None, subject="No promise", channel="email", at=OPENED)

    assert services.sla_check(now=OPENED + 10_000 * MINUTE) == {"warnings": 0, "breaches": 0}
