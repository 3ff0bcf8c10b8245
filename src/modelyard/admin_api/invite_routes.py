"""Invites: a one-time link for a new user to set their password (filled by the users-page work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["identity"])
