"""Model lifecycle: deprecated or removed catalog entries, what depends on them, the successor."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
