"""Two ``modelyard serve`` replicas on one PostgreSQL: a user deactivated or deleted through
SCIM on replica A is refused by replica B within 2 s (B had the key cached, warm), and a SCIM
token revoked on A is refused by B on its next request."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.routing.test_budget_replicas import Replicas
from tests.routing.test_replicas import _env
from tests.scim.support import patch_ops
from tests.support import ok, postgres_database


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[str], str]]:
    with postgres_database() as database_url:
        env = _env(Path(tmp_path_factory.mktemp("scim-replicas")), database_url)
        init = subprocess.run(
            [sys.executable, "-m", "modelyard", "init", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        running = Replicas(env)
        running.start(2)
        try:
            yield running.urls, json.loads(init.stdout)["owner_api_key"]
        finally:
            running.stop()


def _refused_within(url: str, key: str, seconds: float) -> float:
    """How long replica ``url`` kept answering ``key`` on /v1/models (fails past ``seconds``)."""
    start = time.monotonic()
    with httpx.Client(base_url=url, headers={"authorization": f"Bearer {key}"}) as gateway:
        while True:
            status = gateway.get("/v1/models").status_code
            elapsed = time.monotonic() - start
            if status == 401:
                return elapsed
            assert status == 200, status
            assert elapsed < seconds, f"replica B still answers the key after {elapsed:.2f} s"
            time.sleep(0.05)


def test_deprovisioning_on_one_replica_reaches_the_other(replicas: tuple[list[str], str]) -> None:
    (url_a, url_b), owner_key = replicas
    owner = httpx.Client(base_url=url_a, headers={"authorization": f"Bearer {owner_key}"})
    with owner:
        token = ok(owner.post("/api/scim-tokens", json={"name": "idp"}), 201)
        scim_a = httpx.Client(
            base_url=url_a + "/scim/v2", headers={"authorization": f"Bearer {token['token']}"}
        )
        scim_b = httpx.Client(
            base_url=url_b + "/scim/v2", headers={"authorization": f"Bearer {token['token']}"}
        )
        with scim_a, scim_b:
            keys = {}
            for name in ("deactivated", "deleted"):
                user = ok(scim_a.post("/Users", json={"userName": f"{name}@example.com"}), 201)
                keys[name] = (
                    user["id"],
                    ok(owner.post(f"/api/users/{user['id']}/api-keys", json={"name": "k"}), 201)[
                        "key"
                    ],
                )
                with httpx.Client(
                    base_url=url_b, headers={"authorization": f"Bearer {keys[name][1]}"}
                ) as b:
                    assert b.get("/v1/models").status_code == 200  # B has the key now
            user_id, key = keys["deactivated"]
            ok(
                scim_a.patch(
                    f"/Users/{user_id}",
                    json=patch_ops({"op": "replace", "path": "active", "value": False}),
                )
            )
            _refused_within(url_b, key, 2.0)
            user_id, key = keys["deleted"]
            assert scim_a.delete(f"/Users/{user_id}").status_code == 204
            _refused_within(url_b, key, 2.0)
            assert scim_b.get(f"/Users/{user_id}").status_code == 404
            ok(owner.delete(f"/api/scim-tokens/{token['id']}"), 204)
            assert scim_b.get("/Users").status_code == 401
