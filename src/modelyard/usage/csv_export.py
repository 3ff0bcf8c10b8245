"""The usage CSV as a streamed download, shared by the admin API and the web UI's usage page.

One writer for both, so the file an admin downloads from the page is byte for byte the one the
API gives for the same range.

The rows are read in keyset pages (``(started_at, id)`` after the last one sent), each page in a
short transaction of its own: memory stays that of one page whatever the range (10 M rows
included), and no transaction or server-side cursor stays open while a slow client downloads,
which would hold back PostgreSQL's vacuum for as long. Only raw rows are exported: days whose
rows retention purged are in the reports (rollups) but no longer here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select, tuple_
from sqlalchemy.orm import Session
from starlette.responses import StreamingResponse

from modelyard.csv_cells import safe_cell
from modelyard.storage.tables import UsageRow, UserRow
from modelyard.usage.reports import (
    EXPORT_COLUMNS,
    TimeRange,
    check_tests,
    exact_text,
    tests_clause,
)

LINES_PER_CHUNK = 500
PAGE_ROWS = 2000

_COLUMNS = (
    UsageRow.id,
    UsageRow.started_at,
    UsageRow.user_id,
    UserRow.email,
    UsageRow.api_key_id,
    UsageRow.model_id,
    UsageRow.model_slug,
    UsageRow.deployment_id,
    UsageRow.fallback_path,
    UsageRow.endpoint,
    UsageRow.stream,
    UsageRow.status,
    UsageRow.input_tokens,
    UsageRow.output_tokens,
    UsageRow.cache_read_tokens,
    UsageRow.cache_write_tokens,
    UsageRow.reasoning_tokens,
    UsageRow.images,
    UsageRow.latency_ms,
    UsageRow.input_price,
    UsageRow.output_price,
    UsageRow.cache_read_price,
    UsageRow.cache_write_price,
    UsageRow.image_price,
    UsageRow.cost_usd,
    UsageRow.error,
)


def _decimal_text(value: Decimal | None) -> str:
    return "" if value is None else exact_text(value)


def _text(value: str | None) -> str:
    """Text a spreadsheet would not run as a formula (CSV injection)."""
    return str(safe_cell(value or ""))


def _line(row: Any) -> tuple[str | int | float, ...]:
    (
        call_id, started_at, user_id, email, api_key_id, model_id, slug, deployment_id,
        fallback_path, endpoint, stream, status, *tokens, latency_ms,
        input_price, output_price, cache_read_price, cache_write_price, image_price, cost, error,
    ) = row  # fmt: skip
    return (
        call_id,
        started_at.isoformat(),
        user_id,
        _text(email),
        api_key_id or "",
        model_id or "",
        _text(slug),
        deployment_id or "",
        _text(">".join(fallback_path or [])),
        endpoint,
        "true" if stream else "false",
        status,
        *tokens,
        round(latency_ms, 3),
        _decimal_text(input_price),
        _decimal_text(output_price),
        _decimal_text(cache_read_price),
        _decimal_text(cache_write_price),
        _decimal_text(image_price),
        _decimal_text(cost),
        _text(error),
    )


def _page(
    workspace_id: str,
    span: TimeRange,
    tests: str,
    after: tuple[datetime, str] | None,
    rows: int,
) -> Select[Any]:
    columns: list[Any] = list(_COLUMNS)
    statement: Select[Any] = (
        select(*columns)
        .outerjoin(UserRow, UserRow.id == UsageRow.user_id)
        .where(
            UsageRow.workspace_id == workspace_id,
            UsageRow.started_at >= (span.start if after is None else after[0]),
            UsageRow.started_at < span.end,
        )
    )
    if after is not None:
        statement = statement.where(tuple_(UsageRow.started_at, UsageRow.id) > tuple_(*after))
    test_filter = tests_clause(UsageRow.is_test, tests)
    if test_filter is not None:
        statement = statement.where(test_filter)
    return statement.order_by(UsageRow.started_at, UsageRow.id).limit(rows)


def export_rows(
    session: Session,
    workspace_id: str,
    span: TimeRange,
    tests: str = "include",
    *,
    page_rows: int = PAGE_ROWS,
) -> Iterator[tuple[str | int | float, ...]]:
    """One tuple per recorded call in ``span``, oldest first, in ``EXPORT_COLUMNS`` order; read
    a page at a time, each page's transaction ended before its rows are handed on."""
    after: tuple[datetime, str] | None = None
    while True:
        page = session.execute(_page(workspace_id, span, tests, after, page_rows)).all()
        session.rollback()  # read only: end the transaction (and its snapshot) between pages
        full = len(page) == page_rows
        if full:
            after = (page[-1].started_at, page[-1].id)
        for row in page:
            yield _line(row)
        del page  # before the next page is read: one page in memory at a time, never two
        if not full:
            return


def csv_chunks(
    sessions: Callable[[], AbstractContextManager[Session]],
    workspace_id: str,
    span: TimeRange,
    tests: str = "include",
) -> Iterator[str]:
    """The CSV, a few hundred lines at a time, from its own session: the response outlives the
    request's dependencies, and the rows are read from the database as they are sent."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    with sessions() as session:
        for count, line in enumerate(export_rows(session, workspace_id, span, tests), start=1):
            writer.writerow(line)
            if count % LINES_PER_CHUNK == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()


def csv_response(
    sessions: Callable[[], AbstractContextManager[Session]],
    workspace_id: str,
    span: TimeRange,
    tests: str = "include",
) -> StreamingResponse:
    """Every recorded call in ``span``, one CSV line each (header first), as an attachment;
    ``tests`` as in the reports (include, exclude, only)."""
    check_tests(tests)  # before the response starts: a bad value is a 422, not a torn file
    name = f"usage-{span.start:%Y%m%dT%H%M%S}-{span.end:%Y%m%dT%H%M%S}.csv"
    return StreamingResponse(
        csv_chunks(sessions, workspace_id, span, tests),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )
