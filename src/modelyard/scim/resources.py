"""What Users and Groups share: paging, ``attributes``/``excludedAttributes``, committing
with the request's id on the audit rows, and the small value checks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from modelyard.scim.errors import invalid_value
from modelyard.scim.filters import get_ci
from modelyard.scim.schemas import MAX_RESULTS, list_response
from modelyard.storage.tables import AuditRow


@dataclass(frozen=True, slots=True)
class Query:
    """A list or search request: filter, paging and which attributes to return."""

    filter: str | None = None
    start_index: int = 1
    count: int = MAX_RESULTS
    attributes: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()


def _integer(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise invalid_value(f"'{name}' must be an integer.")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,9}\s*", value):
        return int(value)
    raise invalid_value(f"'{name}' must be an integer.")


def _names(value: Any, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(item.strip() for item in value if item.strip())
    raise invalid_value(f"'{name}' must be a comma-separated list of attribute names.")


def make_query(params: dict[str, Any]) -> Query:
    """From query parameters or a SearchRequest body (names matched ignoring case)."""
    filter_text = get_ci(params, "filter")
    if filter_text is not None and not isinstance(filter_text, str):
        raise invalid_value("'filter' must be a string.")
    start = get_ci(params, "startindex")
    count = get_ci(params, "count")
    return Query(
        filter=filter_text,
        start_index=max(1, _integer(start, "startIndex")) if start is not None else 1,
        count=min(MAX_RESULTS, max(0, _integer(count, "count")))
        if count is not None
        else MAX_RESULTS,
        attributes=_names(get_ci(params, "attributes"), "attributes"),
        excluded=_names(get_ci(params, "excludedattributes"), "excludedAttributes"),
    )


def _split(name: str, core_schema: str) -> tuple[str, str | None]:
    if name.lower().startswith(core_schema.lower() + ":"):
        name = name[len(core_schema) + 1 :]
    attr, _, sub = name.lower().partition(".")
    return attr, sub or None


def project(
    doc: dict[str, Any],
    query: Query,
    core_schema: str,
    request_only: frozenset[tuple[str, str]] = frozenset(),
) -> dict[str, Any]:
    """``doc`` with only the attributes asked for (``id`` and ``schemas`` always), without
    the excluded ones, and with ``returned: request`` sub-attributes only when named."""
    wanted = [_split(name, core_schema) for name in query.attributes]
    excluded = [_split(name, core_schema) for name in query.excluded]
    out: dict[str, Any] = {}
    for key, value in doc.items():
        attr = key.lower()
        if attr not in ("id", "schemas"):
            if wanted and not any(w == attr for w, _ in wanted):
                continue
            if any(e == attr and s is None for e, s in excluded):
                continue
        subs = {s for w, s in wanted if w == attr and s is not None}
        whole = any(w == attr and s is None for w, s in wanted)
        drop = {s for e, s in excluded if e == attr and s is not None}
        drop |= {s for a, s in request_only if a == attr and s not in subs and not whole}
        keep = subs if subs and not whole else None
        value = _trim(value, keep, drop)
        if value in (None, [], {}):
            continue
        out[key] = value
    return out


def page_of(
    docs: list[dict[str, Any]],
    query: Query,
    core_schema: str,
    request_only: frozenset[tuple[str, str]] = frozenset(),
) -> dict[str, Any]:
    """The ListResponse of one page of ``docs`` (all that match), projected as asked."""
    page = docs[query.start_index - 1 : query.start_index - 1 + query.count]
    return list_response(
        [project(doc, query, core_schema, request_only) for doc in page],
        len(docs),
        query.start_index,
    )


def _trim(value: Any, keep: set[str] | None, drop: set[str]) -> Any:
    if isinstance(value, list):
        return [_trim(item, keep, drop) for item in value]
    if not isinstance(value, dict) or (keep is None and not drop):
        return value
    return {
        k: v
        for k, v in value.items()
        if (keep is None or k.lower() in keep) and k.lower() not in drop
    }


def text_or_none(value: Any, name: str, max_length: int = 200) -> str | None:
    """A string attribute's value (stripped; "" is None), refused naming ``name``."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid_value(f"'{name}' must be a string.")
    value = value.strip()
    if len(value) > max_length:
        raise invalid_value(f"'{name}' is longer than {max_length} characters.")
    return value or None


def boolean(value: Any, name: str) -> bool:
    """A boolean, also as the strings Entra sends (``"False"``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise invalid_value(f"'{name}' must be true or false.")


def commit(session: Session, request_id: str | None) -> None:
    """Commit, naming the request on the audit rows of this change (the actor is None:
    an identity provider made it)."""
    for row in session.new:
        if isinstance(row, AuditRow) and row.request_id is None:
            row.request_id = request_id
    session.commit()
