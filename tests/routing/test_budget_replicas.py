"""Two ``modelyard serve`` replicas on one PostgreSQL + Redis share a budget (issue 13, item 6):
100 concurrent calls, half on each, pass it by at most one call's reservation; and the spend
survives a restart of every replica with the budget's Redis keys deleted."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import create_engine, select

from modelyard.storage.tables import UsageRow
from modelyard.testing import FakeProvider
from tests.routing.test_replicas import REDIS_URL, _env, _wait_healthy
from tests.support import free_port, ok, postgres_database

AMOUNT = Decimal("0.002")  # about ten calls of the prompt below


class Replicas:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.processes: list[subprocess.Popen[bytes]] = []
        self.urls: list[str] = []

    def start(self, count: int) -> None:
        for _ in range(count):
            port = free_port()
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "modelyard", "serve", "--port", str(port)],
                    env=self.env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            self.urls.append(f"http://127.0.0.1:{port}")
        for url in self.urls:
            _wait_healthy(url)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(20)
        self.processes, self.urls = [], []


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Replicas, str, str]]:
    with postgres_database() as database_url:
        env = _env(Path(tmp_path_factory.mktemp("budget-replicas")), database_url)
        init = subprocess.run(
            [sys.executable, "-m", "modelyard", "init", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        replicas = Replicas(env)
        replicas.start(2)
        try:
            yield replicas, json.loads(init.stdout)["owner_api_key"], database_url
        finally:
            replicas.stop()


def _model_and_budget(url: str, owner_key: str, fake: FakeProvider) -> tuple[str, str]:
    auth = {"authorization": f"Bearer {owner_key}"}
    with httpx.Client(base_url=url, headers=auth) as api:
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
                    "display_name": "Priced",
                    "provider": "openai",
                    "provider_model_name": "fake-model",
                    "context_window": 10000,
                    "max_output_tokens": 100,
                    "input_price": 2,
                    "output_price": 8,
                    "visible": True,
                },
            ),
            201,
        )
        ok(
            api.post(
                f"/api/models/{model['id']}/deployments",
                json={"key_id": key["id"], "model_identifier": "fake-model"},
            ),
            201,
        )
        budget = ok(
            api.post(
                "/api/budgets",
                json={"scope": "workspace", "amount_usd": str(AMOUNT), "period": "total"},
            ),
            201,
        )
    return str(model["slug"]), str(budget["id"])


def _call(url: str, key: str, slug: str) -> httpx.Response:
    body: dict[str, Any] = {
        "model": slug,
        "messages": [{"role": "user", "content": "word " * 40}],
        "max_tokens": 10,
    }
    with httpx.Client(base_url=url, headers={"authorization": f"Bearer {key}"}, timeout=30) as c:
        return c.post("/v1/chat/completions", json=body)


def _admitted(database_url: str, slug: str) -> list[Decimal]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(UsageRow.cost_usd).where(UsageRow.model_slug == slug, UsageRow.status == 200)
            )
            return [Decimal(cost) for (cost,) in rows]
    finally:
        engine.dispose()


def _wait_stored(database_url: str, slug: str, count: int) -> list[Decimal]:
    deadline = time.monotonic() + 10
    while True:
        costs = _admitted(database_url, slug)
        if len(costs) >= count or time.monotonic() > deadline:
            return costs
        time.sleep(0.1)


def test_two_replicas_pass_a_budget_by_at_most_one_reservation(
    setup: tuple[Replicas, str, str], fake: FakeProvider
) -> None:
    replicas, owner_key, database_url = setup
    slug, budget_id = _model_and_budget(replicas.urls[0], owner_key, fake)
    for url in replicas.urls:  # the budget reached both (a change shows within a second)
        _wait_refusing_or_answering(url, owner_key, slug)
    with ThreadPoolExecutor(20) as pool:
        responses = list(
            pool.map(lambda i: _call(replicas.urls[i % 2], owner_key, slug), range(100))
        )
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {200, 429}
    answered = [r for r in responses if r.status_code == 200]
    refused = [r for r in responses if r.status_code == 429]
    assert answered and refused
    assert all(r.json()["error"]["type"] == "budget_exceeded" for r in refused)
    costs = _wait_stored(database_url, slug, len(answered))
    assert len(costs) == len(answered)
    # One call's reservation: 50-odd prompt tokens at 2 USD and 10 output tokens at 8 USD per
    # million (about 0.00018 USD); the real cost of a call is never more.
    reservation = max(costs) * 2
    assert sum(costs) <= AMOUNT + reservation

    # Every replica restarts and the budget's Redis keys are gone: the spend is read back
    # from the usage records, so the budget stays exhausted.
    replicas.stop()
    with redis.Redis.from_url(REDIS_URL) as client:
        keys = list(client.scan_iter(match=f"*budget:*:{budget_id}:*"))
        assert keys
        client.delete(*keys)
    replicas.start(2)
    for url in replicas.urls:
        response = _call(url, owner_key, slug)
        assert response.status_code == 429, response.text
        assert response.json()["error"]["type"] == "budget_exceeded"


def _wait_refusing_or_answering(url: str, key: str, slug: str) -> None:
    deadline = time.monotonic() + 3
    while True:
        listed = httpx.get(f"{url}/v1/models", headers={"authorization": f"Bearer {key}"}).json()
        if slug in {m["id"] for m in listed["data"]}:
            return
        assert time.monotonic() < deadline, f"{slug} did not reach {url}"
        time.sleep(0.05)
