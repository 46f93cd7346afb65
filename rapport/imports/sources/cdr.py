"""Call-detail records from the phone switch, through import jobs. The rows are checked and written
by the ledger's own call-record import (rapport.interactions.call_records): the same rules, the
same phone interactions with external_id = call id, so a call the ledger already holds is a
duplicate that changes nothing (counted unchanged), however it got there. The switch's columns
are its HEADER; times may also be written in the job's date order, and the agent column may hold
the switch's agent id (ExternalAccount "phone"), a username or an e-mail address.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

from django.utils import timezone

from rapport.imports import values
from rapport.imports.models import ImportJob
from rapport.imports.sources import register
from rapport.imports.sources.base import Context, Field, Line, Outcome, RowError, Source
from rapport.imports.sources.lookups import Tally, people_named, queues_named, read_rows
from rapport.interactions import call_records
from rapport.interactions.choices import Source as LedgerSource
from rapport.interactions.models import Interaction
from rapport.interactions.signals import ledger_changed

TIME_COLUMNS = ("started_at", "answered_at", "ended_at")
DIRECTION_WORDS = {
    "in": "inbound",
    "incoming": "inbound",
    "inbound": "inbound",
    "out": "outbound",
    "outgoing": "outbound",
    "outbound": "outbound",
}
LABELS = {
    "call_id": ("Call id", ("Call ID", "CallID", "UCID", "Unique ID", "uniqueid", "Session ID")),
    "direction": ("Direction (inbound or outbound)", ("Direction", "Call Direction")),
    "ani": ("Calling number (ANI)", ("ANI", "Caller", "Caller ID", "CallerID", "From", "src")),
    "dnis": ("Called number (DNIS)", ("DNIS", "Called Number", "Dialed Number", "To", "dst")),
    "queue": ("Queue code", ("Queue", "Queue Name", "Skill", "Split", "Hunt Group")),
    "agent": ("Agent", ("Agent", "Agent ID", "Agent Login", "Login ID", "Username")),
    "started_at": ("Started at", ("Start Time", "Call Start", "Start", "Started", "Call Date")),
    "answered_at": ("Answered at", ("Answer Time", "Answered", "Connect Time", "Answer")),
    "ended_at": ("Ended at", ("End Time", "Call End", "End", "Ended", "Disconnect Time")),
    "hold_seconds": ("Hold seconds", ("Hold Time", "Hold Duration", "Hold", "Hold Secs")),
    "wrap_seconds": ("Wrap-up seconds", ("Wrap Time", "ACW", "After Call Work", "ACW Time")),
    "transfers": ("Transfers", ("Transfer Count", "Transfers", "Number of Transfers")),
    "outcome": ("Outcome", ("Outcome", "Call Outcome", "Disposition", "Result")),
}
REQUIRED = frozenset({"call_id", "direction", "started_at", "ended_at"})


class CallRecordsSource(Source):
    key = "call_records"
    label = "Call-detail records (phone switch)"
    description = (
        "One row per call from the phone switch: call id, direction, numbers, queue, agent, start, "
        "answer and end times, hold and wrap-up seconds, transfers and outcome. Each call becomes "
        "a phone contact in the ledger, joined to the customer whose number called; a call already "
        "in the ledger is left as it is. Agents are named by their id in the switch, a username "
        "or an e-mail address."
    )
    source_label = LedgerSource.PHONE
    fields = tuple(
        Field(name, LABELS[name][0], required=name in REQUIRED, aliases=LABELS[name][1])
        for name in call_records.HEADER
    )

    def process(self, lines: Sequence[Line], ctx: Context) -> Outcome:
        tally = Tally()
        zone = timezone.get_default_timezone()
        parse = partial(
            call_records.parse_row,
            queues={code: q.pk for code, q in queues_named(ctx, _column(lines, "queue")).items()},
            agents=people_named(ctx, _column(lines, "agent"), source=ctx.source_label),
            phones=ctx.cache.setdefault(
                "cdr:phones", call_records.PhoneKeys(region=ctx.default_region)
            ),
            zone=zone,
        )
        checked = [call for _, call in read_rows(lines, partial(_parsed, ctx, zone, parse), tally)]
        new = self._new_calls(checked, ctx)
        added = len(new) if ctx.dry_run else call_records.call_records_write(list(new.values()))
        if added and not ctx.dry_run:
            # The ledger's bulk writes fire no per-row signals; rollups and alerts learn here.
            days = {call.started_at.astimezone(zone).date() for call in checked}
            ledger_changed.send(sender=ImportJob, days=days)
        for call in checked:
            if new.get(call.call_id) is call:
                at = f"{call.started_at:%Y-%m-%d %H:%M} UTC"
                tally.count("added", f"{call.direction} call {call.call_id} at {at}")
            else:
                tally.count("unchanged")
                tally.note("the call is in the ledger already (or earlier in the file)")
        # A call the ledger's live events wrote meanwhile is not added twice.
        tally.outcome.unchanged += tally.outcome.added - added
        tally.outcome.added = added
        return tally.finish()

    def _new_calls(
        self, checked: list[call_records.CallRecord], ctx: Context
    ) -> dict[str, call_records.CallRecord]:
        """The calls not in the ledger (nor, in a dry run, earlier in the run), first row first:
        a repeated call is a duplicate, as it is for the ledger's own import."""
        stored = set(
            Interaction.objects.filter(
                source=LedgerSource.PHONE, external_id__in={c.call_id for c in checked}
            ).values_list("external_id", flat=True)
        )
        seen: set[str] = ctx.cache.setdefault("cdr:dry_seen", set()) if ctx.dry_run else set()
        new: dict[str, call_records.CallRecord] = {}
        for call in checked:
            if call.call_id not in stored and call.call_id not in seen and call.call_id not in new:
                new[call.call_id] = call
        seen.update(new)
        return new


def _column(lines: Sequence[Line], name: str) -> set[str]:
    return {(line.values.get(name) or "").strip() for line in lines}


def _parsed(ctx: Context, zone: Any, parse: Any, line: Line) -> call_records.CallRecord:
    try:
        return parse(_cells(line, ctx, zone), line=line.number)
    except call_records.RowError as exc:
        raise RowError(str(exc)) from None


def _cells(line: Line, ctx: Context, zone: Any) -> list[str]:
    """The row in HEADER order, with the switch's spellings the ledger's rules do not take
    brought to them: times in the job's date order, 'In'/'Outgoing', 'No Answer'."""
    cells = {name: (line.values.get(name) or "").strip() for name in call_records.HEADER}
    cells["direction"] = DIRECTION_WORDS.get(cells["direction"].lower(), cells["direction"])
    cells["outcome"] = "_".join(cells["outcome"].lower().replace("-", " ").split())
    for name in TIME_COLUMNS:
        cells[name] = _iso_time(cells[name], name, ctx, zone)
    return [cells[name] for name in call_records.HEADER]


def _iso_time(text: str, name: str, ctx: Context, zone: Any) -> str:
    if not text:
        return text
    try:
        datetime.fromisoformat(text)
        return text  # the ledger's rules read it as it is
    except ValueError:
        pass
    try:
        moment = values.parse_datetime(text, name, date_format=ctx.date_format, zone=zone)
    except OverflowError:
        raise RowError(f"{name} is out of range: {values.quoted(text)}") from None
    assert moment is not None
    return moment.isoformat()


register(CallRecordsSource())
