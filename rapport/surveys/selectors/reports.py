"""The survey report: figures with their uncertainty for a period, scoped to who asks.

Center, channel and contact type (no person in them) go to every survey reader. Teams: a
supervisor sees the teams they lead, QA analysts and admins all; executives and trainers none
(they use the KPI wall). Agents: a supervisor sees the agents of the teams they lead, QA analysts
and admins all.

Invited means an invitation that went out (selectors/invitations.invited: sent_at is set); a
response counts for the day of the contact it is about, as does its invitation, so a period's
response rate pairs the same contacts. Teams are tested against the rest of the center on CSAT
(two-proportion z, Holm across all teams, whether the reader sees them or not). Agent rows are
credited like team rows, to the team the answer was credited to: an agent who moved teams has a
row per team, and a supervisor sees only the rows of their teams.
"""

import calendar
import dataclasses
import datetime
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone

from rapport.access.choices import Channel
from rapport.access.models import ContactType
from rapport.accounts.models import Team, User
from rapport.core.errors import PermissionDenied, ValidationFailed
from rapport.core.roles import SURVEY_READERS, Role, roles_of
from rapport.surveys import stats
from rapport.surveys.models import DrawSettings, Invitation, Response
from rapport.surveys.selectors.invitations import invited

MAX_DAYS = 366
MAX_WEEKS = 54  # a year of days touches at most 54 Monday weeks
PERIODS = ("week", "month", "custom")
# Years a period may touch: far enough for any history, near enough that no date arithmetic
# on a period (its end + 1 day, the previous period) can leave the calendar.
FIRST_YEAR, LAST_YEAR = 2000, 2100
ALL_SCOPE = frozenset({Role.QA_ANALYST, Role.ADMIN})


@dataclass
class Tally:
    """Answers and invitations of one group, as counts."""

    csat: Counter = field(default_factory=Counter)
    nps: Counter = field(default_factory=Counter)
    ces: Counter = field(default_factory=Counter)
    answered: int = 0
    invited: int = 0

    def add(self, other: "Tally") -> None:
        self.csat.update(other.csat)
        self.nps.update(other.nps)
        self.ces.update(other.ces)
        self.answered += other.answered
        self.invited += other.invited


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    invited: int
    answered: int
    response_rate: stats.Estimate
    csat: stats.Csat
    nps: stats.Nps
    ces: stats.Estimate
    versus_rest: stats.GroupTest | None = None
    team: int | None = None  # agent rows: the team the answers were credited to

    @property
    def low_response(self) -> bool:
        return stats.response_rate_low(self.response_rate)


@dataclass(frozen=True)
class Week:
    start: datetime.date
    end: datetime.date
    row: Row


@dataclass(frozen=True)
class SurveyReport:
    start: datetime.date
    end: datetime.date
    previous_start: datetime.date
    previous_end: datetime.date
    min_n: int
    center: Row
    previous: Row
    changes: dict[str, stats.Comparison]
    by_channel: list[Row]
    by_contact_type: list[Row]
    by_team: list[Row] | None  # None: not the reader's to see
    by_agent: list[Row] | None
    weeks: list[Week]
    bias: list[stats.BiasRow]
    low_response_threshold: float = stats.LOW_RESPONSE_RATE


# ------------------------------------------------------------------------------------------------
# The period
# ------------------------------------------------------------------------------------------------


def _date(value, name: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        day = value
    else:
        try:
            day = datetime.date.fromisoformat(str(value)[:10])
        except ValueError:
            message = "Enter a date as YYYY-MM-DD."
            raise ValidationFailed(message, fields={name: [message]}) from None
    _year_check(day, name)
    return day


def _year_check(day: datetime.date, name: str) -> None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        message = f"Choose a date between {FIRST_YEAR} and {LAST_YEAR}."
        raise ValidationFailed(message, fields={name: [message]})


def period_resolve(
    *, period: str | None = None, date=None, start=None, end=None
) -> tuple[datetime.date, datetime.date]:
    """A week (Monday–Sunday) or calendar month around `date`, or a custom start–end."""
    period = period or ("custom" if start or end else "month")
    if period not in PERIODS:
        message = "Choose week, month or custom."
        raise ValidationFailed(message, fields={"period": [message]})
    if period == "custom":
        first, last = _date(start, "start"), _date(end, "end")
        if first is None or last is None:
            message = "A custom period needs a start and an end."
            raise ValidationFailed(message, fields={"start" if first is None else "end": [message]})
        period_check(first, last)
        return first, last
    anchor = _date(date, "date") or timezone.localdate()
    if period == "week":
        first = anchor - datetime.timedelta(days=anchor.weekday())
        last = first + datetime.timedelta(days=6)
    else:
        days = calendar.monthrange(anchor.year, anchor.month)[1]
        first, last = anchor.replace(day=1), anchor.replace(day=days)
    period_check(first, last, field="date")
    return first, last


def period_check(start: datetime.date, end: datetime.date, *, field: str = "") -> None:
    """The one check of a survey period (reports, gaming checks, their pages, API and command):
    in order, at most a year, and within FIRST_YEAR…LAST_YEAR."""
    _year_check(start, field or "start")
    _year_check(end, field or "end")
    if start > end:
        message = "The period ends before it starts."
        raise ValidationFailed(message, fields={field or "end": [message]})
    if (end - start).days >= MAX_DAYS:
        message = "Choose a period of at most one year."
        raise ValidationFailed(message, fields={field or "end": [message]})


def min_responses() -> int:
    row = DrawSettings.objects.order_by("pk").values_list("min_responses", flat=True).first()
    return stats.DEFAULT_MIN_N if row is None else int(row)


# ------------------------------------------------------------------------------------------------
# Who sees what
# ------------------------------------------------------------------------------------------------


def may_read(user) -> bool:
    return bool(roles_of(user) & SURVEY_READERS)


def visible_team_ids(user) -> set[int] | None:
    """Teams whose figures the user sees: None for every team, else the ids (maybe none)."""
    roles = roles_of(user)
    if roles & ALL_SCOPE:
        return None
    if Role.SUPERVISOR in roles:
        return set(Team.objects.filter(supervisor=user).values_list("pk", flat=True))
    return set()


# ------------------------------------------------------------------------------------------------
# The report
# ------------------------------------------------------------------------------------------------

Key = tuple  # (day, channel, contact_type_id, team_id, agent_id)


def report_for(user, *, start: datetime.date, end: datetime.date) -> SurveyReport:
    if not may_read(user):
        raise PermissionDenied("Survey figures are for survey readers.")
    period_check(start, end)
    length = (end - start).days + 1
    previous_end = start - datetime.timedelta(days=1)
    previous_start = previous_end - datetime.timedelta(days=length - 1)
    tallies = _tallies(previous_start, end)
    min_n = min_responses()
    now = [(k, t) for k, t in tallies.items() if start <= k[0] <= end]
    before = [(k, t) for k, t in tallies.items() if k[0] < start]
    center = _merge(now, lambda k: "center")["center"]
    previous = _merge(before, lambda k: "center")["center"]
    teams, agents = _people_rows(user, now, min_n)
    return SurveyReport(
        start=start,
        end=end,
        previous_start=previous_start,
        previous_end=previous_end,
        min_n=min_n,
        center=_row("center", "Whole center", center, min_n),
        previous=_row("previous", "Previous period", previous, min_n),
        changes=_changes(center, previous),
        by_channel=_rows(_merge(now, lambda k: k[1]), _channel_labels(), min_n),
        by_contact_type=_rows(_merge(now, lambda k: k[2]), _contact_type_labels(now), min_n),
        by_team=teams,
        by_agent=agents,
        weeks=_weeks(now, start, end, min_n),
        bias=_bias(start, end, min_n),
    )


def _tallies(first: datetime.date, last: datetime.date) -> dict[Key, Tally]:
    tallies: dict[Key, Tally] = defaultdict(Tally)
    answers = (
        Response.objects.filter(day__range=(first, last))
        .values_list(
            "day", "channel", "contact_type_id", "team_id", "agent_id", "csat", "nps", "ces"
        )
        .annotate(count=Count("id"))
        .order_by()
    )
    for day, channel, contact_type, team, agent, csat, nps, ces, count in answers:
        tally = tallies[(day, channel, contact_type, team, agent)]
        tally.answered += count
        for counter, value in ((tally.csat, csat), (tally.nps, nps), (tally.ces, ces)):
            if value is not None:
                counter[value] += count
    sent = (
        invited(Invitation.objects.filter(draw__day__range=(first, last)))
        .values_list(
            "draw__day",
            "interaction__channel",
            "interaction__contact_type_id",
            "team_id",
            "agent_id",
        )
        .annotate(count=Count("id"))
        .order_by()
    )
    for day, channel, contact_type, team, agent, count in sent:
        tallies[(day, channel, contact_type, team, agent)].invited += count
    return tallies


def _merge(items: Iterable[tuple[Key, Tally]], key: Callable[[Key], object]) -> dict:
    merged: dict = defaultdict(Tally)
    for k, tally in items:
        merged[key(k)].add(tally)
    return merged


def _row(key, label: str, tally: Tally, min_n: int, versus=None) -> Row:
    return Row(
        key=str(key),
        label=label,
        invited=tally.invited,
        answered=tally.answered,
        response_rate=stats.response_rate(tally.answered, tally.invited, min_n=min_n),
        csat=stats.csat(tally.csat, min_n=min_n),
        nps=stats.nps(tally.nps, min_n=min_n),
        ces=stats.ces(tally.ces, min_n=min_n),
        versus_rest=versus,
    )


def _rows(merged: dict, labels: dict, min_n: int, tests: dict | None = None) -> list[Row]:
    rows = [
        _row(key if key is not None else "", labels.get(key, "Not recorded"), tally, min_n,
             (tests or {}).get(key))
        for key, tally in merged.items()
    ]  # fmt: skip
    return sorted(rows, key=lambda r: (-r.answered, r.label))


def _changes(now: Tally, before: Tally) -> dict[str, stats.Comparison]:
    return {
        "csat": stats.compare_csat(now.csat, before.csat),
        "csat_mean": stats.compare_means(now.csat, before.csat),
        "nps": stats.compare_nps(now.nps, before.nps),
        "ces": stats.compare_means(now.ces, before.ces),
    }


def _channel_labels() -> dict:
    return {value: str(label) for value, label in Channel.choices}


def _contact_type_labels(items) -> dict:
    ids = {k[2] for k, _ in items if k[2] is not None}
    return dict(ContactType.objects.filter(pk__in=ids).values_list("pk", "name"))


def _people_rows(user, now, min_n: int) -> tuple[list[Row] | None, list[Row] | None]:
    visible = visible_team_ids(user)
    if visible is not None and not visible:
        return None, None
    by_team = _merge(now, lambda k: k[3])
    tests = stats.compare_groups(
        {team: tally.csat for team, tally in by_team.items() if team is not None},
        measure="csat",
        min_n=min_n,
    )
    if visible is not None:
        by_team = {team: tally for team, tally in by_team.items() if team in visible}
    else:
        by_team.pop(None, None)
    names = dict(Team.objects.filter(pk__in=list(by_team)).values_list("pk", "name"))
    teams = _rows(by_team, names, min_n, tests)
    return teams, _agent_rows(now, visible, min_n)


def _agent_rows(now, visible: set[int] | None, min_n: int) -> list[Row]:
    """One row per (team the answers were credited to, agent), only for teams the reader sees."""
    by_key = _merge(now, lambda k: (k[3], k[4]))
    by_key = {
        (team, agent): tally
        for (team, agent), tally in by_key.items()
        if agent is not None and (visible is None or team in visible)
    }
    agents = {agent for _, agent in by_key}
    people = {
        person.pk: str(person)
        for person in User.objects.filter(pk__in=agents).only(
            "pk", "first_name", "last_name", "username"
        )
    }
    team_names = dict(
        Team.objects.filter(pk__in={team for team, _ in by_key if team is not None}).values_list(
            "pk", "name"
        )
    )
    moved = {a for a in agents if sum(1 for _, other in by_key if other == a) > 1}
    rows = []
    for (team, agent), tally in by_key.items():
        label = people.get(agent, f"Agent {agent}")
        if agent in moved:
            label = f"{label} ({team_names.get(team, 'no team')})"
        row = _row(f"{agent}:{team or ''}", label, tally, min_n)
        rows.append(dataclasses.replace(row, team=team))
    return sorted(rows, key=lambda r: (-r.answered, r.label))


def _weeks(now, start: datetime.date, end: datetime.date, min_n: int) -> list[Week]:
    monday = start - datetime.timedelta(days=start.weekday())
    by_week = _merge(now, lambda k: k[0] - datetime.timedelta(days=k[0].weekday()))
    weeks: list[Week] = []
    while monday <= end and len(weeks) < MAX_WEEKS:
        label = f"Week of {monday:%d %b %Y}"
        row = _row(monday.isoformat(), label, by_week.get(monday, Tally()), min_n)
        weeks.append(Week(max(monday, start), min(monday + datetime.timedelta(days=6), end), row))
        monday += datetime.timedelta(days=7)
    return weeks


def _bias(start: datetime.date, end: datetime.date, min_n: int) -> list[stats.BiasRow]:
    """Invited customers who answered against those who did not, on what the ledger knows."""
    rows = invited(Invitation.objects.filter(draw__day__range=(start, end))).values_list(
        "response__id", "interaction__handle_seconds", "interaction__signal__compound",
        "interaction__outcome",
    )  # fmt: skip
    groups: dict[bool, dict] = {
        True: {"handle": [], "sentiment": [], "resolved": 0, "outcomes": 0},
        False: {"handle": [], "sentiment": [], "resolved": 0, "outcomes": 0},
    }
    for response, handle, compound, outcome in rows.iterator():
        group = groups[response is not None]
        group["handle"].append(float(handle or 0))
        if compound is not None:
            group["sentiment"].append(float(compound))
        if outcome:
            group["outcomes"] += 1
            group["resolved"] += outcome == "resolved"
    made = {
        answered: stats.Group(g["handle"], g["sentiment"], g["resolved"], g["outcomes"])
        for answered, g in groups.items()
    }
    return stats.bias_check(made[True], made[False], min_n=min_n)
