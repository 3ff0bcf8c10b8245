"""Two real servers on one PostgreSQL database: one reaches Redis, the other never does (its
Redis URL is a closed port). Through HTTP: the admitted tokens over both stay within the TPM
limit (the review measured 1.8x), and the silent one says so on /readyz, /metrics and to
admins on the web UI, in English and German.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
from pydantic import SecretStr

from modelyard.settings import Settings
from modelyard.testing import FakeProvider
from modelyard.workspace.bootstrap import create_workspace
from tests.support import (
    RunningServer,
    Workspace,
    create_chat_model,
    free_port,
    ok,
    postgres_database,
    running_server,
)
from tests.web.helpers import sign_in

# A database of its own on the shared Redis, so that no other test's servers count as replicas.
REDIS_DB = 13
SHARED_REDIS = f"redis://127.0.0.1:6379/{REDIS_DB}"
PASSWORD = "correct horse battery"


@dataclass
class Pair:
    healthy: RunningServer
    silent: RunningServer
    ws: Workspace
    owner_email: str


def _settings(data_dir: Path, database_url: str, redis_url: str) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key=SecretStr("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="),
        redis_url=redis_url,
        replicas=2,
        allowed_upstream_hosts=["127.0.0.1"],
        upstream_timeout=2.0,
    )


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with redis.Redis.from_url(SHARED_REDIS) as client:
        client.delete("modelyard:limiter:replicas")
    closed = f"redis://127.0.0.1:{free_port()}"  # nothing listens there
    with (
        postgres_database() as url,
        running_server(_settings(tmp_path_factory.mktemp("a"), url, SHARED_REDIS), "pg") as a,
        running_server(_settings(tmp_path_factory.mktemp("b"), url, closed), "pg") as b,
    ):
        email = f"owner-{secrets.token_hex(3)}@example.com"
        with a.services.session() as session:
            done = create_workspace(session, "Degraded", email, PASSWORD)
        yield Pair(a, b, Workspace(a, done.workspace_id, done.owner_id, done.owner_api_key), email)


def _limited_model(pair: Pair, fake: FakeProvider, tpm_limit: int) -> str:
    with pair.ws.owner() as api:
        body = {"name": "k", "provider": "openai", "secret": "sk-x-1", "base_url": fake.url + "/v1"}
        key = ok(api.post("/api/model-keys", json=body), 201)
        model = create_chat_model(api, f"Limited {secrets.token_hex(2)}", max_output_tokens=100)
        deployment = {"key_id": key["id"], "model_identifier": "m", "tpm_limit": tpm_limit}
        ok(api.post(f"/api/models/{model['id']}/deployments", json=deployment), 201)
    return str(model["slug"])


def _call(server: RunningServer, key: str, slug: str) -> httpx.Response:
    body = {"model": slug, "messages": [{"role": "user", "content": "word " * 30}]}
    with server.client(key) as api:
        return api.post("/v1/chat/completions", json=body | {"max_tokens": 10})


def test_a_never_reached_replica_and_a_healthy_one_admit_the_limit_together(
    pair: Pair, fake: FakeProvider
) -> None:
    limit = 600
    slug = _limited_model(pair, fake, limit)
    key = pair.ws.owner_key
    used, biggest, refused = 0, 0, {"healthy": 0, "silent": 0}
    for _ in range(60):  # more than twice the limit's worth of calls
        for name, server in (("healthy", pair.healthy), ("silent", pair.silent)):
            response = _call(server, key, slug)
            if response.status_code == 404:  # not yet seen by the other replica (< 1 s)
                continue
            if response.status_code == 429:
                refused[name] += 1
                assert 1 <= int(response.headers["retry-after"]) <= 60
                continue
            tokens = ok(response)["usage"]["total_tokens"]
            used, biggest = used + tokens, max(biggest, tokens)
    assert refused["healthy"] and refused["silent"]  # each hit its half
    assert limit * 0.8 <= used <= limit + 2 * biggest  # one request over, at most, per store


def test_the_silent_replica_is_not_ready_and_says_why(pair: Pair) -> None:
    with pair.silent.client() as silent, pair.healthy.client() as healthy:
        answer = silent.get("/readyz")
        assert answer.status_code == 503
        assert answer.json() == {
            "status": "unavailable",
            "database": "ok",
            "redis": "unreachable",
            "limits": "degraded",
            "limits_share": "1/2",
            "budgets": "degraded",
        }
        assert ok(healthy.get("/readyz")) == {
            "status": "ok",
            "database": "ok",
            "redis": "ok",
            "limits": "shared",
            "budgets": "shared",
        }
        assert silent.get("/healthz").status_code == 200  # alive, only not ready


def test_the_metric_shows_the_degraded_limiter(pair: Pair) -> None:
    with pair.silent.client() as silent, pair.healthy.client() as healthy:
        scraped = silent.get("/metrics")
        assert scraped.status_code == 200
        assert scraped.headers["content-type"].startswith("text/plain")
        assert "\nmodelyard_limiter_degraded 1.0\n" in scraped.text
        assert "\nmodelyard_limiter_degraded 0.0\n" in healthy.get("/metrics").text


def test_admins_see_the_warning_in_their_language(pair: Pair) -> None:
    with httpx.Client(base_url=pair.silent.base_url) as browser:
        assert sign_in(browser, pair.owner_email, PASSWORD).status_code == 303
        page = browser.get("/settings/models").text
        assert 'role="alert">Redis is unreachable from this server' in page
        with pair.ws.owner() as api:
            ok(api.patch("/api/me", json={"language": "de"}))
        page = browser.get("/settings/models").text
        assert 'role="alert">Redis ist von diesem Server aus nicht erreichbar' in page
    with httpx.Client(base_url=pair.healthy.base_url) as browser:
        assert sign_in(browser, pair.owner_email, PASSWORD).status_code == 303
        assert 'role="alert"' not in browser.get("/settings/models").text


def test_members_see_no_warning(pair: Pair) -> None:
    email = f"member-{secrets.token_hex(3)}@example.com"
    with pair.ws.owner() as api:
        body = {"email": email, "role": "member", "password": PASSWORD}
        ok(api.post("/api/users", json=body), 201)
    with httpx.Client(base_url=pair.silent.base_url) as browser:
        assert sign_in(browser, email, PASSWORD).status_code == 303
        assert 'role="alert"' not in browser.get("/").text


def test_budgets_on_the_silent_replica_fail_closed_and_say_so(
    pair: Pair, fake: FakeProvider
) -> None:
    slug = _limited_model(pair, fake, tpm_limit=1_000_000)
    with pair.ws.owner() as api:
        body = {"scope": "workspace", "amount_usd": "50", "period": "month"}
        budget = ok(api.post("/api/budgets", json=body), 201)
    chat = {"model": slug, "messages": [{"role": "user", "content": "hi"}]}
    headers = {"authorization": f"Bearer {pair.ws.owner_key}"}
    with pair.healthy.client() as healthy, pair.silent.client() as silent:
        assert healthy.post("/v1/chat/completions", json=chat, headers=headers).status_code == 200
        # Never seen in Redis and no share known: refused, not admitted without a bound
        # (once the silent replica has loaded the new model: it polls every second).
        deadline = time.monotonic() + 5
        while True:
            refused = silent.post("/v1/chat/completions", json=chat, headers=headers)
            if refused.status_code != 404 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert refused.status_code == 429, refused.text
        assert refused.json()["error"]["code"] == "budget_exceeded"
        assert "\nmodelyard_budgets_degraded 1.0\n" in silent.get("/metrics").text
        scraped = healthy.get("/metrics").text
        assert "\nmodelyard_budgets_degraded 0.0\n" in scraped
        (line,) = [row for row in scraped.splitlines() if f'budget_id="{budget["id"]}"' in row]
        assert line.startswith("modelyard_budget_spent_ratio{") and 'scope="workspace"' in line
        assert 0.0 <= float(line.rsplit(" ", 1)[1]) < 1.0
    with pair.ws.owner() as api:
        ok(api.patch("/api/me", json={"language": "en"}))
    with httpx.Client(base_url=pair.silent.base_url) as browser:
        assert sign_in(browser, pair.owner_email, PASSWORD).status_code == 303
        page = browser.get("/settings/models").text
    assert "Budgets cannot be shared through Redis from this server" in page
    with pair.ws.owner() as api:
        ok(api.delete(f"/api/budgets/{budget['id']}"))
