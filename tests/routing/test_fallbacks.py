"""Routing through real HTTP: fallbacks on every fault kind, spreading, cooldowns, regions."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model, sdk
from tests.support import Workspace, ok
from tests.usage import stored_rows

HELLO = [{"role": "user", "content": "hello"}]


def _chain(ws: Workspace, primary: dict[str, Any], *fallbacks: dict[str, Any]) -> None:
    with ws.owner() as api:
        ok(
            api.put(
                f"/api/models/{primary['id']}/fallbacks",
                json={"fallbacks": [f["id"] for f in fallbacks]},
            )
        )


def _records(ws: Workspace, model_id: str) -> list[Any]:
    return stored_rows(ws.server, 1, workspace_id=ws.id, model_id=model_id)


FAULTS = ["fail-429", "fail-500", "fail-529", "fail-hang", "fail-401"]


@pytest.mark.parametrize(
    ("fault", "stream"),
    [(f, False) for f in [*FAULTS, "fail-garbage"]] + [(f, True) for f in FAULTS],
)
def test_fallback_on_each_fault(
    ws: Workspace, fake: FakeProvider, fault: str, stream: bool
) -> None:
    provider = "anthropic" if fault == "fail-529" else "openai"
    primary = add_model(ws, fake, provider=provider, identifier=fault, display_name="primary")
    backup = add_model(ws, fake, identifier=f"backup-{ws.id[-6:]}", display_name="backup")
    _chain(ws, primary, backup)
    client = sdk(ws)
    raw = client.chat.completions.with_raw_response.create(
        model=primary["slug"], messages=HELLO, stream=stream
    )  # type: ignore[call-overload]
    assert raw.headers["x-modelyard-model"] == backup["slug"]
    answer = raw.parse()
    text = (
        "".join(c.choices[0].delta.content or "" for c in answer if c.choices)
        if stream
        else answer.choices[0].message.content
    )
    assert text == "Echo: hello"
    (record,) = _records(ws, backup["id"])
    assert record.fallback_path[0].startswith(f"{primary['slug']}/")
    assert record.fallback_path[-1] == f"{backup['slug']}/{backup['deployments'][0]['id']}"


def test_maintenance_and_context_overflow_fall_back(ws: Workspace, fake: FakeProvider) -> None:
    paused = add_model(ws, fake, identifier="fake-model", maintenance=True, display_name="paused")
    small = add_model(
        ws,
        fake,
        identifier="fake-model",
        context_window=50,
        max_output_tokens=10,
        display_name="small",
    )
    big = add_model(ws, fake, identifier="fake-model", display_name="big")
    _chain(ws, paused, big)
    _chain(ws, small, big)
    client = sdk(ws)
    raw = client.chat.completions.with_raw_response.create(model=paused["slug"], messages=HELLO)
    assert raw.headers["x-modelyard-model"] == big["slug"]
    long = [{"role": "user", "content": "word " * 300}]
    raw = client.chat.completions.with_raw_response.create(model=small["slug"], messages=long)
    assert raw.headers["x-modelyard-model"] == big["slug"]


def test_no_fallback_means_a_clear_error(ws: Workspace, fake: FakeProvider) -> None:
    paused = add_model(ws, fake, identifier="fake-model", maintenance=True)
    with pytest.raises(openai.InternalServerError) as error:
        sdk(ws).chat.completions.create(model=paused["slug"], messages=HELLO)
    assert error.value.status_code == 503 and "maintenance" in error.value.message
    limited = add_model(ws, fake, identifier="fail-429")
    with pytest.raises(openai.RateLimitError) as error429:
        sdk(ws).chat.completions.create(model=limited["slug"], messages=HELLO)
    assert int(error429.value.response.headers["retry-after"]) >= 1


def test_fallbacks_stay_in_the_region_unless_allowed(ws: Workspace, fake: FakeProvider) -> None:
    eu = add_model(ws, fake, identifier="fail-500", region="EU", display_name="eu")
    us = add_model(ws, fake, identifier="fake-model", region="US", display_name="us")
    _chain(ws, eu, us)
    with pytest.raises(openai.APIStatusError) as error:
        sdk(ws).chat.completions.create(model=eu["slug"], messages=HELLO)
    assert error.value.status_code == 502
    with ws.owner() as api:
        ok(api.patch(f"/api/models/{eu['id']}", json={"allow_cross_region_fallback": True}))
    raw = sdk(ws).chat.completions.with_raw_response.create(model=eu["slug"], messages=HELLO)
    assert raw.headers["x-modelyard-model"] == us["slug"]


def test_calls_spread_over_deployments(ws: Workspace, fake: FakeProvider) -> None:
    identifier = f"spread-{ws.id[-6:]}"
    model = add_model(ws, fake, identifier=identifier, deployments=2)
    client = sdk(ws)
    used = [
        client.chat.completions.with_raw_response.create(
            model=model["slug"], messages=HELLO
        ).headers["x-modelyard-deployment"]
        for _ in range(6)
    ]
    ids = [d["id"] for d in model["deployments"]]
    assert sorted(used) == sorted(ids * 3)


def test_a_failing_deployment_cools_down(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake, identifier="fake-model")
    broken_key_model = add_model(ws, fake, identifier="fail-500")
    # Give the model a second, failing deployment (same key kind, fault identifier).
    with ws.owner() as api:
        key_id = broken_key_model["deployments"][0]["key_id"]
        bad = ok(
            api.post(
                f"/api/models/{model['id']}/deployments",
                json={"key_id": key_id, "model_identifier": "fail-500"},
            ),
            201,
        )
    fake.clear()
    client = sdk(ws)
    for _ in range(6):
        raw = client.chat.completions.with_raw_response.create(model=model["slug"], messages=HELLO)
        assert raw.headers["x-modelyard-deployment"] != bad["id"]
    failing_calls = [r for r in fake.requests() if "fail-500" in json.dumps(r.get("body"))]
    assert len(failing_calls) == 1  # tried once, then skipped while cooling down
