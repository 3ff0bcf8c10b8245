"""POST/DELETE /api/scim-tokens: the owner's bearer tokens for SCIM provisioning."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["identity"])
