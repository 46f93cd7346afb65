"""Call-detail records from the phone switch: a CSV upload, checked row by row, stored as phone
interactions. A call the ledger already holds (from live call events or an earlier file) is a
duplicate and changes nothing; each bad row is reported with its line while good rows commit.

On PostgreSQL each chunk of checked rows is staged with COPY into a temporary table and written by
one INSERT … SELECT that finds customer and touchpoint by join and lets the unique
(source, external_id) index turn duplicates into no-ops. SQLite takes the same rows through
bulk_create, slower but with the same result.

A caller whose number matches no customer stays without one: a bulk file would otherwise flood the
review list with prospects. For an outbound call the customer is the number dialled (dnis) and our
line is the caller (ani)."""

import codecs
import csv
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import partial
from typing import IO, NamedTuple

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, connections, transaction
from django.utils import timezone

from rapport.access.choices import Channel
from rapport.access.models import Queue, Touchpoint
from rapport.accounts.models import User
from rapport.core.audit import audit_record
from rapport.core.errors import ValidationFailed
from rapport.customers.models import ContactPoint
from rapport.customers.normalise import normalise_phone
from rapport.interactions.choices import Direction, ImportStatus, Outcome, Source
from rapport.interactions.models import CallRecordImport, Interaction
from rapport.interactions.signals import ledger_changed

logger = logging.getLogger(__name__)

HEADER = (
    "call_id",
    "direction",
    "ani",
    "dnis",
    "queue",
    "agent",
    "started_at",
    "answered_at",
    "ended_at",
    "hold_seconds",
    "wrap_seconds",
    "transfers",
    "outcome",
)
CHUNK_ROWS = 5_000  # rows per transaction and per progress update
READ_BLOCK = 1 << 20
MAX_LINE = 1 << 20  # characters; the CSV reader refuses fields far shorter than this anyway
ERRORS_KEPT = 10_000  # the counts stay exact; the list of reasons stops growing here
MAX_SECONDS = 2_147_483_647  # the largest value the duration columns hold
MAX_TRANSFERS = 32_767
MAX_TEXT = 255
PHONE_CACHE = 100_000
QUOTED_LENGTH = 40

DIRECTIONS = frozenset(Direction.values)
OUTCOMES = frozenset(Outcome.values)
E164 = re.compile(r"\+[1-9][0-9]{1,14}")


class RowError(Exception):
    """A row that cannot be imported; the message is shown next to its line number."""


class FileRejected(Exception):
    """The whole file cannot be imported (not UTF-8, no header); nothing is written."""

    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line
        self.reason = reason


class CallRecord(NamedTuple):
    """A checked row, in the column order of the PostgreSQL staging table."""

    line: int
    call_id: str
    direction: str
    sender: str  # the customer's number as received (E.164 when it could be read)
    customer_number: str | None  # E.164, matched against customers' phone contact points
    our_number: str  # matched against phone touchpoints
    queue_id: int | None
    agent_id: int | None
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime
    wait_seconds: int
    handle_seconds: int
    hold_seconds: int
    wrap_seconds: int
    transfers: int
    outcome: str
    wrapped_up_at: datetime | None


class PhoneKeys:
    """E.164 for the numbers in a file. Numbers already in E.164 skip the full (slow) parse;
    a number that cannot be read (withheld, 'anonymous') has no key."""

    def __init__(self, *, region: str):
        self.region = region
        self._seen: dict[str, str | None] = {}

    def key(self, raw: str) -> str | None:
        if not raw:
            return None
        if E164.fullmatch(raw):
            return raw
        try:
            return self._seen[raw]
        except KeyError:
            pass
        try:
            key: str | None = normalise_phone(raw, region=self.region)
        except ValidationFailed:
            key = None
        if len(self._seen) < PHONE_CACHE:
            self._seen[raw] = key
        return key


def _quote(text: str) -> str:
    return "'" + (text if len(text) <= QUOTED_LENGTH else text[:QUOTED_LENGTH] + "…") + "'"


def _time(text: str, name: str, zone: tzinfo) -> datetime:
    if not text:
        raise RowError(f"{name} is missing")
    try:
        value = datetime.fromisoformat(text)
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        return value.astimezone(UTC)
    except (ValueError, OverflowError):
        raise RowError(f"{name} is not an ISO-8601 time: {_quote(text)}") from None


def _count(text: str, name: str, limit: int) -> int:
    if not text:
        return 0
    # isdigit alone lets '²' and other digits through that int() then refuses.
    if not (text.isascii() and text.isdigit()):
        raise RowError(f"{name} must be a whole number of 0 or more: {_quote(text)}")
    value = int(text)
    if value > limit:
        raise RowError(f"{name} is too large: {_quote(text)}")
    return value


def _seconds(start: datetime, end: datetime, what: str) -> int:
    seconds = (end - start) // timedelta(seconds=1)
    if seconds > MAX_SECONDS:
        raise RowError(f"{what} is too long")
    return seconds


def parse_row(
    fields: list[str],
    *,
    line: int,
    queues: Mapping[str, int | None],
    agents: Mapping[str, int | None],
    phones: PhoneKeys,
    zone: tzinfo,
) -> CallRecord:
    """Check one CSV row; RowError (and only RowError) says why it cannot be imported."""
    if len(fields) != len(HEADER):
        raise RowError(f"expected {len(HEADER)} columns, found {len(fields)}")
    if "\x00" in "".join(fields):
        raise RowError("the row contains a NUL character")
    (
        call_id,
        direction,
        ani,
        dnis,
        queue,
        agent,
        started,
        answered,
        ended,
        hold,
        wrap,
        transfers,
        outcome,
    ) = [field.strip() for field in fields]
    if not call_id:
        raise RowError("call_id is missing")
    if len(call_id) > MAX_TEXT:
        raise RowError(f"call_id is longer than {MAX_TEXT} characters")
    direction = direction.lower()
    if direction not in DIRECTIONS:
        raise RowError(f"unknown direction {_quote(direction)} (inbound or outbound)")
    outcome = outcome.lower()
    if outcome not in OUTCOMES:
        raise RowError(f"unknown outcome {_quote(outcome)}")
    queue_id = agent_id = None
    if queue:
        queue_id = queues.get(queue)
        if queue_id is None:
            raise RowError(f"unknown queue {_quote(queue)}")
    if agent:
        agent_id = agents.get(agent)
        if agent_id is None:
            raise RowError(f"unknown agent {_quote(agent)}")
    started_at = _time(started, "started_at", zone)
    ended_at = _time(ended, "ended_at", zone)
    if ended_at < started_at:
        raise RowError("ended before it started")
    if answered:
        answered_at: datetime | None = _time(answered, "answered_at", zone)
        assert answered_at is not None
        if answered_at < started_at:
            raise RowError("answered before it started")
        if ended_at < answered_at:
            raise RowError("ended before it was answered")
        wait_seconds = _seconds(started_at, answered_at, "the wait")
        handle_seconds = _seconds(answered_at, ended_at, "the call")
    else:
        # An abandoned call: the wait is how long the caller held on before hanging up.
        answered_at = None
        wait_seconds = _seconds(started_at, ended_at, "the wait")
        handle_seconds = 0
    hold_seconds = _count(hold, "hold_seconds", MAX_SECONDS)
    wrap_seconds = _count(wrap, "wrap_seconds", MAX_SECONDS)
    transfer_count = _count(transfers, "transfers", MAX_TRANSFERS)
    try:
        wrapped_up_at = ended_at + timedelta(seconds=wrap_seconds) if outcome else None
    except OverflowError:
        raise RowError("wrap_seconds is too large") from None
    customer_side, our_side = (ani, dnis) if direction == Direction.INBOUND else (dnis, ani)
    if len(customer_side) > MAX_TEXT or len(our_side) > MAX_TEXT:
        raise RowError(f"a phone number is longer than {MAX_TEXT} characters")
    customer_number = phones.key(customer_side)
    return CallRecord(
        line=line,
        call_id=call_id,
        direction=direction,
        sender=customer_number or customer_side,
        customer_number=customer_number,
        our_number=phones.key(our_side) or our_side,
        queue_id=queue_id,
        agent_id=agent_id,
        started_at=started_at,
        answered_at=answered_at,
        ended_at=ended_at,
        wait_seconds=wait_seconds,
        handle_seconds=handle_seconds,
        hold_seconds=hold_seconds,
        wrap_seconds=wrap_seconds,
        transfers=transfer_count,
        outcome=outcome,
        wrapped_up_at=wrapped_up_at,
    )


def _text_lines(handle: IO[bytes]) -> Iterator[str]:
    """The file's lines as text, read in blocks; FileRejected names the first line that is not
    UTF-8. A byte-order mark (spreadsheets write one) is dropped."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    line = 1  # the line `pending` starts on
    pending = ""
    while True:
        block = handle.read(READ_BLOCK)
        try:
            text = decoder.decode(block, final=not block)
        except UnicodeDecodeError as exc:
            # The decoder holds back at most a partial character, never a newline.
            bad = line + exc.object[: exc.start].count(b"\n")
            raise FileRejected(
                bad,
                f"Line {bad} is not UTF-8 text. Save the file as UTF-8 (“CSV UTF-8” in a "
                "spreadsheet) and upload it again; nothing was imported.",
            ) from None
        if not block:
            if pending:
                yield pending
            return
        parts = (pending + text).split("\n")
        pending = parts.pop()
        line += len(parts)
        if len(pending) > MAX_LINE:
            raise FileRejected(
                line,
                f"Line {line} is longer than {MAX_LINE:,} characters: this is not a file of call "
                "records; nothing was imported.",
            )
        for part in parts:
            yield part + "\n"


def _csv_rows(handle: IO[bytes]) -> Iterator[tuple[int, list[str] | RowError]]:
    """(line, fields) for each row after the header, or (line, RowError) where the CSV itself is
    broken. Rows with nothing in them are skipped."""
    reader = csv.reader(_text_lines(handle))
    expected = ",".join(HEADER)
    try:
        header = next(reader)
    except StopIteration:
        raise FileRejected(1, f"The file is empty. The first line must be: {expected}") from None
    except csv.Error:
        header = []
    if [name.strip().lower() for name in header] != list(HEADER):
        found = ",".join(header)
        raise FileRejected(
            1,
            f"The first line must be the header {expected}, but it is {_quote(found)}; "
            "nothing was imported.",
        )
    previous = reader.line_num
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield previous + 1, RowError(f"the CSV cannot be read here: {exc}")
            previous = reader.line_num
            continue
        line, previous = previous + 1, reader.line_num
        if fields and (fields[0].strip() or any(field.strip() for field in fields)):
            yield line, fields


class _Names:
    """Queue codes and usernames seen in the file, looked up once per chunk for the new ones."""

    def __init__(self) -> None:
        self.queues: dict[str, int | None] = {}
        self.agents: dict[str, int | None] = {}

    def learn(self, rows: Iterable[tuple[int, list[str] | RowError]]) -> None:
        codes, usernames = set(), set()
        for _, fields in rows:
            if isinstance(fields, list) and len(fields) == len(HEADER):
                codes.add(fields[4].strip())
                usernames.add(fields[5].strip())
        codes = {c for c in codes - self.queues.keys() if c and "\x00" not in c}
        usernames = {u for u in usernames - self.agents.keys() if u and "\x00" not in u}
        if codes:
            self.queues.update(dict.fromkeys(codes))
            self.queues.update(Queue.objects.filter(code__in=codes).values_list("code", "id"))
        if usernames:
            self.agents.update(dict.fromkeys(usernames))
            self.agents.update(
                User.objects.filter(username__in=usernames).values_list("username", "id")
            )


# The staging table's columns: CallRecord's fields, in order, with their PostgreSQL types.
STAGE_TYPES = (
    "int4", "text", "text", "text", "text", "text", "int8", "int8", "timestamptz",
    "timestamptz", "timestamptz", "int4", "int4", "int4", "int4", "int4", "text", "timestamptz",
)  # fmt: skip


def _stage_table_sql() -> str:
    columns = ", ".join(
        f"{name} {kind}" for name, kind in zip(CallRecord._fields, STAGE_TYPES, strict=True)
    )
    return f"CREATE TEMPORARY TABLE cdr_stage ({columns}) ON COMMIT DROP"


def _insert_sql() -> str:
    interactions = connection.ops.quote_name(Interaction._meta.db_table)
    points = connection.ops.quote_name(ContactPoint._meta.db_table)
    touchpoints = connection.ops.quote_name(Touchpoint._meta.db_table)
    # The customer is one probe of the unique contact-point index per row (LATERAL … LIMIT 1):
    # a plain join lets the planner hash every phone number we hold for each chunk.
    # The conflict target names the partial unique index interaction_unique_external_id by its
    # columns and predicate: a call already in the ledger is skipped, not changed.
    return f"""
        INSERT INTO {interactions} (
            customer_id, sender, sender_name, direction, channel, touchpoint_id, queue_id,
            agent_id, outcome, subject, summary, started_at, answered_at, ended_at,
            wait_seconds, handle_seconds, hold_seconds, wrap_seconds, transfers,
            wrapped_up_at, source, external_id, thread_refs, created_at, updated_at
        )
        SELECT
            point.customer_id, s.sender, '', s.direction, %(channel)s, tp.id,
            COALESCE(s.queue_id, tp.queue_id), s.agent_id, s.outcome, '', '', s.started_at,
            s.answered_at, s.ended_at, s.wait_seconds, s.handle_seconds, s.hold_seconds,
            s.wrap_seconds, s.transfers, s.wrapped_up_at, %(source)s, s.call_id, '[]'::jsonb,
            now(), now()
        FROM cdr_stage s
        LEFT JOIN LATERAL (
            SELECT p.customer_id FROM {points} p
            WHERE p.kind = 'phone' AND p.network = '' AND p.normalised = s.customer_number
            LIMIT 1
        ) point ON true
        LEFT JOIN {touchpoints} tp ON tp.channel = %(channel)s AND tp.address = s.our_number
        ORDER BY s.line
        ON CONFLICT (source, external_id) WHERE NOT (external_id = '') DO NOTHING
    """  # noqa: S608 - table names come from model metadata; values are parameters


def _write_postgres(records: list[CallRecord]) -> int:
    """Stage with COPY, insert what is new; returns how many rows were added."""
    with connection.cursor() as cursor:
        cursor.execute(_stage_table_sql())
        # Binary: the server reads numbers and times without parsing text.
        with cursor.copy("COPY cdr_stage FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(STAGE_TYPES)
            for record in records:
                copy.write_row(record)
        cursor.execute(_insert_sql(), {"channel": Channel.PHONE, "source": Source.PHONE})
        added = cursor.rowcount
        # ON COMMIT DROP is not enough when an outer transaction spans several chunks.
        cursor.execute("DROP TABLE cdr_stage")
    return added


def _write_batched(records: list[CallRecord]) -> int:
    """The same rows through the ORM, for SQLite; returns how many rows were added."""
    numbers = {r.customer_number for r in records if r.customer_number}
    customers = dict(
        ContactPoint.objects.filter(kind="phone", network="", normalised__in=numbers).values_list(
            "normalised", "customer_id"
        )
    )
    touchpoints = {
        t.address: t
        for t in Touchpoint.objects.filter(
            channel=Channel.PHONE, address__in={r.our_number for r in records}
        )
    }
    call_ids = {r.call_id for r in records}
    ours = Interaction.objects.filter(source=Source.PHONE, external_id__in=call_ids)
    before = ours.count()
    rows = []
    for r in records:
        touchpoint = touchpoints.get(r.our_number)
        rows.append(
            Interaction(
                customer_id=customers.get(r.customer_number) if r.customer_number else None,
                sender=r.sender,
                direction=r.direction,
                channel=Channel.PHONE,
                touchpoint=touchpoint,
                queue_id=r.queue_id or (touchpoint.queue_id if touchpoint else None),
                agent_id=r.agent_id,
                outcome=r.outcome,
                started_at=r.started_at,
                answered_at=r.answered_at,
                ended_at=r.ended_at,
                wait_seconds=r.wait_seconds,
                handle_seconds=r.handle_seconds,
                hold_seconds=r.hold_seconds,
                wrap_seconds=r.wrap_seconds,
                transfers=r.transfers,
                wrapped_up_at=r.wrapped_up_at,
                source=Source.PHONE,
                external_id=r.call_id,
            )
        )
    Interaction.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return ours.count() - before


def _writer():
    return _write_postgres if connection.vendor == "postgresql" else _write_batched


def call_records_write(records: list[CallRecord]) -> int:
    """Write rows parse_row checked, in the caller's transaction; returns how many were new (a
    call already in the ledger is left as it is). For importers that read the file themselves."""
    return _writer()(records) if records else 0


def call_record_import_create(*, by, filename: str, content: bytes) -> CallRecordImport:
    """Store an uploaded file as a queued import; `call_records_run` does the work."""
    name = (filename.replace("\\", "/").rsplit("/", 1)[-1] or "call-records.csv")[:255]
    record = CallRecordImport(uploaded_by=by, filename=name)
    record.file.save(name, ContentFile(content), save=False)
    record.save()
    audit_record(
        actor=by,
        action="interaction.call_records_uploaded",
        target=record,
        detail={"bytes": len(content)},
    )
    return record


@transaction.atomic
def call_records_import(*, by, filename: str, content: bytes) -> CallRecordImport:
    """Store the file and queue the import; the worker runs it once this transaction commits."""
    from rapport.interactions import tasks  # the task module calls back into this one

    record = call_record_import_create(by=by, filename=filename, content=content)
    transaction.on_commit(partial(tasks.run_call_record_import.enqueue, record.pk))
    return record


def _count_rows(record: CallRecordImport) -> int:
    """Read the whole file once before writing anything, so a file that is not UTF-8 or has the
    wrong header fails as a whole and the progress bar knows its end."""
    with record.file.open("rb") as handle:
        return sum(1 for _ in _csv_rows(handle))


Chunk = list[tuple[int, list[str] | RowError]]


def _chunks(rows: Iterator[tuple[int, list[str] | RowError]]) -> Iterator[Chunk]:
    chunk: Chunk = []
    for item in rows:
        chunk.append(item)
        if len(chunk) == CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _store(record: CallRecordImport, good: list[CallRecord], rows: int, failed: int) -> None:
    """Write one chunk and its progress in one transaction, so the page never counts rows that
    are not there."""
    with transaction.atomic():
        added = _writer()(good) if good else 0
        counts = {
            "rows_done": record.rows_done + rows,
            "rows_added": record.rows_added + added,
            "rows_duplicate": record.rows_duplicate + len(good) - added,
            "rows_failed": record.rows_failed + failed,
        }
        CallRecordImport.objects.filter(pk=record.pk).update(**counts, updated_at=timezone.now())
    # Only once committed: a chunk that rolled back is not counted when the import stops.
    for name, value in counts.items():
        setattr(record, name, value)


class _Writer:
    """Stores chunks, on PostgreSQL in a second thread with its own connection, so the database
    writes one chunk while this thread checks the next (two cores, both busy). Inside an outer
    transaction (tests) another connection would not see its rows, so chunks are stored here."""

    def __init__(self) -> None:
        threaded = connection.vendor == "postgresql" and not connection.in_atomic_block
        self._thread = ThreadPoolExecutor(max_workers=1) if threaded else None
        self._pending: Future | None = None

    def submit(self, *args) -> None:
        if self._thread is None:
            _store(*args)
            return
        self.wait()
        self._pending = self._thread.submit(_store, *args)

    def wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def __enter__(self) -> "_Writer":
        return self

    def __exit__(self, *exc_info) -> None:
        if self._thread is None:
            return
        try:
            self.wait()
        finally:
            # The thread's connection is its own: close it there.
            self._thread.submit(connections.close_all).result()
            self._thread.shutdown()


def _check(
    chunk: Chunk, *, names: _Names, phones: PhoneKeys, zone: tzinfo, errors: list[dict]
) -> tuple[list[CallRecord], int]:
    names.learn(chunk)
    good: list[CallRecord] = []
    failed = 0
    for line, fields in chunk:
        try:
            if isinstance(fields, RowError):
                raise fields
            good.append(
                parse_row(
                    fields,
                    line=line,
                    queues=names.queues,
                    agents=names.agents,
                    phones=phones,
                    zone=zone,
                )
            )
        except RowError as exc:
            failed += 1
            if len(errors) < ERRORS_KEPT:
                errors.append({"line": line, "reason": str(exc)})
    return good, failed


def _import(record: CallRecordImport, *, phones: PhoneKeys, zone: tzinfo) -> None:
    names = _Names()
    errors: list[dict] = []
    days: set[date] = set()
    try:
        with record.file.open("rb") as handle, _Writer() as writer:
            for chunk in _chunks(_csv_rows(handle)):
                good, failed = _check(chunk, names=names, phones=phones, zone=zone, errors=errors)
                writer.submit(record, good, len(chunk), failed)
                days.update(call.started_at.astimezone(zone).date() for call in good)
    finally:
        record.errors = errors
        # Bulk writes fire no per-row signals; measures built on the ledger learn of them here.
        if days:
            ledger_changed.send(sender=CallRecordImport, days=days)


def call_records_run(*, import_id: int) -> CallRecordImport:
    """Import the rows of a stored file, chunk by chunk, with progress. A finished import is left
    as it is. Running an interrupted one again is safe: rows it already added count as duplicates."""
    record = CallRecordImport.objects.get(pk=import_id)
    if record.status in (ImportStatus.DONE, ImportStatus.FAILED):
        return record
    record.status = ImportStatus.RUNNING
    record.rows_total = record.rows_done = record.rows_added = 0
    record.rows_duplicate = record.rows_failed = 0
    record.errors = []
    record.save()
    try:
        record.rows_total = _count_rows(record)
        CallRecordImport.objects.filter(pk=record.pk).update(rows_total=record.rows_total)
        _import(
            record,
            phones=PhoneKeys(region=settings.RAPPORT_DEFAULT_REGION),
            zone=timezone.get_default_timezone(),
        )
    except FileRejected as exc:
        record.status = ImportStatus.FAILED
        record.errors = [{"line": exc.line, "reason": exc.reason}]
    except Exception:  # the page must say it stopped rather than spin forever
        logger.exception("Call-record import %s stopped", record.pk)
        record.status = ImportStatus.FAILED
        record.errors = [
            *record.errors[: ERRORS_KEPT - 1],
            {
                "line": None,
                "reason": f"The import stopped on an unexpected error after {record.rows_done} "
                "rows; the rows counted as added are saved. Ask an admin to look at the log.",
            },
        ]
    else:
        record.status = ImportStatus.DONE
    record.finished_at = timezone.now()
    record.save()
    return record
