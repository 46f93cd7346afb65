"""The customers import on PostgreSQL: reading what a batch names, and writing it.

Reads probe the unique indexes once per value, whatever the table's statistics say. Writes are
the rows the ORM path (customers.write_with_orm) would write, history rows included, put in with
binary COPY straight into the tables; primary keys are drawn from the tables' own sequences
first, so that contact points and history rows can name them. Changed customers are staged in a
temporary table and written by one UPDATE. About three times faster than bulk_create
for the same rows (bench/import_speed.py).

A row another writer added between the batch's reads and this COPY (the same external id, the
same contact point) makes the COPY fail with IntegrityError; the source then rolls the batch
back to its savepoint and compares it again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Model

from rapport.customers.models import ContactPoint, Customer

if TYPE_CHECKING:
    from rapport.imports.sources.customers import Plan

# A Django cursor, or the psycopg cursor of the shared connection in the writer thread.
Cursor = Any
HISTORY_COLUMNS = ("history_date", "history_change_reason", "history_type", "history_user_id")
STAGE = "customer_import_changes"


def customer_rows(
    source: str, external_ids: Sequence[str], columns: Sequence[str], cursor: Cursor = None
) -> list[tuple]:
    """(id, *columns) of the customers with these external ids. One probe of the unique index
    per id (LATERAL … LIMIT 1): while an import grows the table faster than autovacuum analyses
    it, a plain IN (…) was planned as a scan of every customer of the source."""
    table = connection.ops.quote_name(Customer._meta.db_table)
    names = ", ".join(f"c.{connection.ops.quote_name(column)}" for column in columns)
    with _cursor(cursor) as cursor:
        cursor.execute(
            f"SELECT c.id, {names} FROM unnest(%s::text[]) AS wanted (external_id) "  # noqa: S608
            f"CROSS JOIN LATERAL (SELECT * FROM {table} c WHERE c.source = %s "
            "AND c.external_id = wanted.external_id LIMIT 1) AS c",
            [list(external_ids), source],
        )
        return cursor.fetchall()


def holder_rows(kind: str, normalised: Sequence[str], cursor: Cursor = None) -> list[tuple]:
    """(normalised, customer id, source, external id) of the contact points of this kind that
    are held already, each found by one probe of the unique index (see customer_rows)."""
    points = connection.ops.quote_name(ContactPoint._meta.db_table)
    customers = connection.ops.quote_name(Customer._meta.db_table)
    with _cursor(cursor) as cursor:
        cursor.execute(
            "SELECT p.normalised, p.customer_id, c.source, c.external_id "  # noqa: S608
            "FROM unnest(%s::text[]) AS wanted (normalised) "
            f"CROSS JOIN LATERAL (SELECT normalised, customer_id FROM {points} p "
            "WHERE p.kind = %s AND p.network = '' AND p.normalised = wanted.normalised "
            "LIMIT 1) AS p "
            f"CROSS JOIN LATERAL (SELECT source, external_id FROM {customers} c "
            "WHERE c.id = p.customer_id) AS c",
            [list(normalised), kind],
        )
        return cursor.fetchall()


@contextmanager
def _cursor(given: Cursor) -> Iterator[Cursor]:
    """The writer thread's cursor when it reads, else one of this thread's connection."""
    if given is not None:
        yield given
    else:
        with connection.cursor() as cursor:
            yield cursor


def write(result: Plan) -> None:
    """Write one plan now, on this thread's connection."""
    with connection.cursor() as cursor:
        _write(cursor, result)


@contextmanager
def overlapped() -> Iterator[Callable[[Callable[[Cursor], Plan]], None]]:
    """submit(decide) has a second thread run decide(cursor), which looks up what is stored for
    one part of a batch and decides what to write, and then write that plan, on this thread's
    connection and in its transaction, while the caller checks the next part: PostgreSQL reads
    and inserts on one core while Python checks on the other, and the checking never waits for
    the connection. The next submit, and the end of the block, wait for the part before and
    raise what it raised. Foreign keys are checked as each COPY ends rather than at commit, so
    that their checking overlaps too."""
    connection.ensure_connection()
    shared = connection.connection  # psycopg connections may be shared by threads
    pending: list[Future[None]] = []

    def submit(decide: Callable[[Cursor], Plan]) -> None:
        _wait(pending)
        pending.append(_executor().submit(_decide_and_write, shared, decide))

    _constraints(shared, "IMMEDIATE")
    try:
        yield submit
        _wait(pending)
    finally:
        for future in pending:  # never leave the other thread writing when this one stops
            future.exception()
    _constraints(shared, "DEFERRED")  # as Django's foreign keys are declared


@functools.cache
def _executor() -> ThreadPoolExecutor:
    """The writer thread: one per process, made when first needed."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="customer-import")


def _wait(pending: list[Future[None]]) -> None:
    while pending:
        pending.pop().result()


def _constraints(shared: Any, mode: str) -> None:
    with shared.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS ALL {mode}")


def _decide_and_write(shared: Any, decide: Callable[[Cursor], Plan]) -> None:
    with shared.cursor() as cursor:
        _write(cursor, decide(cursor))


def _write(cursor: Cursor, result: Plan) -> None:
    rows = result.new
    for pk, values in zip(_draw_ids(cursor, Customer, len(rows)), rows, strict=True):
        values["id"] = pk
    _copy_with_history(cursor, Customer, rows, "+", result)
    if result.changed:
        changed = [values | {"id": pk} for pk, values in result.changed]
        _update(cursor, changed, sorted(result.changed_fields))
        _history_of_changed(cursor, [pk for pk, _ in result.changed], result)
    by_external_id = {row["external_id"]: row["id"] for row in rows}
    point_ids = _draw_ids(cursor, ContactPoint, len(result.points))
    points = [
        {
            "id": pk,
            "created_at": result.now,
            "updated_at": result.now,
            "customer_id": by_external_id[owner] if isinstance(owner, str) else owner,
            "kind": point.kind,
            "network": "",
            "value": point.value,
            "normalised": point.normalised,
            "label": point.label,
            "verified": False,
            "preferred": False,
        }
        for pk, (owner, point) in zip(point_ids, result.points, strict=True)
    ]
    _copy_with_history(cursor, ContactPoint, points, "+", result)


def _draw_ids(cursor: Cursor, model: type[Model], count: int) -> list[int]:
    if not count:
        return []
    cursor.execute(
        "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
        [_sequence(cursor, model), count],
    )
    return [pk for (pk,) in cursor.fetchall()]


def _sequence(cursor: Cursor, model: type[Model]) -> str:
    table = model._meta.db_table
    if table not in SEQUENCES:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, model._meta.pk.column])
        SEQUENCES[table] = cursor.fetchone()[0]
    return SEQUENCES[table]


SEQUENCES: dict[str, str] = {}


def _copy_with_history(
    cursor: Cursor,
    model: type[Model],
    rows: list[dict[str, Any]],
    kind: str,
    result: Plan,
) -> None:
    if not rows:
        return
    columns = [f.attname for f in model._meta.concrete_fields]
    _copy(cursor, model._meta.db_table, columns, map(itemgetter(*columns), rows))
    _history(cursor, model, rows, kind, result)


def _history(
    cursor: Cursor,
    model: type[Model],
    rows: list[dict[str, Any]],
    kind: str,
    result: Plan,
) -> None:
    history = model.history.model  # type: ignore[attr-defined]
    tracked = [f.attname for f in history.tracked_fields]
    tail = (result.now, result.reason, kind, None)  # no user: see customers._unattributed
    values = itemgetter(*tracked)
    _copy(
        cursor,
        history._meta.db_table,
        [*tracked, *HISTORY_COLUMNS],
        (values(row) + tail for row in rows),
    )


def _history_of_changed(cursor: Cursor, ids: list[int], result: Plan) -> None:
    """The history rows of changed customers, copied from the rows as they now are."""
    history = Customer.history.model
    tracked = ", ".join(connection.ops.quote_name(f.column) for f in history.tracked_fields)
    cursor.execute(
        f"INSERT INTO {connection.ops.quote_name(history._meta.db_table)} "  # noqa: S608
        f"({tracked}, {', '.join(HISTORY_COLUMNS)}) "
        f"SELECT {tracked}, %s, %s, '~', NULL "
        f"FROM {connection.ops.quote_name(Customer._meta.db_table)} WHERE id = ANY(%s)",
        [result.now, result.reason, ids],
    )


def _update(cursor: Cursor, rows: list[dict[str, Any]], fields: Sequence[str]) -> None:
    """Changed customers: staged in a temporary table, written by one UPDATE … FROM."""
    columns = ["id", *fields, "name_key", "surname_key", "updated_at"]
    table = connection.ops.quote_name(Customer._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    cursor.execute(
        f"CREATE TEMPORARY TABLE {STAGE} ON COMMIT DROP AS "  # noqa: S608 - names from the model
        f"SELECT {names} FROM {table} WITH NO DATA"
    )
    _copy(cursor, STAGE, columns, map(itemgetter(*columns), rows), types_of=table)
    assignments = ", ".join(f"{c} = s.{c}" for c in map(connection.ops.quote_name, columns[1:]))
    cursor.execute(
        f"UPDATE {table} AS c SET {assignments} FROM {STAGE} AS s WHERE c.id = s.id"  # noqa: S608
    )
    # ON COMMIT DROP is not enough: one transaction may hold several batches.
    cursor.execute(f"DROP TABLE {STAGE}")


def _copy(
    cursor: Cursor,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    types_of: str = "",
) -> None:
    """Binary COPY: the server reads numbers, dates and times without parsing text."""
    types = _column_types(cursor, types_of or connection.ops.quote_name(table))
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with cursor.copy(
        f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN (FORMAT BINARY)"
    ) as copy:
        copy.set_types([types[c] for c in columns])
        for row in rows:
            copy.write_row(row)


def _column_types(cursor: Cursor, table: str) -> dict[str, int]:
    """{column: type oid}, read from the catalogue once per table."""
    if table not in COLUMN_TYPES:
        cursor.execute(
            "SELECT attname, atttypid FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            [table],
        )
        COLUMN_TYPES[table] = dict(cursor.fetchall())
    return COLUMN_TYPES[table]


COLUMN_TYPES: dict[str, dict[str, int]] = {}
