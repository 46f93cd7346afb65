"""Call-detail records through the import source: the ledger's own row rules and writer, counts of
added and duplicate calls, errors by line, dry runs, and the days marked for the rollups.

The helpers at the top read a fixture as the engine hands rows to a source (headers matched to
the source's fields by name and aliases); the other center-system source tests use them too."""

import csv
import datetime
import io
import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import transaction

from rapport.access.tests.factories import QueueFactory
from rapport.accounts.models import ExternalAccount
from rapport.accounts.tests.factories import UserFactory
from rapport.customers.tests.factories import CustomerFactory, PhoneFactory
from rapport.imports.choices import DateFormat
from rapport.imports.models import ImportJob, ImportRowError
from rapport.imports.services import jobs as job_services
from rapport.imports.sources.base import Context, Line, Outcome, Source
from rapport.imports.sources.cdr import CallRecordsSource
from rapport.interactions.models import Interaction
from rapport.interactions.tests.factories import InteractionFactory
from rapport.performance.models import RollupDirtyDay

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
UTC = datetime.UTC


def squash(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", text).casefold()


def mapping_for(source: Source, headers: list[str]) -> dict[str, str]:
    """{field: header}: the header spelled as the field's name, label or one of its aliases."""
    by_key = {squash(header): header for header in headers}
    mapping: dict[str, str] = {}
    for field in source.fields:
        for spelling in (field.name, field.label, *field.aliases):
            if squash(spelling) in by_key and by_key[squash(spelling)] not in mapping.values():
                mapping[field.name] = by_key[squash(spelling)]
                break
    return mapping


def lines_of(source: Source, text: str) -> list[Line]:
    """The rows of a CSV as mapped Lines; a row's number is the line it starts on."""
    reader = csv.DictReader(io.StringIO(text))
    mapping = mapping_for(source, list(reader.fieldnames or []))
    lines, previous = [], reader.line_num
    for row in reader:
        values = {name: row[header] or "" for name, header in mapping.items()}
        lines.append(Line(number=previous + 1, values=values, raw=",".join(row.values())))
        previous = reader.line_num
    return lines


def fixture_lines(source: Source, name: str) -> list[Line]:
    return lines_of(source, (FIXTURES / name).read_text(encoding="utf-8"))


def unmapped_headers(source: Source, name: str) -> set[str]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as handle:
        headers = next(csv.reader(handle))
    return set(headers) - set(mapping_for(source, headers).values())


def run(
    source: Source, lines: list[Line], *, ctx: Context | None = None, **fields
) -> tuple[Outcome, Context]:
    """Process the lines as the engine does: in a transaction, with the source's label."""
    ctx = ctx or Context(job_id=1, source_label=source.source_label, **fields)
    with transaction.atomic():
        outcome = source.process(lines, ctx)
    return outcome, ctx


def errors_by_line(outcome: Outcome) -> dict[int, str]:
    return dict(outcome.errors)


def whole_job(
    run_tasks, importer, *, name: str, source_type: str, **choices
) -> tuple[dict, ImportJob, dict[int, str]]:
    """Upload a fixture, dry-run it, import it: (the dry run's summary, the finished job, its
    run's errors by line). The test settings run each task as soon as its service commits."""
    upload = ContentFile((FIXTURES / name).read_bytes(), name=name)
    job = job_services.job_create(by=importer, upload=upload, source_type=source_type, **choices)
    run_tasks(job_services.job_dry_run, job=job, by=importer)
    job.refresh_from_db()
    assert job.state == "checked", job.failure
    summary = dict(job.dry_run_summary)
    run_tasks(job_services.job_run, job=job, by=importer)
    job.refresh_from_db()
    assert job.state == "done", job.failure
    errors = ImportRowError.objects.filter(job=job, phase="run").values_list("line", "reason")
    return summary, job, dict(errors)


def counts(job: ImportJob) -> tuple[int, int, int, int]:
    return (job.rows_added, job.rows_updated, job.rows_unchanged, job.rows_failed)


# --- Call records ----------------------------------------------------------------------------

SOURCE = CallRecordsSource()
EXPORT = "cdr_switch_export.csv"


@pytest.fixture
def switch():
    """Two agents (ana known to the switch as 4711), two queues, one customer who calls."""
    ana = UserFactory(username="ana", email="ana@center.example", roles=["agent"])
    ben = UserFactory(username="ben", email="ben@center.example", roles=["agent"])
    ExternalAccount.objects.create(source="phone", external_id="4711", user=ana)
    queues = {code: QueueFactory(code=code) for code in ("billing", "sales")}
    caller = CustomerFactory()
    PhoneFactory(customer=caller, normalised="+12125550100", value="(212) 555-0100")
    return {"ana": ana, "ben": ben, "queues": queues, "caller": caller}


def test_every_column_of_the_switch_export_finds_its_field():
    assert unmapped_headers(SOURCE, EXPORT) == set()


def test_the_export_adds_its_calls_and_reports_each_bad_row(switch):
    outcome, _ = run(SOURCE, fixture_lines(SOURCE, EXPORT))

    assert (outcome.added, outcome.updated, outcome.unchanged) == (7, 0, 1)  # c-1001 twice
    errors = errors_by_line(outcome)
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
    assert calls["c-1005"].started_at == datetime.datetime(2026, 3, 2, 11, 5, tzinfo=UTC)
    assert calls["c-1009"].outcome == "no_answer"
    assert calls["c-1010"].outcome == "follow_up"


def test_the_same_file_twice_changes_nothing_the_second_time(switch):
    run(SOURCE, fixture_lines(SOURCE, EXPORT))
    before = list(Interaction.objects.order_by("pk").values())

    outcome, _ = run(SOURCE, fixture_lines(SOURCE, EXPORT))

    assert (outcome.added, outcome.updated, outcome.unchanged) == (0, 0, 8)
    assert len(outcome.errors) == 3
    assert list(Interaction.objects.order_by("pk").values()) == before


def test_a_call_the_ledger_has_from_live_events_is_left_as_it_is(switch):
    live = InteractionFactory(
        source="phone", external_id="c-1002", agent=switch["ben"], outcome="escalated"
    )

    outcome, _ = run(SOURCE, fixture_lines(SOURCE, EXPORT))

    assert (outcome.added, outcome.unchanged) == (6, 2)
    live.refresh_from_db()
    assert live.outcome == "escalated"
    assert Interaction.objects.filter(external_id="c-1002").count() == 1


def test_a_dry_run_writes_nothing_and_counts_what_a_run_would(switch):
    dry, _ = run(SOURCE, fixture_lines(SOURCE, EXPORT), dry_run=True)

    assert not Interaction.objects.exists()
    assert not RollupDirtyDay.objects.exists()
    real, _ = run(SOURCE, fixture_lines(SOURCE, EXPORT))
    assert (dry.added, dry.updated, dry.unchanged, dry.errors) == (
        real.added,
        real.updated,
        real.unchanged,
        real.errors,
    )
    assert "add inbound call c-1001 at 2026-03-02 09:00 UTC" in dry.samples


def test_a_dry_run_in_batches_counts_a_call_repeated_in_a_later_batch_once(switch):
    lines = fixture_lines(SOURCE, EXPORT)
    ctx = Context(job_id=1, source_label="phone", dry_run=True)

    first, _ = run(SOURCE, lines[:3], ctx=ctx)
    second, _ = run(SOURCE, lines[3:], ctx=ctx)

    assert first.added + second.added == 7
    assert first.unchanged + second.unchanged == 1


def test_the_days_of_imported_calls_are_marked_for_the_rollups(switch):
    run(SOURCE, fixture_lines(SOURCE, EXPORT))

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

    outcome, _ = run(SOURCE, lines_of(SOURCE, text), date_format=DateFormat.DMY)

    assert outcome.added == 1
    assert errors_by_line(outcome) == {
        3: "started_at is not a date (day first, DD/MM/YYYY): '31/02/2026'"
    }
    call = Interaction.objects.get(external_id="d-1")
    assert call.started_at == datetime.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert call.handle_seconds == 210


def test_required_cells_missing_are_reported_by_name(switch):
    text = "Call ID,Direction,Start Time,End Time\n,inbound,2026-03-02T09:00:00Z,2026-03-02T09:01:00Z\n"

    outcome, _ = run(SOURCE, lines_of(SOURCE, text))

    assert errors_by_line(outcome) == {2: "call_id is missing"}
    assert outcome.added == 0


def test_the_export_through_a_whole_import_job(switch, importer, run_tasks):
    summary, job, errors = whole_job(run_tasks, importer, name=EXPORT, source_type="call_records")

    assert set(job.mapping) == set(call_records_fields())
    assert (summary["added"], summary["unchanged"], summary["failed"]) == (7, 1, 3)
    assert counts(job) == (7, 0, 1, 3)
    assert sorted(errors) == [7, 8, 9]
    assert Interaction.objects.filter(source="phone").count() == 7


def call_records_fields() -> list[str]:
    return [field.name for field in SOURCE.fields]
