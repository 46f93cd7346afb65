"""Call-detail records through the import source: the ledger's own row rules and writer, counts of
added and duplicate calls, errors by line, dry runs, and the days marked for the rollups."""

import datetime

import pytest

from rapport.access.tests.factories import QueueFactory
from rapport.customers.tests.factories import CustomerFactory, PhoneFactory
from rapport.imports.choices import DateFormat
from rapport.imports.sources.base import Context
from rapport.imports.sources.cdr import CallRecordsSource
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
from rapport.interactions.models import Interaction
from rapport.interactions.tests.factories import InteractionFactory
from rapport.performance.models import RollupDirtyDay

pytestmark = pytest.mark.django_db

SOURCE = CallRecordsSource()
EXPORT = "cdr_switch_export.csv"


@pytest.fixture
def switch(ana_and_ben):
    """Two agents (ana known to the switch as 4711), two queues, one customer who calls."""
    ana, ben = ana_and_ben("phone", "4711").values()
    queues = {code: QueueFactory(code=code) for code in ("billing", "sales")}
    caller = CustomerFactory()
    PhoneFactory(customer=caller, normalised="+12125550100", value="(212) 555-0100")
    return {"ana": ana, "ben": ben, "queues": queues, "caller": caller}


def test_every_column_of_the_switch_export_finds_its_field():
    assert unmapped_headers(SOURCE, EXPORT) == []


def test_the_export_adds_its_calls_and_reports_each_bad_row(switch):
    outcome = process(SOURCE, mapped_lines(SOURCE, EXPORT))

    assert (outcome.added, outcome.updated, outcome.unchanged) == (7, 0, 1)  # c-1001 twice
    errors = dict(outcome.errors)
    assert errors == {
        7: "ended before it started",
        8: "unknown agent '9999'",
        9: "unknown direction 'sideways' (inbound or outbound)",
    }
    calls = {i.external_id: i for i in Interaction.objects.filter(source="phone")}
    assert set(calls) == {"c-1001", "c-1002", "c-1003", "c-1004", "c-1005", "c-1009", "c-1010"}
    first = calls["c-1001"]
    assert first.agent == switch["ana"]  # the switch's agent id, through ExternalAccount
    assert first.customer == switch["caller"]
    assert first.queue == switch["queues"]["billing"]
    assert (first.wait_seconds, first.handle_seconds, first.hold_seconds) == (25, 345, 20)
    assert first.outcome == "resolved"
    outbound = calls["c-1003"]
    assert outbound.agent == switch["ana"]  # named by e-mail
    assert outbound.customer == switch["caller"]  # the number dialled
    assert calls["c-1002"].agent == switch["ben"]
    assert calls["c-1004"].agent is None and calls["c-1004"].wait_seconds == 90
    assert calls["c-1005"].direction == "inbound"  # "In"
    assert calls["c-1005"].started_at == at(2, 11, 5)
    assert calls["c-1009"].outcome == "no_answer"
    assert calls["c-1010"].outcome == "follow_up"


def test_the_same_file_twice_changes_nothing_the_second_time(switch):
    process(SOURCE, mapped_lines(SOURCE, EXPORT))
    before = list(Interaction.objects.order_by("pk").values())

    outcome = process(SOURCE, mapped_lines(SOURCE, EXPORT))

    assert (outcome.added, outcome.updated, outcome.unchanged) == (0, 0, 8)
    assert len(outcome.errors) == 3
    assert list(Interaction.objects.order_by("pk").values()) == before


def test_a_call_the_ledger_has_from_live_events_is_left_as_it_is(switch):
    live = InteractionFactory(
        source="phone", external_id="c-1002", agent=switch["ben"], outcome="escalated"
    )

    outcome = process(SOURCE, mapped_lines(SOURCE, EXPORT))

    assert (outcome.added, outcome.unchanged) == (6, 2)
    live.refresh_from_db()
    assert live.outcome == "escalated"
    assert Interaction.objects.filter(external_id="c-1002").count() == 1


def test_a_dry_run_writes_nothing_and_counts_what_a_run_would(switch):
    dry = process(SOURCE, mapped_lines(SOURCE, EXPORT), dry_run=True)

    assert not Interaction.objects.exists()
    assert not RollupDirtyDay.objects.exists()
    real = process(SOURCE, mapped_lines(SOURCE, EXPORT))
    assert counted(dry) == counted(real)
    assert "add inbound call c-1001 at 2026-03-02 09:00 UTC" in dry.samples


def test_a_dry_run_in_batches_counts_a_call_repeated_in_a_later_batch_once(switch):
    lines = mapped_lines(SOURCE, EXPORT)
    ctx = Context(job_id=1, source_label="phone", dry_run=True)

    first = process(SOURCE, lines[:3], ctx=ctx)
    second = process(SOURCE, lines[3:], ctx=ctx)

    assert first.added + second.added == 7
    assert first.unchanged + second.unchanged == 1


def test_the_days_of_imported_calls_are_marked_for_the_rollups(switch):
    process(SOURCE, mapped_lines(SOURCE, EXPORT))

    assert set(RollupDirtyDay.objects.values_list("day", flat=True)) == {
        datetime.date(2026, 3, 2),
        datetime.date(2026, 3, 3),
    }


def test_times_may_be_written_in_the_jobs_date_order(switch):
    text = (
        "Call ID,Direction,ANI,DNIS,Queue,Agent,Start Time,Answer Time,End Time\n"
        "d-1,inbound,+12125550100,+18005550100,billing,ben,"
        "02/03/2026 9:00,02/03/2026 9:00:30,02/03/2026 9:04\n"
        "d-2,inbound,+12125550100,+18005550100,billing,ben,31/02/2026 9:00,,31/02/2026 9:01\n"
    )

    outcome = process(SOURCE, lines_of(SOURCE, text), date_format=DateFormat.DMY)

    assert outcome.added == 1
    assert dict(outcome.errors) == {
        3: "started_at is not a date (day first, DD/MM/YYYY): '31/02/2026'"
    }
    call = Interaction.objects.get(external_id="d-1")
    assert call.started_at == at(2, 9)
    assert call.handle_seconds == 210


def test_required_cells_missing_are_reported_by_name(switch):
    text = "Call ID,Direction,Start Time,End Time\n,inbound,2026-03-02T09:00:00Z,2026-03-02T09:01:00Z\n"

    outcome = process(SOURCE, lines_of(SOURCE, text))

    assert dict(outcome.errors) == {2: "call_id is missing"}
    assert outcome.added == 0


def test_the_export_through_a_whole_import_job(switch, importer, run_tasks):
    summary, job, errors = whole_job(run_tasks, importer, name=EXPORT, source_type="call_records")

    assert set(job.mapping) == set(call_records_fields())
    assert (summary["added"], summary["unchanged"], summary["failed"]) == (7, 1, 3)
    assert job_counts(job) == (7, 0, 1, 3)
    assert [line for line, _ in errors] == [7, 8, 9]
    assert Interaction.objects.filter(source="phone").count() == 7


def call_records_fields() -> list[str]:
    return [field.name for field in SOURCE.fields]
