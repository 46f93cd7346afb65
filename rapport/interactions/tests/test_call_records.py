"""Call-detail-record import: row checks with line numbers, idempotent re-imports, whole-file
failures, and the same results on the COPY path (PostgreSQL) and the batched path (SQLite)."""

import datetime
import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection
from django.utils import timezone

from rapport.access.tests.factories import QueueFactory, TouchpointFactory
from rapport.accounts.tests.factories import UserFactory
from rapport.customers.models import Customer
from rapport.customers.tests.factories import PhoneFactory
from rapport.interactions import call_records, tasks
from rapport.interactions.models import CallRecordImport, Interaction
from rapport.interactions.tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db

HEADER = ",".join(call_records.HEADER)
UTC = datetime.UTC


def cdr(
    call_id="call-1",
    direction="inbound",
    ani="+12125550100",
    dnis="+18005550100",
    queue="billing",
    agent="ana",
    started_at="2026-03-02T09:00:00Z",
    answered_at="2026-03-02T09:00:30Z",
    ended_at="2026-03-02T09:05:30Z",
    hold_seconds="20",
    wrap_seconds="45",
    transfers="1",
    outcome="resolved",
) -> str:
    return ",".join(
        [
            call_id,
            direction,
            ani,
            dnis,
            queue,
            agent,
            started_at,
            answered_at,
            ended_at,
            hold_seconds,
            wrap_seconds,
            transfers,
            outcome,
        ]
    )


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def run(content: bytes, *, by=None, filename="calls.csv") -> CallRecordImport:
    record = call_records.call_record_import_create(by=by, filename=filename, content=content)
    return call_records.call_records_run(import_id=record.pk)


def reasons(record: CallRecordImport) -> list[tuple[int, str]]:
    return [(e["line"], e["reason"]) for e in record.errors]


@pytest.fixture
def switch():
    """A queue, an agent, our published number and a known customer's phone."""
    queue = QueueFactory(code="billing")
    agent = UserFactory(username="ana", roles=["agent"])
    touchpoint = TouchpointFactory(channel="phone", address="+18005550100", queue=QueueFactory())
    phone = PhoneFactory(normalised="+12125550100", value="(212) 555-0100")
    return {"queue": queue, "agent": agent, "touchpoint": touchpoint, "customer": phone.customer}


def test_good_rows_commit_and_each_bad_row_is_reported_with_its_line(switch):
    content = csv_bytes(
        cdr(call_id="good-1"),  # line 2
        cdr(call_id="short")[: -len(",resolved")],  # 3: twelve columns
        cdr(call_id=""),  # 4
        cdr(call_id="bad-time", started_at="yesterday"),  # 5
        cdr(call_id="backwards", ended_at="2026-03-02T08:59:00Z"),  # 6
        cdr(call_id="negative", hold_seconds="-5"),  # 7
        cdr(call_id="fraction", wrap_seconds="1.5"),  # 8
        cdr(call_id="sideways", direction="sideways"),  # 9
        cdr(call_id="odd-outcome", outcome="maybe"),  # 10
        cdr(call_id="no-queue", queue="nowhere"),  # 11
        cdr(call_id="no-agent", agent="ghost"),  # 12
        cdr(call_id="good-2", outcome="information"),  # 13
    )

    record = run(content)

    assert record.status == "done"
    assert (record.rows_total, record.rows_done) == (12, 12)
    assert (record.rows_added, record.rows_duplicate, record.rows_failed) == (2, 0, 10)
    got = reasons(record)
    assert [line for line, _ in got] == list(range(3, 13))
    for (line, reason), expected in zip(
        got,
        [
            "expected 13 columns, found 12",
            "call_id is missing",
            "started_at is not an ISO-8601 time: 'yesterday'",
            "ended before it started",
            "hold_seconds must be a whole number",
            "wrap_seconds must be a whole number",
            "unknown direction 'sideways'",
            "unknown outcome 'maybe'",
            "unknown queue 'nowhere'",
            "unknown agent 'ghost'",
        ],
        strict=True,
    ):
        assert expected in reason, (line, reason)
    assert set(Interaction.objects.values_list("external_id", flat=True)) == {"good-1", "good-2"}


def test_an_imported_call_carries_times_durations_and_who_handled_it(switch):
    record = run(csv_bytes(cdr()))

    call = Interaction.objects.get(source="phone", external_id="call-1")
    assert record.rows_added == 1
    assert call.customer == switch["customer"]
    assert call.sender == "+12125550100"
    assert (call.channel, call.direction, call.outcome) == ("phone", "inbound", "resolved")
    assert call.touchpoint == switch["touchpoint"]
    assert call.queue == switch["queue"]  # the row's queue wins over the touchpoint's
    assert call.agent == switch["agent"]
    assert call.started_at == datetime.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert call.answered_at == datetime.datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC)
    assert call.ended_at == datetime.datetime(2026, 3, 2, 9, 5, 30, tzinfo=UTC)
    assert (call.wait_seconds, call.handle_seconds) == (30, 300)
    assert (call.hold_seconds, call.wrap_seconds, call.transfers) == (20, 45, 1)
    assert call.wrapped_up_at == datetime.datetime(2026, 3, 2, 9, 6, 15, tzinfo=UTC)


def test_an_abandoned_call_waits_until_the_caller_hangs_up(switch):
    run(csv_bytes(cdr(answered_at="", agent="", outcome="abandoned", wrap_seconds="")))

    call = Interaction.objects.get(external_id="call-1")
    assert call.answered_at is None and call.agent is None
    assert (call.wait_seconds, call.handle_seconds, call.wrap_seconds) == (330, 0, 0)


def test_without_a_queue_the_touchpoint_queue_is_used(switch):
    run(csv_bytes(cdr(queue="")))

    assert Interaction.objects.get(external_id="call-1").queue == switch["touchpoint"].queue


def test_callers_are_matched_however_the_number_is_written_and_unknown_ones_stay_unknown(switch):
    customers_before = Customer.objects.count()

    record = run(
        csv_bytes(
            cdr(call_id="formatted", ani="(212) 555-0100"),
            cdr(call_id="stranger", ani="+14155550199"),
            cdr(call_id="withheld", ani="anonymous"),
            cdr(call_id="blank", ani=""),
        )
    )

    calls = {c.external_id: c for c in Interaction.objects.all()}
    assert record.rows_added == 4 and record.rows_failed == 0
    assert calls["formatted"].customer == switch["customer"]
    assert calls["formatted"].sender == "+12125550100"
    assert calls["stranger"].customer is None and calls["stranger"].sender == "+14155550199"
    assert calls["withheld"].customer is None and calls["withheld"].sender == "anonymous"
    assert calls["blank"].customer is None
    assert Customer.objects.count() == customers_before  # no prospects from a bulk file


def test_on_an_outbound_call_the_customer_is_the_number_dialled(switch):
    run(csv_bytes(cdr(direction="outbound", ani="+18005550100", dnis="+12125550100")))

    call = Interaction.objects.get(external_id="call-1")
    assert call.direction == "outbound"
    assert call.customer == switch["customer"]
    assert call.touchpoint == switch["touchpoint"]


def test_times_without_an_offset_are_read_in_the_centers_time_zone(switch, settings):
    settings.TIME_ZONE = "Europe/Paris"
    with timezone.override("Europe/Paris"):
        run(
            csv_bytes(
                cdr(
                    started_at="2026-03-02 10:00:00",
                    answered_at="2026-03-02 10:00:10",
                    ended_at="2026-03-02 10:01:10",
                )
            )
        )

    call = Interaction.objects.get(external_id="call-1")
    assert call.started_at == datetime.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert (call.wait_seconds, call.handle_seconds) == (10, 60)


def test_importing_the_same_file_again_adds_nothing(switch):
    content = csv_bytes(cdr(call_id="a"), cdr(call_id="b"), cdr(call_id="c", agent="ghost"))
    first = run(content)
    snapshot = list(Interaction.objects.order_by("id").values())

    second = run(content)

    assert (first.rows_added, first.rows_failed) == (2, 1)
    assert (second.rows_added, second.rows_duplicate, second.rows_failed) == (0, 2, 1)
    assert list(Interaction.objects.order_by("id").values()) == snapshot


def test_a_call_already_recorded_from_switch_events_is_a_duplicate_and_is_left_as_it_is(switch):
    live = InteractionFactory(
        source="phone", external_id="call-1", customer=None, hold_seconds=3, outcome=""
    )

    record = run(csv_bytes(cdr(call_id="call-1", hold_seconds="99"), cdr(call_id="call-2")))

    live.refresh_from_db()
    assert (record.rows_added, record.rows_duplicate) == (1, 1)
    assert (live.hold_seconds, live.outcome, live.customer) == (3, "", None)
    assert Interaction.objects.filter(external_id="call-1").count() == 1


def test_a_call_id_of_another_source_is_not_a_duplicate(switch):
    InteractionFactory(source="chat", external_id="call-1")

    record = run(csv_bytes(cdr(call_id="call-1")))

    assert record.rows_added == 1
    assert Interaction.objects.filter(external_id="call-1").count() == 2


def test_the_same_call_twice_in_one_file_is_added_once(switch, monkeypatch):
    monkeypatch.setattr(call_records, "CHUNK_ROWS", 2)

    record = run(csv_bytes(cdr(call_id="x"), cdr(call_id="x"), cdr(call_id="y"), cdr(call_id="x")))

    assert (record.rows_added, record.rows_duplicate) == (2, 2)


def test_progress_is_kept_chunk_by_chunk(switch, monkeypatch):
    monkeypatch.setattr(call_records, "CHUNK_ROWS", 3)
    seen = []
    real_write = call_records._writer()

    def write(records):
        seen.append(CallRecordImport.objects.values_list("rows_done", flat=True).get())
        return real_write(records)

    monkeypatch.setattr(call_records, "_writer", lambda: write)

    record = run(csv_bytes(*(cdr(call_id=f"c{n}") for n in range(8))))

    assert seen == [0, 3, 6]
    assert (record.rows_total, record.rows_done, record.rows_added) == (8, 8, 8)
    assert record.percent_done == 100


def test_only_the_first_reasons_are_kept_but_every_rejected_row_is_counted(switch, monkeypatch):
    monkeypatch.setattr(call_records, "ERRORS_KEPT", 2)

    record = run(csv_bytes(*(cdr(call_id=f"c{n}", agent="ghost") for n in range(5))))

    assert record.rows_failed == 5
    assert [line for line, _ in reasons(record)] == [2, 3]


def test_line_numbers_count_lines_of_the_file_not_rows(switch):
    content = csv_bytes(
        cdr(call_id="multi", ani='"+1212\n5550100"'),  # lines 2-3: one row over two lines
        "",  # 4: blank, skipped
        ",,,,,,,,,,,,",  # 5: an empty spreadsheet row, skipped
        cdr(call_id="bad", outcome="maybe"),  # 6
    )

    record = run(content)

    assert reasons(record) == [(6, "unknown outcome 'maybe'")]
    assert (record.rows_total, record.rows_added) == (2, 1)


def test_a_row_the_csv_reader_cannot_read_is_rejected_and_the_rest_imported(switch):
    huge = "x" * 200_000
    content = csv_bytes(cdr(call_id="a"), cdr(call_id=f'"{huge}"'), cdr(call_id="b"))

    record = run(content)

    assert record.rows_added == 2
    assert reasons(record)[0][0] == 3
    assert "cannot be read" in reasons(record)[0][1]


def test_a_nul_character_rejects_the_row_not_the_file(switch):
    record = run(csv_bytes(cdr(call_id="a\x00b"), cdr(call_id="ok")))

    assert reasons(record) == [(2, "the row contains a NUL character")]
    assert record.rows_added == 1


def test_header_names_may_differ_in_case_and_spacing_and_a_byte_order_mark_is_fine(switch):
    header = " Call_ID , Direction," + HEADER.split(",", 2)[2].upper()
    content = "\ufeff".encode() + csv_bytes(cdr(), header=header)

    record = run(content)

    assert (record.status, record.rows_added) == ("done", 1)


def test_windows_line_endings_are_read(switch):
    content = csv_bytes(cdr(call_id="a"), cdr(call_id="b", outcome="bad")).replace(b"\n", b"\r\n")

    record = run(content)

    assert record.rows_added == 1
    assert reasons(record) == [(3, "unknown outcome 'bad'")]


@pytest.mark.parametrize(
    ("content", "line", "words"),
    [
        (b"", 1, "The file is empty"),
        (csv_bytes(cdr(), header="id,when,who"), 1, "The first line must be the header"),
        (csv_bytes(cdr(), cdr(call_id="b"), header=cdr(call_id="a")), 1, "must be the header"),
        (
            csv_bytes(cdr(call_id="a"), cdr(call_id="b"), cdr(call_id="caf\xe9")).replace(
                "café".encode(), "café".encode("latin-1")
            ),
            4,
            "Line 4 is not UTF-8",
        ),
        ("\n".join([HEADER, cdr()]).encode("utf-16"), 1, "not UTF-8"),
    ],
    ids=["empty", "wrong-header", "no-header", "latin-1", "utf-16"],
)
def test_a_file_that_cannot_be_read_fails_as_a_whole_with_a_clear_reason(
    switch, content, line, words
):
    record = run(content)

    assert record.status == "failed"
    assert record.finished_at is not None
    assert record.rows_added == 0
    assert len(record.errors) == 1
    assert record.errors[0]["line"] == line
    assert words in record.errors[0]["reason"]
    assert not Interaction.objects.exists()


def test_a_bad_byte_after_the_first_block_names_its_line(switch, monkeypatch):
    monkeypatch.setattr(call_records, "READ_BLOCK", 64)
    rows = [cdr(call_id=f"c{n}") for n in range(10)]
    content = csv_bytes(*rows).replace(b"c7,", b"c\xff7,")

    record = run(content)

    assert record.status == "failed"
    assert [e["line"] for e in record.errors] == [9]
    assert record.errors[0]["reason"].startswith("Line 9 is not UTF-8")
    assert not Interaction.objects.exists()


def test_running_a_finished_import_again_changes_nothing(switch):
    record = run(csv_bytes(cdr()))
    Interaction.objects.all().delete()

    again = call_records.call_records_run(import_id=record.pk)

    assert (again.status, again.rows_added) == ("done", 1)
    assert not Interaction.objects.exists()


def test_an_upload_is_stored_and_imported_once_the_transaction_commits(
    switch, make_user, django_capture_on_commit_callbacks
):
    supervisor = make_user("supervisor")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record = call_records.call_records_import(
            by=supervisor, filename="C:\\exports\\march.csv", content=csv_bytes(cdr())
        )
    assert record.status == "queued" and not Interaction.objects.exists()

    for callback in callbacks:
        callback()

    record.refresh_from_db()
    assert (record.filename, record.uploaded_by, record.status) == ("march.csv", supervisor, "done")
    assert record.file.read() == csv_bytes(cdr())
    assert Interaction.objects.filter(external_id="call-1").exists()


def test_the_task_runs_the_import(switch):
    record = call_records.call_record_import_create(
        by=None, filename="calls.csv", content=csv_bytes(cdr())
    )

    result = tasks.run_call_record_import.enqueue(record.pk)

    record.refresh_from_db()
    assert result.status == "SUCCESSFUL"
    assert (record.status, record.rows_added) == ("done", 1)


def test_the_command_imports_a_file_and_reports_speed_and_counts(switch, tmp_path):
    path = tmp_path / "calls.csv"
    path.write_bytes(csv_bytes(cdr(call_id="a"), cdr(call_id="b", queue="nowhere")))
    out = io.StringIO()

    call_command("import_call_records", str(path), "--by", "ana", stdout=out)

    text = out.getvalue()
    assert "done: 2 rows" in text and "rows/s" in text
    assert "added 1, duplicate 0, failed 1" in text
    assert "line 3: unknown queue 'nowhere'" in text
    assert CallRecordImport.objects.get().uploaded_by == switch["agent"]


def test_the_command_fails_for_a_file_that_fails(switch, tmp_path):
    path = tmp_path / "calls.csv"
    path.write_bytes(b"nonsense\n")

    with pytest.raises(CommandError, match="failed"):
        call_command("import_call_records", str(path), stdout=io.StringIO())

    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_call_records", str(tmp_path / "missing.csv"))


def test_the_database_path_in_use_is_the_fast_one_on_postgresql():
    expected = "_write_postgres" if connection.vendor == "postgresql" else "_write_batched"
    assert call_records._writer().__name__ == expected


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_chunks_are_stored_while_the_next_is_checked(monkeypatch):
    # On PostgreSQL a second connection stores the chunks: it must see what the rows point at.
    monkeypatch.setattr(call_records, "CHUNK_ROWS", 2)
    queue = QueueFactory(code="billing")
    UserFactory(username="ana")
    phone = PhoneFactory(normalised="+12125550100", value="(212) 555-0100")
    rows = [cdr(call_id=f"c{n}") for n in range(7)] + [cdr(call_id="bad", agent="ghost")]
    threads = []
    real_store = call_records._store

    def store(*args):
        threads.append(threading.current_thread())
        real_store(*args)

    monkeypatch.setattr(call_records, "_store", store)

    record = run(csv_bytes(*rows))

    assert (record.status, record.rows_done, record.rows_added, record.rows_failed) == (
        "done",
        8,
        7,
        1,
    )
    assert reasons(record) == [(9, "unknown agent 'ghost'")]
    assert set(Interaction.objects.values_list("customer", "queue").distinct()) == {
        (phone.customer_id, queue.pk)
    }
    stored = CallRecordImport.objects.get(pk=record.pk)
    assert (stored.rows_done, stored.rows_added, stored.status) == (8, 7, "done")
    assert len(threads) == 4
    in_main = {thread is threading.main_thread() for thread in threads}
    assert in_main == {connection.vendor != "postgresql"}


def test_a_file_without_line_breaks_is_refused_early(switch, monkeypatch):
    monkeypatch.setattr(call_records, "READ_BLOCK", 1000)
    monkeypatch.setattr(call_records, "MAX_LINE", 5000)
    content = csv_bytes(cdr(call_id="a")) + b"x" * 20_000

    record = run(content)

    assert record.status == "failed"
    assert record.errors[0]["line"] == 3
    assert "longer than 5,000 characters" in record.errors[0]["reason"]


def test_when_the_database_fails_mid_file_the_import_stops_with_what_was_saved(switch, monkeypatch):
    monkeypatch.setattr(call_records, "CHUNK_ROWS", 2)
    real_write = call_records._writer()
    calls = []

    def write(records):
        calls.append(len(records))
        if len(calls) == 2:  # the database goes away while the second chunk is written
            raise OperationalError("server closed the connection unexpectedly")
        return real_write(records)

    monkeypatch.setattr(call_records, "_writer", lambda: write)

    record = run(csv_bytes(*(cdr(call_id=f"c{n}") for n in range(5)), cdr(agent="ghost")))

    stored = CallRecordImport.objects.get(pk=record.pk)
    assert stored.status == "failed" and stored.finished_at is not None
    assert (stored.rows_done, stored.rows_added, stored.rows_failed) == (2, 2, 0)
    assert stored.errors[-1]["line"] is None
    assert "unexpected error after 2 rows" in stored.errors[-1]["reason"]
    assert Interaction.objects.count() == 2
