"""SIGKILL while calls wait on the provider: a real ``modelyard serve`` (SQLite and PostgreSQL)
has 200 chat calls (streamed and not) at a fake upstream that never answers when it is killed;
after the next start every one of them has a row with outcome ``unknown_outcome``, status 500,
and the reserved estimate as tokens, priced at the model's prices."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from modelyard.storage.engine import make_engine
from modelyard.storage.tables import UsageRow
from modelyard.testing import FakeProvider
from tests.support import free_port, ok, postgres_database
from tests.usage import test_durability as durability

CALLS = 200
MAX_TOKENS = 300


@contextlib.contextmanager
def _database(backend: str, data_dir: Path) -> Iterator[str | None]:
    if backend == "sqlite":
        yield None
        return
    with postgres_database() as url:
        yield url


def _serve_env(data_dir: Path, url: str | None) -> dict[str, str]:
    env = durability._env(data_dir)
    if url is not None:
        env["MODELYARD_DATABASE_URL"] = url
    return env


def _set_up(base_url: str, owner_key: str, fake: FakeProvider, identifier: str) -> tuple[str, str]:
    """A priced model whose deployment hangs, and a member's key: (slug, key)."""
    with httpx.Client(
        base_url=base_url, headers={"authorization": f"Bearer {owner_key}"}, timeout=10
    ) as api:
        key = ok(
            api.post(
                "/api/model-keys",
                json={
                    "name": "fake",
                    "provider": "openai",
                    "secret": "sk-fake-0000",
                    "base_url": fake.url + "/v1",
                },
            ),
            201,
        )
        body = {
            "kind": "completion",
            "display_name": "Hang",
            "provider": "openai",
            "provider_model_name": "fake-hang",
            "visible": True,
            "context_window": 100_000,
            "max_output_tokens": 1000,
            "input_price": 2,
            "output_price": 8,
        }
        model = ok(api.post("/api/models", json=body), 201)
        deployment = {"key_id": key["id"], "model_identifier": identifier}
        ok(api.post(f"/api/models/{model['id']}/deployments", json=deployment), 201)
        user = ok(api.post("/api/users", json={"email": "hang@example.com"}), 201)
        issued = ok(api.post(f"/api/users/{user['id']}/api-keys", json={"name": "h"}), 201)
    return model["slug"], issued["key"]


def _send_all(base_url: str, key: str, slug: str, stop: threading.Event) -> None:
    """CALLS concurrent chat calls (every other one streamed); they end when the server dies."""

    async def one(client: httpx.AsyncClient, n: int) -> None:
        body = {
            "model": slug,
            "messages": [{"role": "user", "content": f"call number {n} " + "x" * 400}],
            "max_tokens": MAX_TOKENS,
            "stream": n % 2 == 0,
        }
        with contextlib.suppress(httpx.HTTPError):
            await client.post("/v1/chat/completions", json=body)

    async def run() -> None:
        limits = httpx.Limits(max_connections=CALLS + 10)
        headers = {"authorization": f"Bearer {key}", "x-request-id": "kill-test"}
        async with httpx.AsyncClient(
            base_url=base_url, headers=headers, timeout=60, limits=limits
        ) as client:
            await asyncio.gather(*(one(client, n) for n in range(CALLS)))

    asyncio.run(run())
    stop.set()


def _rows(data_dir: Path, url: str | None) -> list[UsageRow]:
    engine = make_engine(url or f"sqlite:///{data_dir / 'modelyard.db'}")
    try:
        with engine.connect() as connection:
            return list(connection.execute(select(UsageRow)).all())  # type: ignore[arg-type]
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_sigkill_while_calls_wait_on_the_provider_records_each_as_unknown_outcome(
    tmp_path: Path, fake: FakeProvider, backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    identifier = f"fail-hang-{secrets.token_hex(4)}"
    with _database(backend, data_dir) as url:
        env = _serve_env(data_dir, url)
        init = subprocess.run(
            durability._modelyard("init", "--json"), env=env, capture_output=True, check=True
        )
        owner_key = json.loads(init.stdout)["owner_api_key"]
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        with durability.serving(data_dir, port, env) as process:
            slug, key = _set_up(base_url, owner_key, fake, identifier)
            done = threading.Event()
            sender = threading.Thread(
                target=_send_all, args=(base_url, key, slug, done), daemon=True
            )
            sender.start()
            deadline = time.monotonic() + 30
            waiting = 0
            while waiting < CALLS and time.monotonic() < deadline:
                time.sleep(0.05)
                waiting = sum(
                    1 for r in fake.requests() if (r.get("body") or {}).get("model") == identifier
                )
            assert waiting == CALLS, waiting  # every call is at the upstream, none answered
            process.send_signal(signal.SIGKILL)
            assert process.wait(20) == -signal.SIGKILL
            sender.join(30)
        pending_files = len(list((data_dir / "usage-journal").glob("*.pending")))
        assert _rows(data_dir, url) == []  # nothing had ended

        with durability.serving(data_dir, free_port(), env) as process:  # replays
            process.send_signal(signal.SIGTERM)
            assert process.wait(20) in (0, -signal.SIGTERM)
        rows = _rows(data_dir, url)
        with capsys.disabled():
            print(
                f"\nSIGKILL ({backend}) with {CALLS} calls at the upstream: {len(rows)} rows "
                f"after replay, from {pending_files} pending file(s)"
            )
        assert len(rows) == CALLS and len({r.id for r in rows}) == CALLS
        assert {r.outcome for r in rows} == {"unknown_outcome"}
        assert {r.status for r in rows} == {500}
        assert {r.stream for r in rows} == {True, False}
        assert {r.request_id for r in rows} in ({"kill-test"}, {None})  # None until the scope key
        for row in rows:
            assert row.output_tokens == MAX_TOKENS and row.input_tokens > 100
            expected = (row.input_tokens * 2 + row.output_tokens * 8) / Decimal(1_000_000)
            assert row.cost_usd == expected and row.cost_usd > 0
            assert row.deployment_id and row.model_slug == slug and row.latency_ms == 0
        assert not list((data_dir / "usage-journal").glob("*.pending"))
        assert not list((data_dir / "usage-journal").glob("*.jsonl"))
