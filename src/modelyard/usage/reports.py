"""Usage reports of a workspace: totals grouped by user, model, deployment, day or group.

Whole UTC days are read from the daily rollups (kept current with every stored batch, see
``usage.rollups``), so a month is a few thousand rollup rows whatever the call volume; only the
partial days at the edges of a range are read from ``usage_records``. Both give the same totals
(tested on both engines), and the rollups outlive the raw rows that retention purges.

Counts and token sums come from SQL ``GROUP BY`` (integers: exact on every engine). Costs are
stored as exact decimal text and summed exactly: PostgreSQL as ``NUMERIC``, SQLite with a
``Decimal`` aggregate (``rollups.decimal_sum``). Each record carries the prices in force when it
was made, so a later price change never changes a past cost.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, localcontext
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from modelyard.errors import InvalidInput
from modelyard.storage.tables import (
    GroupMemberRow,
    GroupRow,
    ModelRow,
    UsageModelRollupRow,
    UsageRow,
    UsageUserRollupRow,
    UserRow,
)
from modelyard.usage.rollups import EXACT_CONTEXT, TOKENS, day_expression, decimal_sum, prepare

GROUPS = ("user", "model", "deployment", "day", "group")
# Groupings where one call may count in several rows (a user in two groups counts in both):
# their totals are taken from the calls themselves, never by adding the rows up.
OVERLAPPING = frozenset({"group"})
DEFAULT_DAYS = 30
# Sums of exact costs must not round: 28 significant digits (the default) could, in theory.
EXACT = EXACT_CONTEXT
EXPORT_COLUMNS = (
    "id",
    "started_at",
    "user_id",
    "user_email",
    "api_key_id",
    "model_id",
    "model_slug",
    "deployment_id",
    "fallback_path",
    "endpoint",
    "stream",
    "status",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "images",
    "latency_ms",
    "input_price",
    "output_price",
    "cache_read_price",
    "cache_write_price",
    "image_price",
    "cost_usd",
    "error",
)


@dataclass(frozen=True, slots=True)
class TimeRange:
    """``start`` inclusive, ``end`` exclusive, both UTC."""

    start: datetime
    end: datetime


def _parse_bound(value: str, param: str, *, end: bool) -> datetime:
    text = value.strip()
    try:
        try:  # a date: from its first instant; as "to", the whole day is included
            day = date.fromisoformat(text)
        except ValueError:
            parsed = datetime.fromisoformat(text)
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
        return datetime.combine(day + timedelta(days=1 if end else 0), time(), UTC)
    except (ValueError, OverflowError):
        raise InvalidInput(
            f"'{param}' must be an ISO 8601 date or datetime in UTC, e.g. 2025-05-01 or "
            "2025-05-01T12:00:00Z.",
            param=param,
            code="invalid_time",
        ) from None


def parse_range(start: str | None, end: str | None, now: datetime | None = None) -> TimeRange:
    """The range asked for; by default the last 30 days. A bad value is a 422 naming the field."""
    upper = _parse_bound(end, "to", end=True) if end else (now or datetime.now(UTC))
    lower = _parse_bound(start, "from", end=False) if start else upper - timedelta(DEFAULT_DAYS)
    if lower >= upper:
        raise InvalidInput("'from' must be before 'to'.", param="from", code="invalid_range")
    return TimeRange(lower, upper)


@dataclass(slots=True)
class UsageTotals:
    requests: int = 0
    errors: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    images: int = 0
    cost_usd: Decimal = Decimal(0)

    def add(self, other: UsageTotals) -> None:
        for field in fields(self):
            name = field.name
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(slots=True)
class ReportRow:
    """One group: ``key`` (user id, model id, deployment id, ISO date or group id; None for
    calls of users in no group) and a readable label."""

    key: str | None
    label: str | None
    totals: UsageTotals


TESTS = ("include", "exclude", "only")


def check_tests(value: str) -> str:
    """The ``tests`` filter: calls of admins' live tests included (default), excluded or only."""
    if value not in TESTS:
        raise InvalidInput(
            f"'tests' must be one of: {', '.join(TESTS)}.", param="tests", code="invalid"
        )
    return value


def tests_clause(column: Any, tests: str) -> ColumnElement[bool] | None:
    """The WHERE clause of a ``tests`` filter on an ``is_test`` column (None: no filter)."""
    if check_tests(tests) == "include":
        return None
    clause: ColumnElement[bool] = column.is_(True) if tests == "only" else column.is_(False)
    return clause


def whole_days(start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
    """``[first, last)``: the UTC midnights inside ``[start, end)`` bounding whole days; None
    when the range holds no whole day."""
    first = datetime.combine(start.astimezone(UTC).date(), time(), UTC)
    if first < start:
        first += timedelta(days=1)
    last = datetime.combine(end.astimezone(UTC).date(), time(), UTC)
    return (first, last) if first < last else None


# The columns a grouping sums by in its source (before any join): a report first sums the
# range's rows by these (a few dozen groups out of up to a million rows), then joins the labels
# to those few sums only.
_SOURCE_KEYS = {
    "user": ("user_id",),
    "model": ("model_id", "model_slug"),
    "deployment": ("deployment_id",),
    "group": ("user_id",),
}
_SUM_NAMES = ("cost", "calls", "errors", *TOKENS)


def _summed_source(
    session: Session,
    group_by: str,
    workspace_id: str,
    bounds: tuple[Any, Any],
    tests: str,
    rollup: bool,
) -> Any:
    """One source's sums by its grouping columns in ``bounds`` (ISO days for rollups, instants
    for raw rows), as a subquery; rollups' missing model, slug or deployment ('') as NULL."""
    table: Any = UsageRow
    if rollup:  # users' sums for users and groups; the others from models' (deployments, days)
        table = UsageUserRollupRow if group_by in ("user", "group") else UsageModelRollupRow
    connection = session.connection()
    if group_by == "day":
        keys: list[Any] = [(table.day if rollup else day_expression(connection)).label("day")]
    else:
        keys = [
            (func.nullif(getattr(table, name), "") if rollup and name != "user_id"
             else getattr(table, name)).label(name)
            for name in _SOURCE_KEYS[group_by]
        ]  # fmt: skip
    if rollup:
        counts: list[Any] = [func.sum(table.calls), func.sum(table.errors)]
        moment = table.day
    else:
        counts = [func.count(), func.sum(case((table.status >= 400, 1), else_=0))]
        moment = table.started_at
    sums = [
        decimal_sum(connection, table.cost_usd),
        *counts,
        *(func.sum(getattr(table, name)) for name in TOKENS),
    ]
    statement = select(
        *keys, *(value.label(name) for value, name in zip(sums, _SUM_NAMES, strict=True))
    ).where(table.workspace_id == workspace_id, moment >= bounds[0], moment < bounds[1])
    test_filter = tests_clause(table.is_test, tests)
    if test_filter is not None:
        statement = statement.where(test_filter)
    return statement.group_by(*keys).subquery()


def _grouped_query(
    session: Session,
    group_by: str,
    workspace_id: str,
    bounds: tuple[Any, Any],
    tests: str,
    *,
    rollup: bool,
) -> Select[Any]:
    """(key, label, cost, calls, errors, tokens...) rows of one source; a key may come in
    several rows (a model's sums by slug, a group's by member), merged by ``_accumulate``."""
    sums = _summed_source(session, group_by, workspace_id, bounds, tests, rollup)
    key: Any
    label: Any
    if group_by == "user":
        key, label = sums.c.user_id, UserRow.email
    elif group_by == "model":
        key, label = sums.c.model_id, func.coalesce(ModelRow.slug, sums.c.model_slug)
    elif group_by == "deployment":
        key = label = sums.c.deployment_id
    elif group_by == "group":  # by today's membership: records do not keep the groups
        key, label = GroupMemberRow.group_id, GroupRow.name
    else:
        key = label = sums.c.day
    statement = select(key, label, *(sums.c[name] for name in _SUM_NAMES)).select_from(sums)
    if group_by == "user":
        statement = statement.outerjoin(UserRow, UserRow.id == sums.c.user_id)
    elif group_by == "model":
        statement = statement.outerjoin(ModelRow, ModelRow.id == sums.c.model_id)
    elif group_by == "group":
        statement = statement.outerjoin(
            GroupMemberRow, GroupMemberRow.user_id == sums.c.user_id
        ).outerjoin(GroupRow, GroupRow.id == GroupMemberRow.group_id)
    return statement


def _accumulate(groups: dict[str | None, ReportRow], result: Iterable[Any]) -> None:
    """Merge (key, label, cost, counts...) rows into one row per group."""
    for row in result:
        group_key, group_label, cost, count, errors, *tokens = row
        part = UsageTotals(int(count), int(errors or 0), cost_usd=Decimal(cost or 0))
        for name, value in zip(TOKENS, tokens, strict=True):
            setattr(part, name, int(value or 0))
        group = groups.setdefault(group_key, ReportRow(group_key, group_label, UsageTotals()))
        group.label = group.label or group_label
        group.totals.add(part)


def usage_report(
    session: Session,
    workspace_id: str,
    group_by: str,
    start: datetime,
    end: datetime,
    *,
    tests: str = "include",
    rollups: bool = True,
) -> list[ReportRow]:
    """Totals per group in ``[start, end)``: days in order, the others by cost, largest first.
    ``tests`` filters admins' live-test calls; ``rollups=False`` reads every call from the raw
    rows (the same totals while retention has purged nothing in the range)."""
    if group_by not in GROUPS:
        raise InvalidInput(
            f"'group_by' must be one of: {', '.join(GROUPS)}.", param="group_by", code="invalid"
        )
    check_tests(tests)
    prepare(session.connection())
    days = whole_days(start, end) if rollups else None
    raw_spans = [(start, end)] if days is None else [(start, days[0]), (days[1], end)]
    queries = [
        _grouped_query(session, group_by, workspace_id, span, tests, rollup=False)
        for span in raw_spans
        if span[0] < span[1]
    ]
    if days is not None:
        iso = (days[0].date().isoformat(), days[1].date().isoformat())
        queries.append(_grouped_query(session, group_by, workspace_id, iso, tests, rollup=True))
    groups: dict[str | None, ReportRow] = {}
    with localcontext(EXACT):
        for query in queries:
            _accumulate(groups, session.execute(query))
    rows = list(groups.values())
    if group_by == "day":
        rows.sort(key=lambda r: r.key or "")
    else:
        rows.sort(key=lambda r: (-r.totals.cost_usd, -r.totals.requests, r.key or ""))
    return rows


def report_totals(
    session: Session,
    workspace_id: str,
    group_by: str,
    rows: list[ReportRow],
    start: datetime,
    end: datetime,
    *,
    tests: str = "include",
) -> UsageTotals:
    """The totals of a report: each call once, even where it counts in several rows."""
    if group_by in OVERLAPPING:
        rows = usage_report(session, workspace_id, "deployment", start, end, tests=tests)
    return totals_of(rows)


def totals_of(rows: list[ReportRow]) -> UsageTotals:
    total = UsageTotals()
    with localcontext(EXACT):
        for row in rows:
            total.add(row.totals)
    return total


def exact_text(value: Decimal) -> str:
    """Plain digits, no trailing zeros: ``0.080`` -> ``0.08``, ``0E-6`` -> ``0``."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
