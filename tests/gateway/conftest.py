from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.gateway.setup import close_clients


@pytest.fixture(autouse=True)
def _close_sdk_clients() -> Iterator[None]:
    yield
    close_clients()
