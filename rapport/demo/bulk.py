"""Bulk writes for the demo's large tables (contacts, messages, cases and their timelines)."""

from collections.abc import Callable, Collection, Sequence
from datetime import UTC
from typing import Any, cast

from django.core.management.color import no_style
from django.db import connection, models

CHUNK = 5_000


def rows_insert(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[tuple],
    *,
    prepared: Collection[str] = (),
) -> int:
    """Insert rows whose ids the caller chose, with executemany in chunks.

    At a hundred thousand rows, building model instances for bulk_create costs about ten times
    the insert itself on SQLite, so the rows go in as plain tuples. Values are adapted per column
    the way the field would adapt them (date-times, JSON), except in the `prepared` fields, whose
    values the caller adapted already (see `db_value`: repeated JSON is adapted once)."""
    opts = model._meta
    columns = [cast(models.Field, opts.get_field(name)) for name in fields]
    adapters = [
        (index, adapter)
        for index, column in enumerate(columns)
        if column.name not in prepared and (adapter := _adapter(column)) is not None
    ]
    quote = connection.ops.quote_name
    # Only names from the model go into the statement; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(opts.db_table)} "  # noqa: S608
        f"({', '.join(quote(column.column) for column in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            if adapters:
                chunk = [_adapted(row, adapters) for row in chunk]
            # psycopg 3 pipelines executemany, so PostgreSQL does not pay a round trip per row.
            cursor.executemany(sql, chunk)
    return len(rows)


def db_value(model: type[models.Model], field: str, value: Any) -> Any:
    """A value as `rows_insert` would adapt it for the field, for a `prepared` field."""
    column = cast(models.Field, model._meta.get_field(field))
    adapter = _adapter(column)
    return adapter(value) if adapter is not None and value is not None else value


def sequences_reset(*model_classes: type[models.Model]) -> None:
    """After inserting chosen ids, move the id sequences on (PostgreSQL; SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_classes))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def next_id(model: type[models.Model]) -> int:
    latest = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
    return int(latest or 0) + 1


def _adapted(row: tuple, adapters: list[tuple[int, Callable[[Any], Any]]]) -> tuple:
    values = list(row)
    for index, adapter in adapters:
        if values[index] is not None:
            values[index] = adapter(values[index])
    return tuple(values)


def _adapter(column: Any) -> Callable[[Any], Any] | None:
    if isinstance(column, models.JSONField):
        return lambda value: column.get_db_prep_save(value, connection)
    if isinstance(column, models.DateTimeField):
        if connection.vendor == "sqlite" and connection.timezone_name == "UTC":
            # What the SQLite backend stores for an aware date-time, without its checks per value.
            return _sqlite_datetime
        return connection.ops.adapt_datetimefield_value
    return None


def _sqlite_datetime(value: Any) -> str:
    if value.tzinfo is UTC:
        return str(value)[:-6]  # the same text without its "+00:00"
    return str(value.astimezone(UTC).replace(tzinfo=None))
