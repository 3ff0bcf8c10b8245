"""Personal API keys as the outside sends and sees them: name, expiry and allowed models.

An ``expires_at`` without a time zone is taken as UTC (``2027-01-31T18:00`` and
``2027-01-31T18:00Z`` are the same instant; a bare date is its midnight UTC); it must lie in the
future, which the service checks against its clock. ``model_ids`` omitted or null: every model
the holder may use; a list: only those (never empty: a key that may call nothing is a mistake).

People pick a day rather than an instant: the web page's date input and the CLI's
``--expires 2027-01-31`` go through :func:`day_or_instant`, so such a key works through that
whole day in UTC and expires at its end.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from modelyard.workspace.schemas import Input

MAX_KEY_MODELS = 500
ModelId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


def _as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _distinct(value: list[str] | None) -> list[str] | None:
    return None if value is None else sorted(set(value))


def day_or_instant(value: str) -> str:
    """A bare date as the last instant of that day in UTC (ISO 8601); anything else unchanged,
    for the schema to read or refuse with its own message."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return value
    return datetime.combine(day, time.max, tzinfo=UTC).isoformat()


class ApiKeyCreate(Input):
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    expires_at: Annotated[datetime | None, AfterValidator(_as_utc)] = Field(
        default=None,
        description="ISO 8601; without a time zone it is UTC. Must be in the future.",
    )
    model_ids: Annotated[
        list[ModelId] | None,
        Field(min_length=1, max_length=MAX_KEY_MODELS),
        AfterValidator(_distinct),
    ] = Field(
        default=None,
        description="The only models this key may call (ids). Omitted or null: all of the "
        "holder's models.",
    )


class KeyModel(BaseModel):
    """A model a key may be limited to, as a form offers it."""

    id: str
    slug: str
    display_name: str
    kind: str


class ApiKeyOut(BaseModel):
    id: str
    user_id: str
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None
    expires_at: datetime | None
    model_ids: list[str] | None
    last_used_at: datetime | None = Field(
        description="When the key last authenticated a call, to within about a minute "
        "(written in batches off the request path)."
    )


class ApiKeyIssued(ApiKeyOut):
    key: str = Field(description="The key itself. Shown once; only its hash is stored.")
