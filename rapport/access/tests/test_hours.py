"""Business-hours arithmetic: SLA clocks count only open time."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.access.hours import OpeningHours
from rapport.access.models import BusinessHours, Holiday
from rapport.access.tests.factories import CalendarFactory, office_hours

UTC = dt.UTC
PARIS = ZoneInfo("Europe/Paris")
HOUR = 3600

# 2026-01-05 is a Monday.
MONDAY = dt.date(2026, 1, 5)


def at(day: dt.date, hour: int, minute: int = 0, *, zone: dt.tzinfo = UTC) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def nine_to_five(*, zone: ZoneInfo, holidays=()) -> OpeningHours:
    return OpeningHours(
        zone=zone,
        spans={weekday: [(dt.time(9), dt.time(17))] for weekday in range(5)},
        holidays=frozenset(holidays),
        always_open=False,
    )


@pytest.fixture
def office(db) -> OpeningHours:
    return OpeningHours.of(office_hours())


def test_time_after_closing_carries_over_the_night(office):
    # given Monday 16:00 with one open hour left that day
    start = at(MONDAY, 16)

    # when two open hours are added / counted
    due = office.add(start, 2 * HOUR)

    # then the second hour is Tuesday's first
    assert due == at(MONDAY + days(1), 10)
    assert office.seconds_between(start, due) == 2 * HOUR
    assert office.seconds_between(at(MONDAY, 17), at(MONDAY + days(1), 9)) == 0


def test_weekend_does_not_count(office):
    friday = MONDAY + days(4)

    due = office.add(at(friday, 16), 2 * HOUR)

    assert due == at(MONDAY + days(7), 10)
    assert office.seconds_between(at(friday, 16), at(MONDAY + days(7), 10)) == 2 * HOUR


def test_start_in_closed_time_waits_for_the_next_opening(office):
    saturday = MONDAY + days(5)

    due = office.add(at(saturday, 12), 30 * 60)

    assert due == at(MONDAY + days(7), 9, 30)
    assert office.seconds_between(at(saturday, 12), due) == 30 * 60


def test_holiday_is_skipped(db):
    # given office hours with the Monday after the weekend closed
    calendar = office_hours()
    Holiday.objects.create(calendar=calendar, day=MONDAY + days(7), name="Bank holiday")
    hours = OpeningHours.of(calendar)
    friday = MONDAY + days(4)

    due = hours.add(at(friday, 16), 2 * HOUR)

    assert due == at(MONDAY + days(8), 10)
    assert hours.seconds_between(at(friday, 16), at(MONDAY + days(8), 10)) == 2 * HOUR
    assert hours.seconds_between(at(MONDAY + days(7), 9), at(MONDAY + days(7), 17)) == 0


def test_split_shift_skips_the_lunch_break(db):
    # given Monday 09:00-12:00 and 14:00-18:00, stored afternoon first
    calendar = CalendarFactory(always_open=False)
    BusinessHours.objects.create(
        calendar=calendar, weekday=0, opens=dt.time(14), closes=dt.time(18)
    )
    BusinessHours.objects.create(calendar=calendar, weekday=0, opens=dt.time(9), closes=dt.time(12))
    hours = OpeningHours.of(calendar)

    due = hours.add(at(MONDAY, 11), 2 * HOUR)

    assert due == at(MONDAY, 15)
    assert hours.seconds_between(at(MONDAY, 11), at(MONDAY, 15)) == 2 * HOUR
    assert hours.seconds_between(at(MONDAY, 8), at(MONDAY, 20)) == 7 * HOUR
    # the next Monday is the next open day
    assert hours.add(at(MONDAY, 17), 2 * HOUR) == at(MONDAY + days(7), 10)


def test_hours_are_read_in_the_calendars_time_zone(db):
    # given 09:00-17:00 in Paris (UTC+1 in January)
    hours = OpeningHours.of(office_hours(timezone="Europe/Paris"))

    assert hours.add(at(MONDAY, 7), HOUR) == at(MONDAY, 9)  # 08:00 UTC = 09:00 Paris
    assert hours.seconds_between(at(MONDAY, 0), at(MONDAY, 23)) == 8 * HOUR


def test_weekend_with_a_daylight_saving_change(db):
    # given Paris office hours; clocks go forward on Sunday 2026-03-29
    hours = OpeningHours.of(office_hours(timezone="Europe/Paris"))
    friday = dt.date(2026, 3, 27)

    due = hours.add(at(friday, 16, zone=PARIS), 2 * HOUR)

    # then Monday 10:00 Paris, which is 08:00 UTC in summer time
    assert due == dt.datetime(2026, 3, 30, 8, tzinfo=UTC)
    assert hours.seconds_between(at(friday, 16, zone=PARIS), due) == 2 * HOUR


@pytest.mark.parametrize(
    ("sunday", "open_hours"),
    [
        (dt.date(2026, 3, 29), 5),  # 02:00 → 03:00: one hour less
        (dt.date(2026, 10, 25), 7),  # 03:00 → 02:00: one hour more
    ],
)
def test_a_shift_across_the_clock_change_counts_real_time(db, sunday, open_hours):
    # given a Paris night desk open Sundays 00:00-06:00 (wall clock)
    calendar = CalendarFactory(timezone="Europe/Paris", always_open=False)
    BusinessHours.objects.create(calendar=calendar, weekday=6, opens=dt.time(0), closes=dt.time(6))
    hours = OpeningHours.of(calendar)
    saturday_noon = at(sunday - days(1), 12, zone=PARIS)

    # then the night holds the real number of hours, not six wall-clock hours
    assert hours.seconds_between(saturday_noon, at(sunday, 12, zone=PARIS)) == open_hours * HOUR
    # and four open hours after midnight end at 04:00 real time after it
    midnight = at(sunday, 0, zone=PARIS).astimezone(UTC)
    assert hours.add(saturday_noon, 4 * HOUR) == midnight + dt.timedelta(hours=4)
    assert hours.add(saturday_noon, open_hours * HOUR) == at(sunday, 6, zone=PARIS)


def test_always_open_counts_elapsed_time_across_a_clock_change(db):
    hours = OpeningHours.of(CalendarFactory(timezone="Europe/Paris", always_open=True))
    start = at(dt.date(2026, 3, 29), 0, zone=PARIS)
    end = at(dt.date(2026, 3, 29), 6, zone=PARIS)

    assert hours.seconds_between(start, end) == 5 * HOUR
    assert hours.add(start, 5 * HOUR) == end
    assert hours.add(at(MONDAY, 23), 2 * HOUR) == at(MONDAY + days(1), 1)


def test_a_calendar_with_no_hours_is_open_around_the_clock(db):
    # given a calendar set to "not always open" whose hours were never entered
    hours = OpeningHours.of(CalendarFactory(always_open=False))

    # then clocks still run (a promise that never falls due would never be checked)
    assert hours.always_open
    assert hours.add(at(MONDAY + days(5), 12), HOUR) == at(MONDAY + days(5), 13)
    assert hours.seconds_between(at(MONDAY, 0), at(MONDAY + days(1), 0)) == 24 * HOUR


def test_an_end_before_the_start_has_no_open_time(office):
    assert office.seconds_between(at(MONDAY, 12), at(MONDAY, 10)) == 0
    assert office.seconds_between(at(MONDAY, 12), at(MONDAY, 12)) == 0


def test_adding_nothing_is_the_start_itself(office):
    saturday = at(MONDAY + days(5), 12)

    assert office.add(saturday, 0) == saturday
    assert office.add(at(MONDAY, 10), 0) == at(MONDAY, 10)


def test_next_open_is_now_when_open_else_the_next_opening(db):
    calendar = office_hours()
    BusinessHours.objects.filter(calendar=calendar, weekday=0).delete()
    BusinessHours.objects.create(calendar=calendar, weekday=0, opens=dt.time(9), closes=dt.time(12))
    BusinessHours.objects.create(
        calendar=calendar, weekday=0, opens=dt.time(14), closes=dt.time(17)
    )
    hours = OpeningHours.of(calendar)

    assert hours.next_open(at(MONDAY, 10)) == at(MONDAY, 10)
    assert hours.next_open(at(MONDAY, 9)) == at(MONDAY, 9)
    assert hours.next_open(at(MONDAY, 12, 30)) == at(MONDAY, 14)
    assert hours.next_open(at(MONDAY, 17)) == at(MONDAY + days(1), 9)
    assert hours.next_open(at(MONDAY + days(5), 12)) == at(MONDAY + days(7), 9)


def test_next_open_around_the_clock(db):
    hours = OpeningHours.of(CalendarFactory(always_open=True))

    assert hours.next_open(at(MONDAY + days(5), 3)) == at(MONDAY + days(5), 3)


# Property tests run on a calendar held in memory (no database), with everything that makes the
# arithmetic hard: a split shift, a Sunday night desk across both 2026 clock changes, holidays.
PARIS_DESK = OpeningHours(
    zone=PARIS,
    spans={
        0: [(dt.time(8), dt.time(12)), (dt.time(13, 30), dt.time(18))],
        1: [(dt.time(8), dt.time(12)), (dt.time(13, 30), dt.time(18))],
        2: [(dt.time(9), dt.time(17))],
        3: [(dt.time(9), dt.time(17))],
        4: [(dt.time(9), dt.time(16, 30))],
        6: [(dt.time(0), dt.time(6))],
    },
    holidays=frozenset({dt.date(2026, 4, 6), dt.date(2026, 5, 1), dt.date(2026, 12, 25)}),
    always_open=False,
)

instants = st.datetimes(
    min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 12, 31), timezones=st.just(UTC)
)
# Around the clock changes, where mistakes hide.
near_clock_changes = st.sampled_from(
    [dt.datetime(2026, 3, 28, 12, tzinfo=UTC), dt.datetime(2026, 10, 24, 12, tzinfo=UTC)]
).flatmap(
    lambda base: st.integers(min_value=0, max_value=48 * HOUR).map(
        lambda s: base + dt.timedelta(seconds=s)
    )
)
any_instant = st.one_of(instants, near_clock_changes)


@settings(max_examples=300, deadline=None)
@given(first=any_instant, second=any_instant)
def test_adding_the_open_time_between_two_instants_never_overshoots(first, second):
    start, end = sorted([first, second])

    landed = PARIS_DESK.add(start, PARIS_DESK.seconds_between(start, end))

    assert start <= landed <= end
    assert PARIS_DESK.seconds_between(start, landed) == PARIS_DESK.seconds_between(start, end)


@settings(max_examples=300, deadline=None)
@given(start=any_instant, seconds=st.integers(min_value=0, max_value=30 * 24 * HOUR))
def test_the_open_time_up_to_an_added_instant_is_what_was_added(start, seconds):
    assert PARIS_DESK.seconds_between(start, PARIS_DESK.add(start, seconds)) == seconds


@settings(max_examples=200, deadline=None)
@given(start=any_instant, seconds=st.integers(min_value=0, max_value=30 * 24 * HOUR))
def test_round_trip_on_a_plain_office_week(start, seconds):
    hours = nine_to_five(zone=PARIS, holidays={dt.date(2026, 7, 14)})

    due = hours.add(start, seconds)

    assert due >= start
    assert hours.seconds_between(start, due) == seconds


@settings(max_examples=200, deadline=None)
@given(instant=any_instant, seconds=st.integers(min_value=1, max_value=7 * 24 * HOUR))
def test_next_open_starts_the_clock_without_spending_open_time(instant, seconds):
    opening = PARIS_DESK.next_open(instant)

    assert opening >= instant
    assert PARIS_DESK.seconds_between(instant, opening) == 0
    assert PARIS_DESK.add(opening, seconds) == PARIS_DESK.add(instant, seconds)
