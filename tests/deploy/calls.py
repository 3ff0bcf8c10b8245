"""Calls through the balancer, many at once, each with an x-request-id of its own, and the
usage rows they left."""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from modelyard.storage.engine import make_engine
from modelyard.storage.tables import UsageRow
from modelyard.testing import FakeProvider
from tests.gateway.setup import BASE_MODEL
from tests.support import ok

MAX_TOKENS = 20


@dataclass(frozen=True)
class Outcome:
    """One call: its id, the HTTP status (None: no answer at all) and whether the answer came
    whole (a JSON completion, or a stream up to ``[DONE]``)."""

    request_id: str
    status: int | None
    whole: bool
    error_type: str | None = None

    @property
    def answered(self) -> bool:
        return self.status == 200 and self.whole


async def call(
    client: httpx.AsyncClient, key: str, slug: str, request_id: str, stream: bool = False
) -> Outcome:
    body: dict[str, Any] = {
        "model": slug,
        "messages": [{"role": "user", "content": f"hello {request_id}"}],
        "max_tokens": MAX_TOKENS,
        "stream": stream,
    }
    headers = {"authorization": f"Bearer {key}", "x-request-id": request_id}
    try:
        async with client.stream(
            "POST", "/v1/chat/completions", json=body, headers=headers
        ) as response:
            raw = await response.aread()
    except httpx.HTTPError:
        return Outcome(request_id, None, False)
    if response.status_code != 200:
        error = None
        if response.headers.get("content-type", "").startswith("application/json"):
            error = response.json().get("error", {}).get("type")
        return Outcome(request_id, response.status_code, False, error)
    if stream:
        return Outcome(request_id, 200, raw.rstrip().endswith(b"data: [DONE]"))
    return Outcome(request_id, 200, b'"choices"' in raw)


async def wave(
    base_url: str, key: str, slug: str, prefix: str, count: int, stream: bool = False
) -> list[Outcome]:
    """``count`` calls at once, each on a connection of its own."""
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        return await asyncio.gather(
            *(call(client, key, slug, f"{prefix}-{i:03d}", stream) for i in range(count))
        )


def add_model(
    base_url: str, owner_key: str, fake: FakeProvider, identifier: str, tpm_limit: int | None
) -> dict[str, Any]:
    """A priced model with one deployment on the fake, through the balancer's admin API."""
    headers = {"authorization": f"Bearer {owner_key}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as api:
        key = ok(
            api.post(
                "/api/model-keys",
                json={
                    "name": f"fake {secrets.token_hex(2)}",
                    "provider": "openai",
                    "secret": "sk-deploy-test",
                    "base_url": fake.url + "/v1",
                },
            ),
            201,
        )
        body = {
            "kind": "completion",
            "display_name": f"deploy {identifier}",
            "provider": "openai",
            "provider_model_name": identifier,
            "visible": True,
            **BASE_MODEL["completion"],
        }
        model: dict[str, Any] = ok(api.post("/api/models", json=body), 201)
        deployment: dict[str, Any] = {"key_id": key["id"], "model_identifier": identifier}
        if tpm_limit is not None:
            deployment["tpm_limit"] = tpm_limit
        ok(api.post(f"/api/models/{model['id']}/deployments", json=deployment), 201)
    return model


def wait_listed(urls: list[str], key: str, slug: str) -> None:
    """Until every replica serves the model (admin changes reach each within a second)."""
    for url in urls:
        deadline = time.monotonic() + 5
        while True:
            listed = httpx.get(url + "/v1/models", headers={"authorization": f"Bearer {key}"})
            if slug in {m["id"] for m in listed.json()["data"]}:
                break
            assert time.monotonic() < deadline, f"{slug} did not reach {url}"
            time.sleep(0.05)


@dataclass(frozen=True)
class Row:
    request_id: str
    status: int
    outcome: str | None
    tokens: int
    cost_usd: Decimal


def usage_rows(database_url: str, model_ids: list[str]) -> list[Row]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                select(
                    UsageRow.request_id,
                    UsageRow.status,
                    UsageRow.outcome,
                    UsageRow.input_tokens + UsageRow.output_tokens,
                    UsageRow.cost_usd,
                ).where(UsageRow.model_id.in_(model_ids))
            ).all()
    finally:
        engine.dispose()
    return [Row(str(r[0]), r[1], r[2], r[3], Decimal(r[4])) for r in found]


def rows_once_stored(database_url: str, model_ids: list[str], expected: int) -> list[Row]:
    """The models' usage rows once ``expected`` are stored (written in batches, off the
    request path), or what is there after 15 s."""
    deadline = time.monotonic() + 15
    while True:
        rows = usage_rows(database_url, model_ids)
        if len(rows) >= expected or time.monotonic() > deadline:
            return rows
        time.sleep(0.1)
