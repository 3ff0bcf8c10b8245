"""A model's own page: every field editable, deployments, fallbacks, flags, delete, numbers."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
