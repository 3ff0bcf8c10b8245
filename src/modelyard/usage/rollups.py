"""Keeping the usage rollups current: each stored usage batch adds its calls to its days' rows.

``journal.insert_rows`` calls :func:`add_to_rollups` in the transaction that inserts the batch,
with only the rows that insert really stored (a replayed journal's known ids are skipped there,
so a call is never counted twice), off the request path like the insert itself. The batch is
summed in Python first (one upsert per rollup row, keys in order so two writers lock rows in
the same order), then each sum is added to its row by the database.

Costs stay exact on both engines: PostgreSQL adds them as ``NUMERIC`` (arbitrary precision);
SQLite, which has no exact decimal type, gets two SQL functions written with Python's
``Decimal`` (:func:`prepare`), registered on the connection before a statement uses them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from decimal import Context, Decimal, localcontext
from typing import Any

from sqlalchemy import Connection, Numeric, Text, case, cast, delete, func, insert, select
from sqlalchemy.sql.elements import ColumnElement

from modelyard.storage.tables import UsageModelRollupRow, UsageRow, UsageUserRollupRow
from modelyard.storage.usage_rollup_tables import MODEL_KEYS, USER_KEYS

TOKENS = (
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "images",
)
SUMS = ("calls", "errors", *TOKENS)
DECIMAL_ADD, DECIMAL_SUM = "modelyard_decimal_add", "modelyard_decimal_sum"
# Sums of exact costs must not round: 28 significant digits (the default) could, in theory.
EXACT_CONTEXT = Context(prec=80)


def _exact(value: Decimal) -> str:
    return format(value, "f")


def _decimal_add(left: str | None, right: str | None) -> str | None:
    if left is None or right is None:
        return right if left is None else left
    with localcontext(EXACT_CONTEXT):
        return _exact(Decimal(left) + Decimal(right))


class _DecimalSum:
    """SQLite aggregate: the exact sum of decimal texts (NULLs skipped, like ``SUM``). Each step
    only appends the text (``list.append`` itself, no Python frame per row); the sum is taken
    at the end, in C, by ``Decimal``."""

    def __init__(self) -> None:
        self.values: list[str | None] = []
        self.step = self.values.append

    def finalize(self) -> str | None:
        texts = [value for value in self.values if value is not None]
        if not texts:
            return None
        with localcontext(EXACT_CONTEXT):
            return _exact(sum(map(Decimal, texts), Decimal(0)))


def prepare(connection: Connection) -> None:
    """Register SQLite's exact decimal functions on ``connection`` (nothing on PostgreSQL).
    Cheap, and needed per connection: a pooled connection may be new."""
    if connection.dialect.name != "sqlite":
        return
    raw: Any = connection.connection.driver_connection
    raw.create_function(DECIMAL_ADD, 2, _decimal_add, deterministic=True)
    raw.create_aggregate(DECIMAL_SUM, 1, _DecimalSum)


def decimal_sum(connection: Connection, column: Any) -> ColumnElement[Any]:
    """The exact sum of a decimal-text column, read back as ``Decimal`` or text."""
    if connection.dialect.name == "postgresql":
        return func.sum(cast(column, Numeric))
    summed: ColumnElement[Any] = getattr(func, DECIMAL_SUM)(column, type_=Text)
    return summed


def day_of(started_at: dt.datetime) -> str:
    """The UTC day of a call, as rollups key it."""
    if started_at.tzinfo is not None:
        started_at = started_at.astimezone(dt.UTC)
    return started_at.date().isoformat()


def day_expression(connection: Connection) -> ColumnElement[Any]:
    """``usage_records.started_at``'s UTC day as ISO text, in SQL."""
    if connection.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", UsageRow.started_at), "YYYY-MM-DD")
    # SQLite keeps UTC timestamps as "YYYY-MM-DD HH:MM:SS.ffffff" text.
    return func.substr(UsageRow.started_at, 1, 10, type_=Text)


def _model_key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (
        row["workspace_id"],
        day_of(row["started_at"]),
        row["model_id"] or "",
        row["model_slug"] or "",
        row["deployment_id"] or "",
        bool(row["is_test"]),
    )


def _user_key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["workspace_id"], day_of(row["started_at"]), row["user_id"], bool(row["is_test"]))


# Each rollup table, its key columns and how a usage row's key is made.
ROLLUPS: tuple[tuple[Any, tuple[str, ...], Callable[[dict[str, Any]], tuple[Any, ...]]], ...] = (
    (UsageModelRollupRow, MODEL_KEYS, _model_key),
    (UsageUserRollupRow, USER_KEYS, _user_key),
)


def summed(
    rows: Iterable[dict[str, Any]],
    keys: tuple[str, ...],
    key_of: Callable[[dict[str, Any]], tuple[Any, ...]],
) -> list[dict[str, Any]]:
    """The rollup increments of ``rows`` (``usage_records`` rows as dicts), keys in order."""
    sums: dict[tuple[Any, ...], list[Any]] = {}
    with localcontext(EXACT_CONTEXT):
        for row in rows:
            key = key_of(row)
            total = sums.get(key)
            if total is None:
                total = sums[key] = [0] * len(SUMS) + [Decimal(0)]
            total[0] += 1
            total[1] += row["status"] >= 400
            for index, name in enumerate(TOKENS, start=2):
                total[index] += row[name] or 0
            total[-1] += Decimal(row["cost_usd"])
    return [
        {
            **dict(zip(keys, key, strict=True)),
            **dict(zip(SUMS, values[:-1], strict=True)),
            "cost_usd": _exact(values[-1]),
        }
        for key, values in sorted(sums.items())
    ]


def _upsert(table: Any, keys: tuple[str, ...], dialect_name: str) -> Any:
    """INSERT of rollup rows that adds to a row already there."""
    table = table.__table__
    if dialect_name == "postgresql":
        from sqlalchemy.dialects import postgresql

        statement: Any = postgresql.insert(table)
        added_cost: Any = cast(
            cast(table.c.cost_usd, Numeric) + cast(statement.excluded.cost_usd, Numeric), Text
        )
    else:
        from sqlalchemy.dialects import sqlite

        statement = sqlite.insert(table)
        added_cost = getattr(func, DECIMAL_ADD)(
            table.c.cost_usd, statement.excluded.cost_usd, type_=Text
        )
    updates = {name: table.c[name] + statement.excluded[name] for name in SUMS}
    return statement.on_conflict_do_update(
        index_elements=list(keys), set_={**updates, "cost_usd": added_cost}
    )


_DRIVER_CHUNK = 32
_STATEMENTS: dict[tuple[str, str], Any] = {}


def _statement(connection: Connection, table: Any, keys: tuple[str, ...]) -> Any:
    """The upsert of ``table``, built once per engine kind. On SQLite it is SQL text with
    positional marks in column order: the increments go to the driver as tuples (every value a
    plain str, int or bool: nothing to convert), as the usage rows themselves do."""
    name = connection.dialect.name
    cached = _STATEMENTS.get((name, table.__tablename__))
    if cached is not None:
        return cached
    statement = _upsert(table, keys, name)
    if name == "sqlite":
        order = [*keys, *SUMS, "cost_usd"]
        compiled = statement.compile(dialect=connection.dialect, column_keys=order)
        if list(compiled.positiontup or ()) != order:
            raise ValueError("the rollup upsert binds its columns in another order")
        statement = compiled.string
    _STATEMENTS[(name, table.__tablename__)] = statement
    return statement


def add_to_rollups(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Add newly stored ``usage_records`` rows to their rollups, in the caller's transaction."""
    if not rows:
        return
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        prepare(connection)
    for table, keys, key_of in ROLLUPS:
        increments = summed(rows, keys, key_of)
        statement = _statement(connection, table, keys)
        if not sqlite:
            connection.execute(statement, increments)
            continue
        order = [*keys, *SUMS, "cost_usd"]
        # A slice at a time, like the rows (journal.DRIVER_CHUNK): making the tuples and each
        # row's exact addition hold the GIL, which the server's event loop waits for.
        for start in range(0, len(increments), _DRIVER_CHUNK):
            chunk = increments[start : start + _DRIVER_CHUNK]
            connection.exec_driver_sql(statement, [tuple(i[k] for k in order) for i in chunk])


def rebuild(connection: Connection, workspace_id: str | None = None) -> None:
    """Recompute the rollups from the raw rows (all, or one workspace's), in SQL. For a database
    filled behind the recorder's back (the bench's bulk load); the migration backfills likewise.
    Days whose raw rows retention purged lose their rollups here: never run it after a purge."""
    prepare(connection)
    sums = [
        func.count(),
        func.sum(case((UsageRow.status >= 400, 1), else_=0)),
        *(func.sum(getattr(UsageRow, name)) for name in TOKENS),
        cast(decimal_sum(connection, UsageRow.cost_usd), Text),
    ]
    day = day_expression(connection)
    sources = {
        "usage_rollups_model": [
            UsageRow.workspace_id,
            day,
            func.coalesce(UsageRow.model_id, ""),
            func.coalesce(UsageRow.model_slug, ""),
            func.coalesce(UsageRow.deployment_id, ""),
            UsageRow.is_test,
        ],
        "usage_rollups_user": [UsageRow.workspace_id, day, UsageRow.user_id, UsageRow.is_test],
    }
    for table, keys, _key_of in ROLLUPS:
        columns = sources[table.__tablename__]
        wipe = delete(table)
        source = select(*columns, *sums)
        if workspace_id is not None:
            wipe = wipe.where(table.workspace_id == workspace_id)
            source = source.where(UsageRow.workspace_id == workspace_id)
        connection.execute(wipe)
        connection.execute(
            insert(table).from_select([*keys, *SUMS, "cost_usd"], source.group_by(*columns))
        )
