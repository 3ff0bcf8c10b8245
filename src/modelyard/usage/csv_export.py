"""The usage CSV as a streamed download, shared by the admin API and the web UI's usage page.

One writer for both, so the file an admin downloads from the page is byte for byte the one the
API gives for the same range.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

from sqlalchemy.orm import Session
from starlette.responses import StreamingResponse

from modelyard.usage.reports import EXPORT_COLUMNS, TimeRange, export_rows

LINES_PER_CHUNK = 500


def csv_chunks(
    sessions: Callable[[], AbstractContextManager[Session]], workspace_id: str, span: TimeRange
) -> Iterator[str]:
    """The CSV, a few hundred lines at a time, from its own session: the response outlives the
    request's dependencies, and the rows are read from the database as they are sent."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    with sessions() as session:
        rows = export_rows(session, workspace_id, span.start, span.end)
        for count, line in enumerate(rows, start=1):
            writer.writerow(line)
            if count % LINES_PER_CHUNK == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()


def csv_response(
    sessions: Callable[[], AbstractContextManager[Session]], workspace_id: str, span: TimeRange
) -> StreamingResponse:
    """Every recorded call in ``span``, one CSV line each (header first), as an attachment."""
    name = f"usage-{span.start:%Y%m%dT%H%M%S}-{span.end:%Y%m%dT%H%M%S}.csv"
    return StreamingResponse(
        csv_chunks(sessions, workspace_id, span),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )
