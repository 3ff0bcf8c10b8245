"""Usage reports of a workspace: totals grouped by user, model, deployment or day, and the export.

Counts and token sums come from SQL ``GROUP BY`` (integers: exact on every engine). Costs are
stored as exact decimal text, which no portable SQL sums exactly (SQLite would go through
floats), so the query also groups by the cost text and Python adds ``cost x count`` in
``Decimal``: exact, one code path for SQLite and PostgreSQL, and identical calls collapse into
one row. Each record carries the prices in force when it was made, so a later price change never
changes a past cost.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import Context, Decimal, localcontext
from typing import Any

from sqlalchemy import ColumnElement, ColumnExpressionArgument, String, case, func, select
from sqlalchemy.orm import Session

from modelyard.csv_cells import safe_cell
from modelyard.errors import InvalidInput
from modelyard.storage.tables import GroupMemberRow, GroupRow, ModelRow, UsageRow, UserRow

GROUPS = ("user", "model", "deployment", "day", "group")
# Groupings where one call may count in several rows (a user in two groups counts in both):
# their totals are taken from the calls themselves, never by adding the rows up.
OVERLAPPING = frozenset({"group"})
DEFAULT_DAYS = 30
# Sums of exact costs must not round: 28 significant digits (the default) could, in theory.
EXACT = Context(prec=80)
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
_TOKENS = (
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "images",
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


def _day(session: Session) -> ColumnElement[Any]:
    """The UTC date of ``started_at`` as ISO text: the one expression that differs by engine."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", UsageRow.started_at), "YYYY-MM-DD")
    # SQLite keeps UTC timestamps as "YYYY-MM-DD HH:MM:SS.ffffff" text.
    return func.substr(UsageRow.started_at, 1, 10, type_=String)


def _accumulate(groups: dict[str | None, ReportRow], result: Iterable[Any]) -> None:
    """Merge the (group, cost) rows of the query into one row per group."""
    for row in result:
        group_key, group_label, cost, count, errors, *tokens = row
        part = UsageTotals(count, int(errors), cost_usd=cost * count)
        for name, value in zip(_TOKENS, tokens, strict=True):
            setattr(part, name, int(value))
        group = groups.setdefault(group_key, ReportRow(group_key, group_label, UsageTotals()))
        group.label = group.label or group_label
        group.totals.add(part)


def usage_report(
    session: Session, workspace_id: str, group_by: str, start: datetime, end: datetime
) -> list[ReportRow]:
    """Totals per group in ``[start, end)``: days in order, the others by cost, largest first."""
    if group_by not in GROUPS:
        raise InvalidInput(
            f"'group_by' must be one of: {', '.join(GROUPS)}.", param="group_by", code="invalid"
        )
    key: ColumnExpressionArgument[Any]
    label: ColumnExpressionArgument[Any]
    if group_by == "user":
        key, label = UsageRow.user_id, UserRow.email
    elif group_by == "model":
        key, label = UsageRow.model_id, func.coalesce(ModelRow.slug, UsageRow.model_slug)
    elif group_by == "deployment":
        key = label = UsageRow.deployment_id
    elif group_by == "group":  # by today's membership: records do not keep the groups
        key, label = GroupMemberRow.group_id, GroupRow.name
    else:
        key = label = _day(session)
    statement = select(
        key,
        label,
        UsageRow.cost_usd,
        func.count(),
        func.sum(case((UsageRow.status >= 400, 1), else_=0)),
        *(func.sum(getattr(UsageRow, name)) for name in _TOKENS),
    )
    if group_by == "user":
        statement = statement.outerjoin(UserRow, UserRow.id == UsageRow.user_id)
    elif group_by == "model":
        statement = statement.outerjoin(ModelRow, ModelRow.id == UsageRow.model_id)
    elif group_by == "group":
        statement = statement.outerjoin(
            GroupMemberRow, GroupMemberRow.user_id == UsageRow.user_id
        ).outerjoin(GroupRow, GroupRow.id == GroupMemberRow.group_id)
    statement = statement.where(
        UsageRow.workspace_id == workspace_id,
        UsageRow.started_at >= start,
        UsageRow.started_at < end,
    ).group_by(key, label, UsageRow.cost_usd)

    groups: dict[str | None, ReportRow] = {}
    with localcontext(EXACT):
        _accumulate(groups, session.execute(statement))
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
) -> UsageTotals:
    """The totals of a report: each call once, even where it counts in several rows."""
    if group_by in OVERLAPPING:
        rows = usage_report(session, workspace_id, "deployment", start, end)
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


def _decimal_text(value: Decimal | None) -> str:
    return "" if value is None else exact_text(value)


def _text(value: str | None) -> str:
    """Text a spreadsheet would not run as a formula (CSV injection)."""
    return str(safe_cell(value or ""))


def export_rows(
    session: Session, workspace_id: str, start: datetime, end: datetime
) -> Iterator[tuple[str | int | float, ...]]:
    """One tuple per recorded call in ``[start, end)``, oldest first, in ``EXPORT_COLUMNS``
    order; read from the database in chunks, so a long range never sits in memory."""
    statement = (
        select(UsageRow, UserRow.email)
        .outerjoin(UserRow, UserRow.id == UsageRow.user_id)
        .where(
            UsageRow.workspace_id == workspace_id,
            UsageRow.started_at >= start,
            UsageRow.started_at < end,
        )
        .order_by(UsageRow.started_at, UsageRow.id)
        .execution_options(yield_per=1000)
    )
    for record, email in session.execute(statement):
        yield (
            record.id,
            record.started_at.isoformat(),
            record.user_id,
            _text(email),
            record.api_key_id or "",
            record.model_id or "",
            _text(record.model_slug),
            record.deployment_id or "",
            _text(">".join(record.fallback_path or [])),
            record.endpoint,
            "true" if record.stream else "false",
            record.status,
            record.input_tokens,
            record.output_tokens,
            record.cache_read_tokens,
            record.cache_write_tokens,
            record.reasoning_tokens,
            record.images,
            round(record.latency_ms, 3),
            _decimal_text(record.input_price),
            _decimal_text(record.output_price),
            _decimal_text(record.cache_read_price),
            _decimal_text(record.cache_write_price),
            _decimal_text(record.image_price),
            _decimal_text(record.cost_usd),
            _text(record.error),
        )
