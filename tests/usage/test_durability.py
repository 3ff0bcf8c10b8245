"""No usage is lost when a real ``modelyard serve`` is stopped (SIGTERM) or killed (SIGKILL)
while it answers concurrent chat calls.

Records do not carry the completion id, so the check is per user: the rows stored for a user
with status 200 must be at least the calls that user got a 200 answer for (a call cut off by the
kill may be recorded without its answer having arrived, never the other way round).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelyard.testing import FakeProvider
from tests.support import free_port, ok

USERS = 6
MIN_ANSWERED = 300  # calls answered before the signal: enough to be mid-load


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    env.update(
        MODELYARD_DATA_DIR=str(data_dir),
        MODELYARD_ALLOWED_UPSTREAM_HOSTS="127.0.0.1",
        MODELYARD_LOG_LEVEL="warning",
    )
    return env


def _modelyard(*args: str) -> list[str]:
    return [sys.executable, "-m", "modelyard", *args]


@contextlib.contextmanager
def serving(
    data_dir: Path, port: int, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """``modelyard serve`` in a subprocess, ready; killed at the end if still running."""
    log = (data_dir / f"serve-{time.monotonic_ns()}.log").open("wb")
    process = subprocess.Popen(
        _modelyard("serve", "--port", str(port)),
        env=env or _env(data_dir),
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, _tail(data_dir)
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        log.close()


def _tail(data_dir: Path) -> str:
    return "\n".join(p.read_text()[-3000:] for p in sorted(data_dir.glob("serve-*.log")))


def _set_up(data_dir: Path, fake: FakeProvider, base_url: str, owner_key: str) -> dict[str, str]:
    """A model on the fake and USERS members with keys, through the admin API: {user id: key}."""
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
            "display_name": "Load",
            "provider": "openai",
            "provider_model_name": "fake-load",
            "visible": True,
            "context_window": 100_000,
            "max_output_tokens": 1000,
            "input_price": 2,
            "output_price": 8,
        }
        model = ok(api.post("/api/models", json=body), 201)
        deployment = {"key_id": key["id"], "model_identifier": "fake-load"}
        ok(api.post(f"/api/models/{model['id']}/deployments", json=deployment), 201)
        users: dict[str, str] = {}
        for n in range(USERS):
            user = ok(api.post("/api/users", json={"email": f"load{n}@example.com"}), 201)
            issued = ok(api.post(f"/api/users/{user['id']}/api-keys", json={"name": "load"}), 201)
            users[user["id"]] = issued["key"]
    (data_dir / "slug").write_text(model["slug"])
    return users


class Load:
    """One thread per user, calling chat completions until the server goes away."""

    def __init__(self, base_url: str, users: dict[str, str], slug: str) -> None:
        self.answered: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._drive, args=(base_url, user, key, slug), daemon=True)
            for user, key in users.items()
        ]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        for thread in self._threads:
            thread.join(20)

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.answered.values())

    def _drive(self, base_url: str, user: str, key: str, slug: str) -> None:
        body = {"model": slug, "messages": [{"role": "user", "content": "how are you today"}]}
        headers = {"authorization": f"Bearer {key}"}
        with httpx.Client(base_url=base_url, headers=headers, timeout=15) as client:
            for _ in range(100_000):
                try:
                    response = client.post("/v1/chat/completions", json=body)
                except httpx.HTTPError:
                    return  # the server is gone
                if response.status_code == 200 and response.json()["choices"]:
                    with self._lock:
                        self.answered[user] += 1


def _stored(data_dir: Path) -> Counter[str]:
    """Rows with status 200 per user, read straight from the SQLite file."""
    with contextlib.closing(sqlite3.connect(data_dir / "modelyard.db")) as db:
        rows = db.execute(
            "SELECT user_id, COUNT(*) FROM usage_records WHERE status = 200 GROUP BY user_id"
        ).fetchall()
    return Counter({user: count for user, count in rows})


def _journal_lines(data_dir: Path) -> int:
    directory = data_dir / "usage-journal"
    return sum(len(p.read_bytes().splitlines()) for p in directory.glob("*.jsonl"))


def _under_load(
    tmp_path: Path, fake: FakeProvider, stop: signal.Signals
) -> tuple[Path, Counter[str], dict[str, Any]]:
    """Init, serve, set up, load, send ``stop`` mid-load, wait for the exit."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    init = subprocess.run(
        _modelyard("init", "--json"), env=_env(data_dir), capture_output=True, check=True
    )
    owner_key = json.loads(init.stdout)["owner_api_key"]
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with serving(data_dir, port) as process:
        users = _set_up(data_dir, fake, base_url, owner_key)
        with Load(base_url, users, (data_dir / "slug").read_text()) as load:
            deadline = time.monotonic() + 10
            while load.total < MIN_ANSWERED and time.monotonic() < deadline:
                time.sleep(0.01)
            process.send_signal(stop)
            code = process.wait(20)
        answered_at_signal = load.total
    facts = {"exit": code, "answered": answered_at_signal}
    return data_dir, load.answered, facts


def _lost(answered: Counter[str], stored: Counter[str]) -> int:
    return sum(max(0, count - stored[user]) for user, count in answered.items())


def test_sigterm_under_load_stores_every_answered_call(tmp_path: Path, fake: FakeProvider) -> None:
    data_dir, answered, facts = _under_load(tmp_path, fake, signal.SIGTERM)
    assert facts["exit"] in (0, -signal.SIGTERM), _tail(data_dir)
    assert sum(answered.values()) >= MIN_ANSWERED
    assert _lost(answered, _stored(data_dir)) == 0, (answered, _stored(data_dir))
    assert _journal_lines(data_dir) == 0  # drained by the lifespan shutdown, nothing left over
    assert not list((data_dir / "usage-journal").glob("*.pending"))  # no call left open
    assert "Traceback" not in _tail(data_dir)


def test_sigkill_under_load_loses_nothing_after_replay(
    tmp_path: Path, fake: FakeProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir, answered, facts = _under_load(tmp_path, fake, signal.SIGKILL)
    assert facts["exit"] == -signal.SIGKILL
    total = sum(answered.values())
    before_replay = _lost(answered, _stored(data_dir))
    in_journal = _journal_lines(data_dir)

    with serving(data_dir, free_port()) as process:  # the restart replays the journal
        process.send_signal(signal.SIGTERM)
        process.wait(20)
    lost = _lost(answered, _stored(data_dir))
    with capsys.disabled():
        print(
            f"\nSIGKILL: {total} calls answered, {before_replay} of them not yet in the database "
            f"at the kill ({in_journal} journal lines), {lost} lost after replay"
        )
    assert lost == 0, (answered, _stored(data_dir), _tail(data_dir))
    assert _journal_lines(data_dir) == 0
