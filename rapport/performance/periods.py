"""Reporting periods: a day, a Monday-to-Sunday week or a calendar month, in the center's time zone."""

import datetime
from dataclasses import dataclass

from rapport.core.errors import ValidationFailed
from rapport.performance.choices import Period

# Outside these a period (and its 12-period trend) could run off the calendar; no ledger is older.
FIRST_DAY = datetime.date(1990, 1, 1)
LAST_DAY = datetime.date(2099, 12, 31)


@dataclass(frozen=True)
class Span:
    period: str
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def label(self) -> str:
        if self.period == Period.DAY:
            return f"{self.start:%a %d %b %Y}"
        if self.period == Period.WEEK:
            return f"Week of {self.start:%d %b %Y}"
        return f"{self.start:%B %Y}"

    @property
    def short_label(self) -> str:
        if self.period == Period.MONTH:
            return f"{self.start:%b %Y}"
        return f"{self.start:%d %b}"

    def previous(self) -> "Span":
        return span(self.period, self.start - datetime.timedelta(days=1))

    def next(self) -> "Span":
        return span(self.period, self.end + datetime.timedelta(days=1))


def span(period: str, anchor: datetime.date) -> Span:
    """The period of the given kind that contains `anchor`."""
    if period == Period.DAY:
        return Span(period, anchor, anchor)
    if period == Period.WEEK:
        start = anchor - datetime.timedelta(days=anchor.weekday())
        return Span(period, start, start + datetime.timedelta(days=6))
    if period == Period.MONTH:
        start = anchor.replace(day=1)
        following = (start + datetime.timedelta(days=32)).replace(day=1)
        return Span(period, start, following - datetime.timedelta(days=1))
    raise ValidationFailed(
        "Choose a period: day, week or month.", fields={"period": [f"Unknown period {period!r}."]}
    )


def trend(last: Span, count: int = 12) -> list[Span]:
    """`count` consecutive periods ending with `last`, oldest first."""
    spans = [last]
    while len(spans) < count:
        spans.append(spans[-1].previous())
    return list(reversed(spans))


def parse(period: str | None, anchor: str | None, *, today: datetime.date) -> Span:
    """A span from request parameters; bad values get a clear error, never a 500."""
    period = period or Period.WEEK
    if anchor:
        try:
            day = datetime.date.fromisoformat(anchor)
        except ValueError:
            raise ValidationFailed(
                "Give the date as YYYY-MM-DD.", fields={"date": [f"Not a date: {anchor[:40]!r}."]}
            ) from None
    else:
        day = today
    if not FIRST_DAY <= day <= LAST_DAY:
        message = f"Choose a date between {FIRST_DAY:%Y-%m-%d} and {LAST_DAY:%Y-%m-%d}."
        raise ValidationFailed(message, fields={"date": [message]})
    return span(period, day)
