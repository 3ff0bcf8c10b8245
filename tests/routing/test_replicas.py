"""Two ``modelyard serve`` processes on one PostgreSQL + Redis behave as one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from modelyard.testing import FakeProvider
from tests.support import free_port, ok, postgres_database

REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass
class Cluster:
    urls: list[str]
    owner_key: str


def _env(data_dir: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    env.update(
        MODELYARD_DATA_DIR=str(data_dir),
        MODELYARD_DATABASE_URL=database_url,
        MODELYARD_REDIS_URL=REDIS_URL,
        MODELYARD_ALLOWED_UPSTREAM_HOSTS="127.0.0.1",
        MODELYARD_SECRET_KEY="QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=",
    )
    return env


def _wait_healthy(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not start")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with postgres_database() as database_url:
        env = _env(tmp_path_factory.mktemp("replicas"), database_url)
        init = subprocess.run(
            [sys.executable, "-m", "modelyard", "init", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        owner_key = json.loads(init.stdout)["owner_api_key"]
        processes, urls = [], []
        try:
            for _ in range(2):
                port = free_port()
                processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "modelyard", "serve", "--port", str(port)],
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
                urls.append(f"http://127.0.0.1:{port}")
            for url in urls:
                _wait_healthy(url)
            yield Cluster(urls, owner_key)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(20)


def _setup_model(cluster: Cluster, fake: FakeProvider, tpm_limit: int) -> tuple[str, str]:
    auth = {"authorization": f"Bearer {cluster.owner_key}"}
    with httpx.Client(base_url=cluster.urls[0], headers=auth) as api:
        key = ok(
            api.post(
                "/api/model-keys",
                json={
                    "name": "k",
                    "provider": "openai",
                    "secret": "sk-x-1234",
                    "base_url": fake.url + "/v1",
                },
            ),
            201,
        )
        model = ok(
            api.post(
                "/api/models",
                json={
                    "kind": "completion",
                    "display_name": "Shared",
                    "provider": "openai",
                    "provider_model_name": "fake-model",
                    "context_window": 10000,
                    "max_output_tokens": 100,
                    "visible": True,
                },
            ),
            201,
        )
        ok(
            api.post(
                f"/api/models/{model['id']}/deployments",
                json={
                    "key_id": key["id"],
                    "model_identifier": f"shared-{model['id']}",
                    "tpm_limit": tpm_limit,
                },
            ),
            201,
        )
    slug = str(model["slug"])
    for url in cluster.urls:  # a change reaches other replicas within a second
        _wait_until_listed(url, cluster.owner_key, slug)
    return slug, str(model["id"])


def _wait_until_listed(url: str, key: str, slug: str) -> None:
    deadline = time.monotonic() + 2
    while True:
        listed = httpx.get(f"{url}/v1/models", headers={"authorization": f"Bearer {key}"}).json()
        if slug in {m["id"] for m in listed["data"]}:
            return
        assert time.monotonic() < deadline, f"{slug} did not reach {url}"
        time.sleep(0.05)


def test_admin_changes_reach_every_replica_within_a_second(
    cluster: Cluster, fake: FakeProvider
) -> None:
    slug, model_id = _setup_model(cluster, fake, 1_000_000)
    auth = {"authorization": f"Bearer {cluster.owner_key}"}
    body = {"model": slug, "messages": [{"role": "user", "content": "hi"}]}
    with httpx.Client(base_url=cluster.urls[1], headers=auth) as other:
        assert ok(other.post("/v1/chat/completions", json=body))["choices"]
        with httpx.Client(base_url=cluster.urls[0], headers=auth) as api:
            ok(api.patch(f"/api/models/{model_id}", json={"maintenance": True}))
        changed_at = time.monotonic()
        while other.post("/v1/chat/completions", json=body).status_code != 503:
            assert time.monotonic() - changed_at < 1.5, "the change did not reach the other replica"
            time.sleep(0.05)


def test_tpm_limit_is_shared_across_replicas(cluster: Cluster, fake: FakeProvider) -> None:
    limit = 600
    slug, _ = _setup_model(cluster, fake, limit)
    auth = {"authorization": f"Bearer {cluster.owner_key}"}
    text = "word " * 40

    def call(index: int) -> httpx.Response:
        with httpx.Client(base_url=cluster.urls[index % 2], headers=auth, timeout=30) as api:
            return api.post(
                "/v1/chat/completions",
                json={
                    "model": slug,
                    "messages": [{"role": "user", "content": text}],
                    "max_tokens": 10,
                },
            )

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(call, range(40)))
    answered = [r for r in responses if r.status_code == 200]
    assert answered and len(answered) < 40
    assert {r.status_code for r in responses} <= {200, 429}
    used = sum(r.json()["usage"]["total_tokens"] for r in answered)
    assert used <= limit + max(r.json()["usage"]["total_tokens"] for r in answered)
