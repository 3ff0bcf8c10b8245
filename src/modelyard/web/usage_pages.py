"""Workspace Settings -> Usage & cost: totals, by model, user and day, a chart, the CSV.

The period goes through ``reports.parse_range`` and the ``tests`` filter (admins' live-test
calls: include, exclude, only) through ``reports.check_tests`` exactly as ``/api/usage``'s do
(same parsing, same messages, 422 naming the field), and every number comes from
``reports.usage_report``: the page computes nothing of its own, so it always agrees with the
API. Costs stay ``Decimal`` and are shown exactly, in the reader's notation. The CSV link streams
the admin API's own writer (``usage.csv_export``) under the browser's session, since the API's
route wants an API key.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from modelyard.errors import ModelyardError
from modelyard.usage.csv_export import csv_response
from modelyard.usage.live_test_usage import live_test_spending
from modelyard.usage.reports import (
    DEFAULT_DAYS,
    TESTS,
    ReportRow,
    TimeRange,
    check_tests,
    exact_text,
    parse_range,
    totals_of,
    usage_report,
)
from modelyard.web import locale_format
from modelyard.web.auth import AdminUserDep
from modelyard.web.i18n import texts
from modelyard.web.pages import field_errors, render, services_of
from modelyard.web.svg_chart import bar_chart

router = APIRouter(include_in_schema=False)

PAGE = "/settings/usage"


def usd(value: Decimal, language: str = "en") -> str:
    """An exact cost for people: every stored digit, no float rounding, in the reader's
    notation ("$0.000042", "0,000042 $")."""
    return locale_format.usd(Decimal(exact_text(value)), language)


MAX_CHART_DAYS = 400


def cost_per_day(by_day: list[ReportRow], span: TimeRange) -> list[tuple[str, Decimal]]:
    """Every day of the period, at zero where nothing was used, so gaps show as gaps; only the
    days with usage when the period is longer than ``MAX_CHART_DAYS`` or has no usage."""
    costs = {row.key or "": row.totals.cost_usd for row in by_day}
    first, last = span.start.date(), (span.end - timedelta(microseconds=1)).date()
    days = (last - first).days + 1
    if not by_day or days > MAX_CHART_DAYS:
        return list(costs.items())
    every = (first + timedelta(days=n) for n in range(days))
    return [(day.isoformat(), costs.get(day.isoformat(), Decimal(0))) for day in every]


def _period(request: Request) -> tuple[str, str]:
    """The ``from``/``to`` asked for; by default the last 30 days, today included."""
    today = datetime.now(UTC).date()
    start = request.query_params.get("from")
    end = request.query_params.get("to")
    if start is None and end is None:
        return (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(), today.isoformat()
    return start or "", end or ""


def _span(start: str, end: str) -> TimeRange:
    return parse_range(start or None, end or None)


def _tests(request: Request) -> str:
    """The ``tests`` filter asked for (admins' live-test calls): include (default), exclude,
    only; checked by the reports' own rule."""
    return check_tests(request.query_params.get("tests") or "include")


def _error_page(
    request: Request, language: str, start: str, end: str, exc: ModelyardError
) -> Response:
    context = {
        "period": {"from": start, "to": end, "tests": request.query_params.get("tests")},
        "errors": field_errors(exc, language),
        "report": None,
    }
    return render(request, "usage.html", context, status_code=exc.status)


@router.get(PAGE)
def usage_page(request: Request, user: AdminUserDep) -> Response:
    start, end = _period(request)
    try:
        span, tests = _span(start, end), _tests(request)
    except ModelyardError as exc:
        return _error_page(request, user.language, start, end, exc)
    workspace_id, language = user.actor.workspace_id, user.language
    said = texts(language)
    with services_of(request).session() as db:
        by_day = usage_report(db, workspace_id, "day", span.start, span.end, tests=tests)
        by_model = usage_report(db, workspace_id, "model", span.start, span.end, tests=tests)
        by_user = usage_report(db, workspace_id, "user", span.start, span.end, tests=tests)
        spent_on_tests = live_test_spending(db, workspace_id, span.start, span.end)
    totals = totals_of(by_day)

    def money(value: Decimal) -> str:
        return usd(value, language)

    chart = bar_chart(
        cost_per_day(by_day, span),
        title=said["usage_chart_title"],
        description=said["usage_chart_description"].format(
            days=len(by_day),
            start=locale_format.day(start, language) or said["usage_the_start"],
            end=locale_format.day(end, language) or said["usage_now"],
            total=money(totals.cost_usd),
        ),
        value_text=money,
        chart_id="cost-chart",
        language=language,  # the days under the bars as the reader writes them
    )
    context: dict[str, Any] = {
        "period": {"from": start, "to": end, "tests": tests},
        "span": span,
        "report": {"model": by_model, "user": by_user, "day": by_day},
        "totals": totals,
        "tests": spent_on_tests,
        "test_filters": TESTS,
        "chart": chart,
        "usd": money,
        "csv_url": f"{PAGE}.csv?" + urlencode({"from": start, "to": end, "tests": tests}),
    }
    return render(request, "usage.html", context)


@router.get(PAGE + ".csv")
def usage_csv(request: Request, user: AdminUserDep) -> Response:
    start, end = _period(request)
    try:
        span, tests = _span(start, end), _tests(request)
    except ModelyardError as exc:
        return _error_page(request, user.language, start, end, exc)
    return csv_response(services_of(request).session, user.actor.workspace_id, span, tests)
