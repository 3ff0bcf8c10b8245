"""``/metrics`` counts the /v1 calls a real server answered: requests by status, durations,
tokens, cost and failed upstream attempts, exactly as many as were made (issue 17, item 3)."""

from __future__ import annotations

import secrets

import openai
import pytest

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model, close_clients, sdk
from tests.operations.metrics_scrape import delta, scrape, until, value
from tests.support import Workspace


def test_calls_move_the_counters_and_histograms(ws: Workspace, fake: FakeProvider) -> None:
    tag = secrets.token_hex(3)
    good = add_model(ws, fake, display_name=f"metrics ok {tag}")
    bad = add_model(ws, fake, identifier="fail-500", display_name=f"metrics bad {tag}")
    slug, bad_slug = good["slug"], bad["slug"]
    base = ws.server.base_url
    before = scrape(base)
    client = sdk(ws)
    answers = [
        client.chat.completions.create(model=slug, messages=[{"role": "user", "content": "a b"}])
        for _ in range(2)
    ]
    list(
        client.chat.completions.create(
            model=slug, messages=[{"role": "user", "content": "a b"}], stream=True
        )
    )
    with pytest.raises(openai.APIStatusError):
        client.chat.completions.create(model=bad_slug, messages=[{"role": "user", "content": "x"}])
    close_clients()

    ok_labels = {"endpoint": "chat", "model": slug, "status": "200"}
    after = until(
        lambda: scrape(base),
        lambda s: delta(before, s, "modelyard_requests_total", **ok_labels) >= 3,
    )
    assert delta(before, after, "modelyard_requests_total", **ok_labels) == 3
    failed = {"endpoint": "chat", "model": bad_slug, "status": "502"}
    assert delta(before, after, "modelyard_requests_total", **failed) == 1
    assert delta(before, after, "modelyard_requests_total", **{**failed, "status": "200"}) == 0

    pair = {"endpoint": "chat", "model": slug}
    assert delta(before, after, "modelyard_request_duration_seconds_count", **pair) == 3
    assert delta(before, after, "modelyard_request_duration_seconds_bucket", **pair, le="+Inf") == 3
    assert value(after, "modelyard_request_duration_seconds_sum", **pair) > 0
    counts = [
        value(after, "modelyard_request_duration_seconds_bucket", **pair, le=str(le))
        for le in (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
    ]
    assert counts == sorted(counts)  # cumulative buckets
    assert delta(before, after, "modelyard_request_duration_seconds_count", **failed) == 0
    bad_pair = {"endpoint": "chat", "model": bad_slug}
    assert delta(before, after, "modelyard_request_duration_seconds_count", **bad_pair) == 1

    plain_input = sum(a.usage.prompt_tokens for a in answers if a.usage)
    plain_output = sum(a.usage.completion_tokens for a in answers if a.usage)
    all_input = sum(
        delta(before, after, "modelyard_tokens_total", model=slug, type=kind)
        for kind in ("input", "cache_read", "cache_write")
    )
    output = delta(before, after, "modelyard_tokens_total", model=slug, type="output")
    # The stream reports the same usage as each plain call (tests/gateway/test_metering.py).
    assert all_input == plain_input * 3 / 2 and output == plain_output * 3 / 2
    assert delta(before, after, "modelyard_cost_usd_total", model=slug) > 0
    assert delta(before, after, "modelyard_cost_usd_total", model=bad_slug) == 0

    bad_deployment = bad["deployments"][0]["id"]
    errors = {"deployment": bad_deployment, "reason": "error"}
    assert delta(before, after, "modelyard_upstream_errors_total", **errors) == 1
    good_deployment = good["deployments"][0]["id"]
    assert not any(
        dict(labels).get("deployment") == good_deployment for _, labels in after
    )  # a deployment that never failed has no error series
    for name, labels in after:  # no user, key or workspace ids in any label of ours
        if name.startswith("modelyard_") and "budget" not in name:
            assert not {"user_id", "api_key_id", "workspace_id"} & {k for k, _ in labels}
            assert ws.owner_id not in {v for _, v in labels}
