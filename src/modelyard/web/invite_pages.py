"""The page an invited user opens from their one-time link to set a password."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
