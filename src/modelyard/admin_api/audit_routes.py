"""``/api/audit`` (the trail, newest first, a page at a time) and its CSV export.

The body stays a plain list of entries, as it always was; the next page is named by the
``x-next-cursor`` header (and ``Link: <...>; rel="next"``), absent on the oldest page. Filters
and the cursor are parsed by ``workspace.audit_query``, as on the web page.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Response
from starlette.responses import StreamingResponse

from modelyard.admin_api.deps import AdminDep, ServicesDep, SessionDep
from modelyard.workspace import audit_csv, audit_query
from modelyard.workspace.audit_query import AuditEntry, AuditFilter

router = APIRouter(prefix="/api/audit", tags=["audit"])

NEXT_CURSOR = "x-next-cursor"

Text = Annotated[str | None, Query(description="exact match")]
FromQuery = Annotated[
    str | None,
    Query(alias="from", description="ISO 8601 date or datetime (UTC when naive), inclusive"),
]
ToQuery = Annotated[
    str | None,
    Query(description="ISO 8601 date or datetime, exclusive (a date includes that whole day)"),
]
LimitQuery = Annotated[
    int | None,
    Query(ge=1, le=audit_query.MAX_LIMIT, description=f"default {audit_query.DEFAULT_LIMIT}"),
]
CursorQuery = Annotated[
    str | None, Query(description=f"the previous page's {NEXT_CURSOR} header, unchanged")
]


def _filter(
    actor_id: str | None,
    action: str | None,
    target_type: str | None,
    target_id: str | None,
    start: str | None,
    to: str | None,
) -> AuditFilter:
    return AuditFilter.parse(
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        start=start,
        end=to,
    )


@router.get(
    "",
    responses={
        200: {
            "description": "The entries, newest first",
            "headers": {
                NEXT_CURSOR: {
                    "description": "Pass as ?cursor= for the next (older) page; absent on the "
                    "last page",
                    "schema": {"type": "string"},
                },
                "link": {"description": 'The next page, rel="next"', "schema": {"type": "string"}},
            },
        }
    },
)
def audit_log(
    actor: AdminDep,
    session: SessionDep,
    response: Response,
    actor_id: Text = None,
    action: Text = None,
    target_type: Text = None,
    target_id: Text = None,
    start: FromQuery = None,
    to: ToQuery = None,
    limit: LimitQuery = None,
    cursor: CursorQuery = None,
) -> list[AuditEntry]:
    """Who changed what in the workspace, newest first: actor, action, target, the names of
    the fields set (never their values), time and request id."""
    filt = _filter(actor_id, action, target_type, target_id, start, to)
    found = audit_query.page(session, actor, filt, audit_query.parse_limit(limit), cursor)
    if found.next_cursor is not None:
        params = filt.query_params() | {"cursor": found.next_cursor}
        if limit is not None:
            params["limit"] = str(limit)
        response.headers[NEXT_CURSOR] = found.next_cursor
        response.headers["link"] = f'</api/audit?{urlencode(params)}>; rel="next"'
    return found.entries


@router.get(
    "/export.csv",
    response_class=Response,
    responses={
        200: {
            "description": "Every matching entry, newest first, a header line first",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
def export_csv(
    actor: AdminDep,
    services: ServicesDep,
    actor_id: Text = None,
    action: Text = None,
    target_type: Text = None,
    target_id: Text = None,
    start: FromQuery = None,
    to: ToQuery = None,
) -> StreamingResponse:
    """The entries of ``GET /api/audit`` with the same filters, all of them, as CSV."""
    filt = _filter(actor_id, action, target_type, target_id, start, to)
    return StreamingResponse(
        audit_csv.csv_chunks(services.session, actor, filt),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{audit_csv.file_name(filt)}"'},
    )
