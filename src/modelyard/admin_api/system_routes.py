"""``/healthz`` (``/api/audit`` is ``audit_routes``)."""

from __future__ import annotations

from fastapi import APIRouter

from modelyard.admin_api.deps import ServicesDep
from modelyard.admin_api.openapi import errors
from modelyard.app import database_answers
from modelyard.json_response import JSONBytesResponse

router = APIRouter(tags=["system"])


@router.get("/healthz", responses=errors(503))
def healthz(services: ServicesDep) -> JSONBytesResponse:
    """200 when the process and its database answer, 503 otherwise (``modelyard.app`` answers
    ``GET /healthz`` itself, before this app is built; this route serves other mounts)."""
    if not database_answers(services):
        return JSONBytesResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONBytesResponse({"status": "ok"})
