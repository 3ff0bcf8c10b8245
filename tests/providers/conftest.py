"""Fixtures of the wire-format tests; the fake provider is the session's (tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """A plain client for sending built requests straight to the fake."""
    with httpx.Client(timeout=10) as client:
        yield client
