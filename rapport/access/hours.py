"""Business-hours arithmetic: how much open time lies between two instants, and when a number of
open minutes after an instant runs out. SLA clocks use these so that nights, weekends and holidays
do not count against a promise."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rapport.access.models import BusinessCalendar

# Far enough for any real objective; stops a loop on a calendar whose only open days are far off.
MAX_DAYS_SCANNED = 3 * 366
SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class OpeningHours:
    """A calendar loaded once into memory: spans per weekday and closed days."""

    zone: ZoneInfo
    spans: dict[int, list[tuple[time, time]]]
    holidays: frozenset[date]
    always_open: bool

    @classmethod
    def of(cls, calendar: BusinessCalendar) -> "OpeningHours":
        spans: dict[int, list[tuple[time, time]]] = {}
        for hours in calendar.hours.all():
            spans.setdefault(hours.weekday, []).append((hours.opens, hours.closes))
        for day_spans in spans.values():
            day_spans.sort()
        return cls(
            zone=ZoneInfo(calendar.timezone),
            spans=spans,
            holidays=frozenset(h.day for h in calendar.holidays.all()),
            # A calendar with no hours at all would never let a clock run out; treat it as 24/7.
            always_open=calendar.always_open or not spans,
        )

    def _open_spans(self, day: date):
        # In UTC: arithmetic on datetimes sharing a zone is wall-clock arithmetic, which is an
        # hour off across a daylight-saving change.
        if day in self.holidays:
            return
        for opens, closes in self.spans.get(day.weekday(), []):
            yield (
                datetime.combine(day, opens, tzinfo=self.zone).astimezone(UTC),
                datetime.combine(day, closes, tzinfo=self.zone).astimezone(UTC),
            )

    def _days_from(self, instant: datetime):
        day = instant.astimezone(self.zone).date()
        for offset in range(MAX_DAYS_SCANNED):
            yield day + timedelta(days=offset)

    def seconds_between(self, start: datetime, end: datetime) -> int:
        """Open seconds in [start, end); 0 when end is not after start."""
        if end <= start:
            return 0
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if self.always_open:
            return (end - start) // SECOND
        # Summed as timedeltas: float seconds can round a whole second down.
        total = timedelta()
        for day in self._days_from(start):
            for opens, closes in self._open_spans(day):
                lo, hi = max(opens, start), min(closes, end)
                if hi > lo:
                    total += hi - lo
            if datetime.combine(day, time.max, tzinfo=self.zone) >= end:
                break
        return total // SECOND

    def next_open(self, instant: datetime) -> datetime:
        """The instant itself when open, else the moment the calendar next opens."""
        if self.always_open:
            return instant
        moment = instant.astimezone(UTC)
        for day in self._days_from(moment):
            for opens, closes in self._open_spans(day):
                if closes > moment:
                    return instant if opens <= moment else opens
        return moment + timedelta(days=MAX_DAYS_SCANNED)

    def add(self, start: datetime, seconds: int) -> datetime:
        """The first instant at which `seconds` of open time after `start` have passed."""
        if seconds <= 0:
            return start
        start = start.astimezone(UTC)
        if self.always_open:
            return start + timedelta(seconds=seconds)
        remaining = timedelta(seconds=seconds)
        for day in self._days_from(start):
            for opens, closes in self._open_spans(day):
                lo = max(opens, start)
                if closes <= lo:
                    continue
                if lo + remaining <= closes:
                    return lo + remaining
                remaining -= closes - lo
        return start + timedelta(days=MAX_DAYS_SCANNED)
