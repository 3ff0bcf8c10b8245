"""The audit trail as CSV: every row matching a filter, newest first, written as it is read.

One writer for the admin API and the web page, so both downloads are the same file. Each line
carries what ``GET /api/audit`` gives for the row; ``fields`` joins the field names with spaces
and ``details`` is the JSON object. Every cell goes through ``csv_cells.safe_cell``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

from sqlalchemy.orm import Session

from modelyard.csv_cells import safe_row
from modelyard.workspace.actor import Actor
from modelyard.workspace.audit_query import AuditEntry, AuditFilter, every_entry

COLUMNS = (
    "id",
    "at",
    "actor_id",
    "actor_email",
    "actor_name",
    "action",
    "target_type",
    "target_id",
    "fields",
    "request_id",
    "details",
)
LINES_PER_CHUNK = 500


def line(entry: AuditEntry) -> list[object]:
    actor = entry.actor
    return [
        entry.id,
        entry.at.isoformat().replace("+00:00", "Z"),  # as the JSON writes it
        entry.actor_id or "",
        (actor.email if actor else None) or "",
        (actor.name if actor else None) or "",
        entry.action,
        entry.target_type,
        entry.target_id,
        " ".join(entry.fields),
        entry.request_id or "",
        json.dumps(entry.details, sort_keys=True, ensure_ascii=False, default=str),
    ]


def csv_chunks(
    sessions: Callable[[], AbstractContextManager[Session]], actor: Actor, filt: AuditFilter
) -> Iterator[str]:
    """The CSV, a few hundred lines at a time, from its own session: the response outlives the
    request's dependencies. Refuses members before the first byte."""
    actor.require_admin()
    return _chunks(sessions, actor, filt)


def _chunks(
    sessions: Callable[[], AbstractContextManager[Session]], actor: Actor, filt: AuditFilter
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    with sessions() as session:
        for count, entry in enumerate(every_entry(session, actor, filt), start=1):
            writer.writerow(safe_row(line(entry)))
            if count % LINES_PER_CHUNK == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()


def file_name(filt: AuditFilter) -> str:
    start = f"{filt.start:%Y%m%dT%H%M%S}" if filt.start else "start"
    end = f"{filt.end:%Y%m%dT%H%M%S}" if filt.end else "now"
    return f"audit-{start}-{end}.csv"
