"""Reading the audit trail back: filters, newest first, page after page by an opaque cursor.

Paging is by keyset, never by offset: a cursor is the ``(at, id)`` of the last row shown and
the next page is what sorts after it, so rows written while someone pages (always newer, so on
the first page) neither repeat nor push others off a later page. The cursor is opaque to
callers (URL-safe base64), so its encoding may change without breaking them.

The same parsing serves the admin API, the web page and the CSV, so a bad value is refused in
the same words everywhere: a 422 naming the parameter.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from modelyard.errors import InvalidInput
from modelyard.storage.tables import AuditRow, UserRow
from modelyard.workspace.actor import Actor

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
_TEXT_FILTERS = ("actor_id", "action", "target_type", "target_id")


class AuditActor(BaseModel):
    """Who made the change: the id always, email and name while the user still exists."""

    id: str
    email: str | None
    name: str | None


class AuditEntry(BaseModel):
    id: int
    at: datetime
    actor_id: str | None
    actor: AuditActor | None  # None: the system (bootstrap, catalog refresh) or the CLI
    action: str
    target_type: str
    target_id: str
    fields: list[str]  # names of the fields the change set, never their values
    details: dict[str, Any]
    request_id: str | None


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Exact matches on the text fields; ``start`` inclusive, ``end`` exclusive (UTC)."""

    actor_id: str | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    start: datetime | None = None
    end: datetime | None = None

    @classmethod
    def parse(
        cls,
        *,
        actor_id: str | None = None,
        action: str | None = None,
        target_type: str | None = None,
        target_id: str | None = None,
        start: str | None = None,
        end: str | None = None,
    ) -> AuditFilter:
        """From query values; empty ones mean "any". ``from``/``to`` are ISO 8601 dates or
        datetimes (naive ones are UTC; a date as ``to`` includes that whole day)."""
        lower = _instant(start, "from", end=False)
        upper = _instant(end, "to", end=True)
        if lower is not None and upper is not None and lower >= upper:
            raise InvalidInput("'from' must be before 'to'.", param="from", code="invalid_range")
        return cls(
            actor_id=_text(actor_id, "actor_id"),
            action=_text(action, "action"),
            target_type=_text(target_type, "target_type"),
            target_id=_text(target_id, "target_id"),
            start=lower,
            end=upper,
        )

    def query_params(self) -> dict[str, str]:
        """The filter as query parameters again (for "older" and CSV links)."""
        out = {name: value for name in _TEXT_FILTERS if (value := getattr(self, name))}
        if self.start is not None:
            out["from"] = self.start.isoformat()
        if self.end is not None:
            out["to"] = self.end.isoformat()
        return out


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: list[AuditEntry]
    next_cursor: str | None  # None: this is the oldest page


def _text(value: str | None, param: str) -> str | None:
    if value is None:
        return None
    if "\x00" in value:  # PostgreSQL refuses NUL in text: say which filter, not a 500
        raise InvalidInput(f"'{param}' may not contain NUL characters.", param=param)
    return value.strip() or None


def _instant(value: str | None, param: str, *, end: bool) -> datetime | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            parsed = datetime.fromisoformat(text)
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
        return datetime.combine(day + timedelta(days=1 if end else 0), time(), UTC)
    except (ValueError, OverflowError):
        raise InvalidInput(
            f"'{param}' must be an ISO 8601 date or datetime, e.g. 2025-05-01 or "
            "2025-05-01T12:00:00Z.",
            param=param,
            code="invalid_time",
        ) from None


def parse_limit(value: str | int | None) -> int:
    """1 to ``MAX_LIMIT`` rows a page; ``DEFAULT_LIMIT`` when not given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(
            f"'limit' must be a whole number from 1 to {MAX_LIMIT}.",
            param="limit",
            code="invalid_limit",
        )
    return limit


def encode_cursor(at: datetime, row_id: int) -> str:
    raw = f"{at.astimezone(UTC).isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """The ``(at, id)`` a cursor stands for; a 422 naming ``cursor`` when it is not one of ours."""
    text = (cursor or "").strip()
    if not text:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        at_text, _, id_text = raw.partition("|")
        at = datetime.fromisoformat(at_text)
        row_id = int(id_text)
        if at.tzinfo is None or row_id < 0:
            raise ValueError
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError):
        raise InvalidInput(
            "'cursor' is not a cursor this server gave out: pass next_cursor unchanged.",
            param="cursor",
            code="invalid_cursor",
        ) from None
    return at.astimezone(UTC), row_id


def _select(workspace_id: str, filt: AuditFilter) -> Select[AuditRow, UserRow]:
    query = (
        select(AuditRow, UserRow)
        .outerjoin(UserRow, UserRow.id == AuditRow.actor_id)
        .where(AuditRow.workspace_id == workspace_id)
        .order_by(AuditRow.at.desc(), AuditRow.id.desc())
    )
    for name in _TEXT_FILTERS:
        value = getattr(filt, name)
        if value is not None:
            query = query.where(getattr(AuditRow, name) == value)
    if filt.start is not None:
        query = query.where(AuditRow.at >= filt.start)
    if filt.end is not None:
        query = query.where(AuditRow.at < filt.end)
    return query


def _after(
    query: Select[AuditRow, UserRow], position: tuple[datetime, int] | None
) -> Select[AuditRow, UserRow]:
    if position is None:
        return query
    at, row_id = position
    return query.where(
        or_(AuditRow.at < at, and_(AuditRow.at == at, AuditRow.id < row_id)),
    )


def _entry(row: AuditRow, user: UserRow | None) -> AuditEntry:
    details = dict(row.details or {})
    names = details.get("fields")
    fields = [n for n in names if isinstance(n, str)] if isinstance(names, list) else []
    actor = None
    if row.actor_id is not None:
        actor = AuditActor(
            id=row.actor_id,
            email=user.email if user else None,
            name=(user.name or None) if user else None,
        )
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor_id=row.actor_id,
        actor=actor,
        action=row.action,
        target_type=row.target_type,
        target_id=row.target_id,
        fields=fields,
        details=details,
        request_id=row.request_id,
    )


def page(
    session: Session,
    actor: Actor,
    filt: AuditFilter,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> AuditPage:
    """One page of the workspace's trail, newest first, after ``cursor`` (admins and owners)."""
    actor.require_admin()
    position = decode_cursor(cursor)
    query = _after(_select(actor.workspace_id, filt), position).limit(limit + 1)
    found = [_entry(row, user) for row, user in session.execute(query)]
    more = len(found) > limit
    entries = found[:limit]
    last = entries[-1] if entries else None
    return AuditPage(entries, encode_cursor(last.at, last.id) if more and last else None)


def every_entry(
    session: Session, actor: Actor, filt: AuditFilter, batch: int = 500
) -> Iterator[AuditEntry]:
    """Every matching row, newest first, read a batch at a time (the CSV export)."""
    actor.require_admin()
    position: tuple[datetime, int] | None = None
    while True:
        query = _after(_select(actor.workspace_id, filt), position).limit(batch)
        rows = [_entry(row, user) for row, user in session.execute(query)]
        yield from rows
        if len(rows) < batch:
            return
        position = (rows[-1].at, rows[-1].id)


def filter_choices(session: Session, actor: Actor) -> tuple[list[str], list[str]]:
    """The actions and target types the workspace's trail holds (the web page's filters)."""
    actor.require_admin()
    where = AuditRow.workspace_id == actor.workspace_id
    actions = session.scalars(select(AuditRow.action).where(where).distinct())
    types = session.scalars(select(AuditRow.target_type).where(where).distinct())
    return sorted(actions), sorted(types)
