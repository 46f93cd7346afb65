"""Workforce-management exports: schedules, daily adherence and agents' state history.

Agents are named by their id in the WFM system (ExternalAccount "wfm"), a username or an e-mail
address; a row without a known agent means nothing and is refused. Rows are keyed by
(source, id); when the export has no id column the key is made from what identifies the row:
agent|start|activity for a schedule block, agent|day for adherence, agent|time for a state change
(agent = the Rapport user's number, times in UTC ISO 8601), so a re-import of the same export
changes nothing. Times without an offset are the center's local time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from rapport.accounts.choices import AgentState, ScheduledActivity
from rapport.accounts.models import AdherenceDay, AgentStateChange, ScheduleBlock, User
from rapport.imports import values
from rapport.imports.sources import register
from rapport.imports.sources.base import Context, Field, Line, Outcome, RowError, Source
from rapport.imports.sources.lookups import (
    Planned,
    Tally,
    keyed_plan,
    keyed_write,
    moment,
    number,
    people_named,
    person_named,
    read_rows,
    word,
)

WFM = "wfm"
MINUTES_A_DAY = 24 * 60

ACTIVITY_WORDS = {
    **{v: v for v in ScheduledActivity.values},
    **dict.fromkeys(
        ("open", "phone", "phones", "on queue", "queue", "available", "productive", "shift",
         "calls", "chat", "email", "inbound", "outbound", "back office", "work time"),
        ScheduledActivity.WORK,
    ),
    **dict.fromkeys(("coffee", "rest break", "short break", "personal"), ScheduledActivity.BREAK),
    **dict.fromkeys(("meal", "lunch break", "dinner"), ScheduledActivity.LUNCH),
    **dict.fromkeys(
        ("coaching", "e learning", "elearning", "learning", "class", "nesting", "course"),
        ScheduledActivity.TRAINING,
    ),
    **dict.fromkeys(
        ("team meeting", "huddle", "one on one", "1 on 1", "1:1", "briefing"),
        ScheduledActivity.MEETING,
    ),
    **dict.fromkeys(
        ("day off", "pto", "vacation", "holiday", "sick", "sick leave", "leave", "absent",
         "absence", "time off", "annual leave", "unavailable", "not scheduled"),
        ScheduledActivity.OFF,
    ),
}  # fmt: skip
STATE_WORDS = {
    **{v: v for v in AgentState.values},
    **dict.fromkeys(("ready", "idle ready", "waiting", "avail"), AgentState.AVAILABLE),
    **dict.fromkeys(
        ("talk", "talking", "on call", "in call", "busy", "on contact", "handling", "connected",
         "inbound", "outbound", "ringing", "hold", "on hold", "chat", "email"),
        AgentState.ON_CONTACT,
    ),
    **dict.fromkeys(
        ("acw", "after call work", "wrap", "wrap up", "wrapup", "work ready", "not ready acw"),
        AgentState.WRAP_UP,
    ),
    **dict.fromkeys(
        ("not ready", "aux", "away", "lunch", "meal", "coffee", "personal", "meeting",
         "training", "coaching", "paused"),
        AgentState.BREAK,
    ),
    **dict.fromkeys(
        ("logged out", "logout", "log out", "logged off", "signed out", "off", "offline"),
        AgentState.OFFLINE,
    ),
}  # fmt: skip

AGENT_ALIASES = ("Agent", "Agent ID", "Agent Name", "Employee", "Employee ID", "Login", "Email")
ID_ALIASES = ("ID", "Row ID", "Record ID")


def _word(text: str | None, name: str, words: dict[str, str], ours: list[str]) -> str:
    return word(text, name, words, f"one of {', '.join(ours)} (or a usual WFM word for them)")


class WfmSource(Source):
    """What the three WFM files share: agents by WFM id, username or e-mail; times in the
    center's zone; rows checked one by one and written by (source, id)."""

    source_label = WFM
    model: type[ScheduleBlock] | type[AdherenceDay] | type[AgentStateChange]

    def process(self, lines: Sequence[Line], ctx: Context) -> Outcome:
        tally = Tally()
        agents = {(line.values.get("agent") or "").strip() for line in lines}
        people_named(ctx, agents, source=ctx.source_label)
        rows = read_rows(lines, lambda line: self.check(line, ctx), tally)
        plan = keyed_plan(self.model, rows, source=ctx.source_label, ctx=ctx, tally=tally)
        keyed_write(self.model, plan, ctx=ctx, tally=tally)
        if not ctx.dry_run:
            self.after_write([row for row, _ in [*plan.added, *plan.updated]], ctx)
        return tally.finish()

    def check(self, line: Line, ctx: Context) -> Planned:
        raise NotImplementedError

    def after_write(self, written: list[Planned], ctx: Context) -> None:
        """What else a written batch changes (nothing, unless a source says otherwise)."""

    def agent(self, line: Line, ctx: Context) -> tuple[int, str]:
        name = values.text(line.values.get("agent"), "agent", max_length=255, required=True)
        found = person_named(ctx, name, source=ctx.source_label)
        if found is None:
            raise RowError(f"agent {values.quoted(name)} has no Rapport account")
        return found, name

    def given_id(self, line: Line) -> str:
        return values.text(line.values.get("id"), "id", max_length=100)


class SchedulesSource(WfmSource):
    key = "wfm_schedules"
    label = "WFM schedules"
    description = (
        "Agents' planned time from workforce management: one row per block with the agent, "
        "start, end and activity (open for contacts, break, lunch, training, meeting, off; "
        "usual WFM words such as Open, Phone, PTO are understood)."
    )
    model = ScheduleBlock
    fields = (
        Field("agent", "Agent", required=True, aliases=AGENT_ALIASES),
        Field(
            "start",
            "Starts at",
            required=True,
            aliases=("Start", "Start Time", "Starts At", "Begin", "From", "Start Date Time"),
        ),
        Field(
            "end",
            "Ends at",
            required=True,
            aliases=("End", "End Time", "Ends At", "Finish", "To", "End Date Time"),
        ),
        Field(
            "activity",
            "Activity",
            required=True,
            aliases=("Activity", "Activity Type", "Activity Name", "Segment", "Segment Code"),
        ),
        Field("id", "Block id", aliases=("Block ID", "Segment ID", "Activity ID", *ID_ALIASES)),
    )

    def check(self, line: Line, ctx: Context) -> Planned:
        agent_id, name = self.agent(line, ctx)
        starts_at, ends_at = moment(line, "start", ctx), moment(line, "end", ctx)
        if ends_at <= starts_at:
            raise RowError(f"end {values.quoted(line.values.get('end') or '')} is not after start")
        activity = _word(
            line.values.get("activity"), "activity", ACTIVITY_WORDS, ScheduledActivity.values
        )
        key = self.given_id(line) or f"{agent_id}|{starts_at.isoformat()}|{activity}"
        return Planned(
            external_id=key,
            values={
                "agent_id": agent_id,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "activity": activity,
            },
            sample=f"{activity} for {name} {starts_at:%Y-%m-%d %H:%M}–{ends_at:%H:%M} UTC",
        )


class AdherenceSource(WfmSource):
    key = "wfm_adherence"
    label = "WFM adherence"
    description = (
        "Schedule adherence per agent and day from workforce management: minutes scheduled and "
        "minutes in adherence (or the adherence percentage)."
    )
    model = AdherenceDay
    fields = (
        Field("agent", "Agent", required=True, aliases=AGENT_ALIASES),
        Field("date", "Day", required=True, aliases=("Date", "Day", "Schedule Date")),
        Field(
            "scheduled_minutes",
            "Minutes scheduled",
            required=True,
            aliases=("Scheduled Minutes", "Scheduled", "Scheduled Time", "Sched Min"),
        ),
        Field(
            "adherent_minutes",
            "Minutes in adherence",
            aliases=("Adherent Minutes", "In Adherence", "Minutes In Adherence", "Adherent"),
        ),
        Field(
            "adherence_percent",
            "Adherence %",
            aliases=("Adherence", "Adherence %", "Adherence Percent", "Adherence Pct"),
        ),
        Field("id", "Row id", aliases=ID_ALIASES),
    )

    def check(self, line: Line, ctx: Context) -> Planned:
        agent_id, name = self.agent(line, ctx)
        day = values.parse_date(line.values.get("date"), "date", date_format=ctx.date_format)
        if day is None:
            raise RowError("date is missing")
        scheduled = values.parse_int(
            line.values.get("scheduled_minutes"), "scheduled_minutes", maximum=MINUTES_A_DAY
        )
        if scheduled is None:
            raise RowError("scheduled_minutes is missing")
        adherent = _adherent(line, scheduled)
        return Planned(
            external_id=self.given_id(line) or f"{agent_id}|{day.isoformat()}",
            values={
                "agent_id": agent_id,
                "day": day,
                "scheduled_minutes": scheduled,
                "adherent_minutes": adherent,
            },
            sample=f"adherence of {name} on {day}: {adherent} of {scheduled} minutes",
        )


def _adherent(line: Line, scheduled: int) -> int:
    """Minutes in adherence: as given, else the percentage of the scheduled minutes."""
    minutes = values.parse_int(
        line.values.get("adherent_minutes"), "adherent_minutes", maximum=MINUTES_A_DAY
    )
    if minutes is None:
        text = (line.values.get("adherence_percent") or "").strip().rstrip("%")
        percent = number(text, "adherence_percent")
        if percent is None:
            raise RowError("adherent_minutes is missing (or give adherence_percent)")
        if not 0 <= percent <= 100:
            raise RowError(f"adherence_percent must be between 0 and 100: {values.quoted(text)}")
        minutes = int((scheduled * percent / 100).to_integral_value())
    if minutes > scheduled:
        raise RowError(f"adherent_minutes ({minutes}) is more than scheduled_minutes ({scheduled})")
    return minutes


class AgentStatesSource(WfmSource):
    key = "wfm_agent_states"
    label = "WFM agent state history"
    description = (
        "Agents' state changes as workforce management or the ACD logged them: agent, state "
        "(available, on contact, wrap-up, idle, break, offline; usual words such as Ready, "
        "Not Ready, ACW, Talk, Logged Out are understood) and when it changed."
    )
    model = AgentStateChange
    fields = (
        Field("agent", "Agent", required=True, aliases=AGENT_ALIASES),
        Field(
            "state",
            "State",
            required=True,
            aliases=("State", "Agent State", "Status", "Reason Code", "Aux Reason"),
        ),
        Field(
            "changed_at",
            "Changed at",
            required=True,
            aliases=("Changed At", "Timestamp", "Time", "State Start", "Start Time", "Date Time"),
        ),
        Field("id", "Event id", aliases=("Event ID", "State ID", *ID_ALIASES)),
    )

    def check(self, line: Line, ctx: Context) -> Planned:
        agent_id, name = self.agent(line, ctx)
        state = _word(line.values.get("state"), "state", STATE_WORDS, AgentState.values)
        changed_at = moment(line, "changed_at", ctx)
        return Planned(
            external_id=self.given_id(line) or f"{agent_id}|{changed_at.isoformat()}",
            values={"agent_id": agent_id, "state": state, "changed_at": changed_at},
            sample=f"{name} {state} at {changed_at:%Y-%m-%d %H:%M:%S} UTC",
        )

    def after_write(self, written: list[Planned], ctx: Context) -> None:
        by_agent: dict[int, list[datetime]] = defaultdict(list)
        for row in written:
            by_agent[row.values["agent_id"]].append(row.values["changed_at"])
        for agent_id, moments in by_agent.items():
            _chain_previous_states(agent_id, min(moments), max(moments))
            _follow_newest(agent_id)


def _chain_previous_states(agent_id: int, first: datetime, last: datetime) -> None:
    """previous_state is the state of the agent's change just before, in time order, whatever
    order the file came in: set it on the changes from `first` to `last` and on the one after
    `last`, the only ones whose predecessor an import can have changed."""
    changes = AgentStateChange.objects.filter(agent_id=agent_id).order_by("changed_at", "id")
    before = changes.filter(changed_at__lt=first).values_list("state", flat=True).last()
    span = list(changes.filter(changed_at__gte=first, changed_at__lte=last))
    span += list(changes.filter(changed_at__gt=last)[:1])
    stale = []
    previous = before or ""
    for change in span:
        if change.previous_state != previous:
            change.previous_state = previous
            stale.append(change)
        previous = change.state
    AgentStateChange.objects.bulk_update(stale, ["previous_state"])


def _follow_newest(agent_id: int) -> None:
    """The live state (User.agent_state, which routing and the team board read) follows an
    imported change only when it is the newest the agent has and newer than the live state: an
    export of last month must not put someone on break who is taking calls now."""
    newest = (
        AgentStateChange.objects.filter(agent_id=agent_id)
        .order_by("-changed_at", "-id")
        .values_list("state", "changed_at")
        .first()
    )
    if newest is None:
        return
    state, changed_at = newest
    User.objects.filter(pk=agent_id).exclude(agent_state_since__gte=changed_at).update(
        agent_state=state, agent_state_since=changed_at
    )


register(SchedulesSource())
register(AdherenceSource())
register(AgentStatesSource())
