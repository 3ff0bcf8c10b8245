"""Settings → Users: list, search, invite, roles, deactivation, password resets, keys."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
