"""``/api/usage`` (totals grouped by user, model, deployment, day or group) and its CSV export.

Costs are given twice: ``cost_usd`` as a JSON number for charts and quick reading, and
``cost_usd_exact`` as the exact decimal string (sums of the stored exact costs) for anything that
adds them up or bills on them. Time bounds are echoed as ISO 8601 UTC; ``to`` is exclusive (a
date-only ``to`` includes that whole day).

With ``group_by=group`` a call counts in every group its user belongs to now (a user in two
groups counts in both; ``key: null`` gathers users in no group), so the rows may add up to more
than ``totals``, which count each call once.

``tests`` (include, the default; exclude; only) filters the calls admins' live tests made
(``is_test``), in the reports and the export alike.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from starlette.responses import StreamingResponse

from modelyard.admin_api.deps import AdminDep, ServicesDep, SessionDep
from modelyard.json_response import JSONBytesResponse
from modelyard.usage.csv_export import csv_response
from modelyard.usage.reports import (
    ReportRow,
    UsageTotals,
    exact_text,
    parse_range,
    report_totals,
    usage_report,
)

router = APIRouter(prefix="/api/usage", tags=["usage"])

FromQuery = Annotated[
    str | None, Query(alias="from", description="ISO 8601 date or datetime (UTC), inclusive")
]
ToQuery = Annotated[str | None, Query(description="ISO 8601 date or datetime (UTC), exclusive")]
TestsQuery = Annotated[
    str,
    Query(
        description="calls of admins' live tests (is_test): include (default), exclude or only",
    ),
]


def _totals(totals: UsageTotals) -> dict[str, Any]:
    return {
        "requests": totals.requests,
        "errors": totals.errors,
        "input_tokens": totals.input_tokens,
        "output_tokens": totals.output_tokens,
        "cache_read_tokens": totals.cache_read_tokens,
        "cache_write_tokens": totals.cache_write_tokens,
        "reasoning_tokens": totals.reasoning_tokens,
        "images": totals.images,
        "cost_usd": float(totals.cost_usd),
        "cost_usd_exact": exact_text(totals.cost_usd),
    }


def _row(row: ReportRow) -> dict[str, Any]:
    return {"key": row.key, "label": row.label, **_totals(row.totals)}


@router.get("")
def usage(
    actor: AdminDep,
    session: SessionDep,
    group_by: str = "day",
    start: FromQuery = None,
    to: ToQuery = None,
    tests: TestsQuery = "include",
) -> JSONBytesResponse:
    """The workspace's usage in the range, one row per group, and the totals."""
    span = parse_range(start, to)
    workspace_id = actor.workspace_id
    rows = usage_report(session, workspace_id, group_by, span.start, span.end, tests=tests)
    totals = report_totals(session, workspace_id, group_by, rows, span.start, span.end, tests=tests)
    body: dict[str, Any] = {
        "from": span.start.isoformat(),
        "to": span.end.isoformat(),
        "group_by": group_by,
        "tests": tests,
        "rows": [_row(row) for row in rows],
        "totals": _totals(totals),
    }
    if group_by == "group":
        body["note"] = (
            "A call counts in every group its user belongs to now (a user in two groups counts "
            "in both; key null: users in no group); totals count each call once."
        )
    return JSONBytesResponse(body)


@router.get(
    "/export.csv",
    response_class=Response,
    responses={
        200: {
            "description": "One line per call, a header line first",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
def export_csv(
    actor: AdminDep,
    services: ServicesDep,
    start: FromQuery = None,
    to: ToQuery = None,
    tests: TestsQuery = "include",
) -> StreamingResponse:
    """Every recorded call in the range, one CSV line each (header first), oldest first."""
    span = parse_range(start, to)
    return csv_response(services.session, actor.workspace_id, span, tests)
