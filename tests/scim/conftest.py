"""SCIM tests: a SCIM client on the running server for a fresh workspace."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.support import Workspace, ok

SCIM_JSON = "application/scim+json"


@dataclass
class Scim:
    ws: Workspace
    token: str
    token_id: str

    def client(self, token: str | None = None) -> httpx.Client:
        token = self.token if token is None else token
        headers = {"content-type": SCIM_JSON}
        if token:
            headers["authorization"] = f"Bearer {token}"
        return httpx.Client(
            base_url=self.ws.server.base_url + "/scim/v2", headers=headers, timeout=30
        )


def new_scim(ws: Workspace) -> Scim:
    with ws.owner() as api:
        issued = ok(api.post("/api/scim-tokens", json={"name": "idp"}), 201)
    return Scim(ws, issued["token"], issued["id"])


@pytest.fixture
def scim(ws: Workspace) -> Scim:
    return new_scim(ws)


@pytest.fixture
def api(scim: Scim) -> Iterator[httpx.Client]:
    """A SCIM client with the workspace's token."""
    with scim.client() as client:
        yield client
