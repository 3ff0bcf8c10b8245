"""Workspace Settings -> Audit log: who changed what, newest first, filtered by actor, action,
target type and dates, a page at a time ("Older" follows the cursor), and the CSV of every
matching entry. In English and German (``i18n``, by the admin's language).

Filters, limits and cursors go through ``workspace.audit_query`` as on ``/api/audit``, so a bad
one is refused in the same words, next to its field, with the API's status (422). The CSV is
the API's own writer (``workspace.audit_csv``) under the browser's session.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from modelyard.errors import ModelyardError
from modelyard.web import i18n
from modelyard.web.auth import AdminUserDep, WebUser
from modelyard.web.pages import field_errors, render, services_of
from modelyard.workspace import audit_csv, audit_query, users
from modelyard.workspace.audit_query import AuditFilter

router = APIRouter(include_in_schema=False)

PAGE = "/settings/audit"
PAGE_SIZE = 50
FILTERS = ("actor_id", "action", "target_type", "from", "to")


def _values(request: Request) -> dict[str, str]:
    """The filters as the admin typed them (echoed into the form and the links)."""
    return {name: request.query_params.get(name, "").strip() for name in FILTERS}


def _filter(values: dict[str, str]) -> AuditFilter:
    return AuditFilter.parse(
        actor_id=values["actor_id"],
        action=values["action"],
        target_type=values["target_type"],
        start=values["from"],
        end=values["to"],
    )


def _link(path: str, values: dict[str, str], **extra: str) -> str:
    params = {name: value for name, value in values.items() if value} | extra
    return f"{path}?{urlencode(params)}" if params else path


def _page(
    request: Request,
    user: WebUser,
    values: dict[str, str],
    context: dict[str, Any],
    status: int = 200,
) -> Response:
    with services_of(request).session() as db:
        people = users.list_users(db, user.actor)
        actions, target_types = audit_query.filter_choices(db, user.actor)
    full = {
        "t": i18n.texts(user.language),
        "values": values,
        "people": [(person.id, person.email) for person in people],
        "actions": [(action, action) for action in actions],
        "target_types": [(kind, kind) for kind in target_types],
        "entries": [],
        "older_url": None,
        "newest_url": None,
        "csv_url": _link(PAGE + "/export.csv", values),
    } | context
    return render(request, "audit.html", full, status_code=status)


@router.get(PAGE)
def audit_page(request: Request, user: AdminUserDep) -> Response:
    values = _values(request)
    cursor = request.query_params.get("cursor") or None
    limit_text = request.query_params.get("limit") or None
    try:
        filt = _filter(values)
        limit = audit_query.parse_limit(limit_text or PAGE_SIZE)
        with services_of(request).session() as db:
            found = audit_query.page(db, user.actor, filt, limit, cursor)
    except ModelyardError as exc:
        return _page(
            request, user, values, {"errors": field_errors(exc, user.language)}, status=exc.status
        )
    sized = {"limit": limit_text} if limit_text else {}
    context: dict[str, Any] = {"entries": found.entries}
    if found.next_cursor is not None:
        context["older_url"] = _link(PAGE, values, **sized, cursor=found.next_cursor)
    if cursor is not None:
        context["newest_url"] = _link(PAGE, values, **sized)
    return _page(request, user, values, context)


@router.get(PAGE + "/export.csv")
def audit_csv_download(request: Request, user: AdminUserDep) -> Response:
    values = _values(request)
    try:
        filt = _filter(values)
    except ModelyardError as exc:
        return _page(
            request, user, values, {"errors": field_errors(exc, user.language)}, status=exc.status
        )
    return StreamingResponse(
        audit_csv.csv_chunks(services_of(request).session, user.actor, filt),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{audit_csv.file_name(filt)}"'},
    )
