"""Workforce-management imports: schedule blocks, adherence days and agent state history, keyed by
the export's ids or by what identifies a row, with WFM words read as ours."""

import datetime

import pytest

from rapport.accounts.models import AdherenceDay, AgentStateChange, ScheduleBlock
from rapport.imports.sources.base import Context
from rapport.imports.sources.wfm import AdherenceSource, AgentStatesSource, SchedulesSource
from rapport.imports.tests.crm_export_lines import (
    at,
    counted,
    job_counts,
    lines_of,
    mapped_lines,
    process,
    unmapped_headers,
    whole_job,
)

pytestmark = pytest.mark.django_db

SCHEDULES, ADHERENCE, STATES = SchedulesSource(), AdherenceSource(), AgentStatesSource()


@pytest.fixture
def roster(ana_and_ben):
    """ana is W-101 in the WFM system; ben is named by username or e-mail."""
    return ana_and_ben("wfm", "W-101")


@pytest.mark.parametrize(
    ("source", "name"),
    [
        (SCHEDULES, "wfm_schedule_export.csv"),
        (ADHERENCE, "wfm_adherence_export.csv"),
        (STATES, "wfm_agent_states.csv"),
    ],
)
def test_every_column_of_the_wfm_exports_finds_its_field(source, name):
    assert unmapped_headers(source, name) == []


# --- Schedules -------------------------------------------------------------------------------


def test_schedule_blocks_are_added_with_wfm_activities_read_as_ours(roster):
    outcome = process(SCHEDULES, mapped_lines(SCHEDULES, "wfm_schedule_export.csv"))

    assert (outcome.added, outcome.updated, outcome.unchanged) == (8, 0, 0)
    assert dict(outcome.errors) == {
        10: "end '2026-03-09 13:30' is not after start",
        11: "activity 'Gardening' is not known; use one of work, break, lunch, training, "
        "meeting, off (or a usual WFM word for them)",
        12: "agent 'W-999' has no Rapport account",
    }
    ana = [
        (block.activity, block.starts_at, block.ends_at)
        for block in ScheduleBlock.objects.filter(agent=roster["ana"]).order_by("starts_at")
    ]
    assert ana == [
        ("work", at(9, 8), at(9, 10)),
        ("break", at(9, 10), at(9, 10, 15)),
        ("work", at(9, 10, 15), at(9, 12)),
        ("lunch", at(9, 12), at(9, 12, 30)),
        ("meeting", at(9, 12, 30), at(9, 13)),
    ]
    ben = ScheduleBlock.objects.filter(agent=roster["ben"]).order_by("starts_at")
    assert [block.activity for block in ben] == ["training", "work", "off"]
    first = ScheduleBlock.objects.get(agent=roster["ana"], starts_at=at(9, 8))
    assert first.source == "wfm"
    assert first.external_id == f"{roster['ana'].pk}|2026-03-09T08:00:00+00:00|work"


def test_a_schedule_imported_twice_is_unchanged_and_a_moved_end_is_an_update(roster):
    process(SCHEDULES, mapped_lines(SCHEDULES, "wfm_schedule_export.csv"))

    again = process(SCHEDULES, mapped_lines(SCHEDULES, "wfm_schedule_export.csv"))
    moved = process(
        SCHEDULES,
        lines_of(
            SCHEDULES, "Agent,Activity,Start,End\nW-101,Open,2026-03-09 08:00,2026-03-09 09:45\n"
        ),
    )

    assert (again.added, again.updated, again.unchanged) == (0, 0, 8)
    assert (moved.added, moved.updated, moved.unchanged) == (0, 1, 0)
    assert ScheduleBlock.objects.get(agent=roster["ana"], starts_at=at(9, 8)).ends_at == at(
        9, 9, 45
    )
    assert ScheduleBlock.objects.count() == 8


def test_a_schedule_dry_run_writes_nothing_and_counts_what_a_run_would(roster):
    dry = process(SCHEDULES, mapped_lines(SCHEDULES, "wfm_schedule_export.csv"), dry_run=True)

    assert not ScheduleBlock.objects.exists()
    real = process(SCHEDULES, mapped_lines(SCHEDULES, "wfm_schedule_export.csv"))
    assert counted(dry) == counted(real)
    assert "add work for W-101 2026-03-09 08:00–10:00 UTC" in dry.samples


def test_blocks_with_the_exports_own_ids_are_keyed_by_them(roster):
    text = (
        "Segment ID,Agent,Activity,Start,End\n"
        "SEG-1,ben,Open,2026-03-09 08:00,2026-03-09 12:00\n"
        "SEG-1,ben,Training,2026-03-09 08:00,2026-03-09 12:00\n"
    )

    outcome = process(SCHEDULES, lines_of(SCHEDULES, text))

    assert (outcome.added, outcome.unchanged) == (1, 1)  # the later row wins
    block = ScheduleBlock.objects.get(external_id="SEG-1")
    assert block.activity == "training"


# --- Adherence -------------------------------------------------------------------------------


def test_adherence_days_take_minutes_or_a_percentage(roster):
    outcome = process(ADHERENCE, mapped_lines(ADHERENCE, "wfm_adherence_export.csv"))

    assert (outcome.added, outcome.updated, outcome.unchanged) == (4, 0, 0)
    assert dict(outcome.errors) == {
        6: "adherent_minutes (500) is more than scheduled_minutes (480)",
        7: "date is not a date (YYYY-MM-DD): '31/02/2026'",
        8: "agent 'W-999' has no Rapport account",
        9: "adherence_percent must be between 0 and 100: '120'",
    }
    days = {
        (row.agent.username, row.day.isoformat()): (row.adherent_minutes, row.scheduled_minutes)
        for row in AdherenceDay.objects.select_related("agent")
    }
    assert days == {
        ("ana", "2026-03-09"): (452, 480),
        ("ben", "2026-03-09"): (439, 480),  # 91.5 % of 480 minutes
        ("ana", "2026-03-10"): (430, 450),
        ("ben", "2026-03-10"): (0, 0),
    }


def test_adherence_imported_twice_is_unchanged_and_a_dry_run_writes_nothing(roster):
    dry = process(ADHERENCE, mapped_lines(ADHERENCE, "wfm_adherence_export.csv"), dry_run=True)
    assert not AdherenceDay.objects.exists()
    process(ADHERENCE, mapped_lines(ADHERENCE, "wfm_adherence_export.csv"))

    again = process(ADHERENCE, mapped_lines(ADHERENCE, "wfm_adherence_export.csv"))

    assert (dry.added, dry.unchanged, len(dry.errors)) == (4, 0, 4)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)


def test_a_corrected_adherence_figure_updates_the_day(roster):
    process(ADHERENCE, mapped_lines(ADHERENCE, "wfm_adherence_export.csv"))
    text = "Agent ID,Date,Scheduled Minutes,Adherent Minutes\nW-101,2026-03-09,480,460\n"

    outcome = process(ADHERENCE, lines_of(ADHERENCE, text))

    assert (outcome.added, outcome.updated) == (0, 1)
    assert AdherenceDay.objects.get(agent=roster["ana"], day="2026-03-09").adherent_minutes == 460


# --- Agent states ----------------------------------------------------------------------------


def history(agent) -> list[tuple[str, str, datetime.datetime]]:
    changes = AgentStateChange.objects.filter(agent=agent).order_by("changed_at", "id")
    return [(c.previous_state, c.state, c.changed_at) for c in changes]


def test_state_history_is_chained_in_time_order_whatever_the_files_order(roster):
    outcome = process(STATES, mapped_lines(STATES, "wfm_agent_states.csv"))

    assert (outcome.added, outcome.updated, outcome.unchanged) == (7, 0, 0)
    assert dict(outcome.errors) == {
        8: "state 'Dancing' is not known; use one of available, on_contact, wrap_up, idle, "
        "break, offline (or a usual WFM word for them)",
        10: "changed_at is not a date (YYYY-MM-DD): 'yesterday'",
    }
    assert history(roster["ana"]) == [
        ("", "available", at(9, 8, 0, 5)),
        ("available", "on_contact", at(9, 8, 1, 10)),
        ("on_contact", "wrap_up", at(9, 8, 7, 40)),
        ("wrap_up", "break", at(9, 8, 8, 30)),
        ("break", "offline", at(9, 16, 59)),
    ]
    assert history(roster["ben"]) == [
        ("", "available", at(9, 9)),
        ("available", "on_contact", at(9, 9, 6)),
    ]
    change = AgentStateChange.objects.get(external_id="st-9003")
    assert change.source == "wfm"


def test_the_live_state_follows_only_a_change_newer_than_any_known(roster):
    ben = roster["ben"]
    ben.agent_state, ben.agent_state_since = (
        "available",
        datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC),
    )
    ben.save()

    process(STATES, mapped_lines(STATES, "wfm_agent_states.csv"))

    ana = roster["ana"]
    ana.refresh_from_db()
    ben.refresh_from_db()
    # ana had no live state: her newest known change is the export's last one.
    assert (ana.agent_state, ana.agent_state_since) == ("offline", at(9, 16, 59))
    # ben logged in since: last March's history must not overwrite what he is doing now.
    assert (ben.agent_state, ben.agent_state_since) == (
        "available",
        datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC),
    )


def test_an_earlier_batch_inserted_before_known_changes_rechains_them(roster):
    ana = roster["ana"]
    live = AgentStateChange.objects.create(
        agent=ana, state="available", previous_state="offline", changed_at=at(9, 12), source="ui"
    )
    lines = mapped_lines(STATES, "wfm_agent_states.csv")
    ctx = Context(job_id=1, source_label="wfm")

    process(STATES, [lines[4]], ctx=ctx)  # 16:59 logged out
    process(STATES, lines[:4], ctx=ctx)  # the morning, after it

    assert history(ana) == [
        ("", "available", at(9, 8, 0, 5)),
        ("available", "on_contact", at(9, 8, 1, 10)),
        ("on_contact", "wrap_up", at(9, 8, 7, 40)),
        ("wrap_up", "break", at(9, 8, 8, 30)),
        ("break", "available", at(9, 12)),
        ("available", "offline", at(9, 16, 59)),
    ]
    live.refresh_from_db()
    assert live.source == "ui"


def test_states_imported_twice_are_unchanged_and_a_dry_run_changes_nothing(roster):
    dry = process(STATES, mapped_lines(STATES, "wfm_agent_states.csv"), dry_run=True)
    assert not AgentStateChange.objects.exists()
    roster["ana"].refresh_from_db()
    assert roster["ana"].agent_state == "offline" and roster["ana"].agent_state_since is None
    process(STATES, mapped_lines(STATES, "wfm_agent_states.csv"))

    again = process(STATES, mapped_lines(STATES, "wfm_agent_states.csv"))

    assert (dry.added, len(dry.errors)) == (7, 2)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 7)


def test_states_without_an_id_are_keyed_by_agent_and_time(roster):
    text = "Agent,State,Timestamp\nben,Ready,2026-03-09T09:00:00Z\nben,Talk,2026-03-09T09:00:00Z\n"

    outcome = process(STATES, lines_of(STATES, text))

    assert (outcome.added, outcome.unchanged) == (1, 1)
    change = AgentStateChange.objects.get(agent=roster["ben"])
    assert change.state == "on_contact"
    assert change.external_id == f"{roster['ben'].pk}|2026-03-09T09:00:00+00:00"


@pytest.mark.parametrize(
    ("source_type", "name", "expected", "bad_lines"),
    [
        ("wfm_schedules", "wfm_schedule_export.csv", (8, 0, 0, 3), [10, 11, 12]),
        ("wfm_adherence", "wfm_adherence_export.csv", (4, 0, 0, 4), [6, 7, 8, 9]),
        ("wfm_agent_states", "wfm_agent_states.csv", (7, 0, 0, 2), [8, 10]),
    ],
)
def test_each_export_through_a_whole_import_job(
    roster, importer, run_tasks, source_type, name, expected, bad_lines
):
    summary, job, errors = whole_job(run_tasks, importer, name=name, source_type=source_type)

    assert (summary["added"], summary["failed"]) == (expected[0], expected[3])
    assert job_counts(job) == expected
    assert [line for line, _ in errors] == bad_lines
