"""TPM limits and image quotas as callers meet them: through the gateway, under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model
from tests.support import Workspace, ok


def _chat(ws: Workspace, slug: str, text: str) -> httpx.Response:
    with ws.server.client(ws.owner_key) as api:
        return api.post(
            "/v1/chat/completions",
            json={"model": slug, "messages": [{"role": "user", "content": text}], "max_tokens": 10},
        )


def test_tpm_limit_admits_no_more_than_the_limit_plus_one_request(
    ws: Workspace, fake: FakeProvider
) -> None:
    limit = 400
    model = add_model(ws, fake, identifier=f"tpm-{ws.id[-6:]}")
    with ws.owner() as api:
        ok(
            api.patch(
                f"/api/deployments/{model['deployments'][0]['id']}", json={"tpm_limit": limit}
            )
        )
    text = "word " * 40  # about 50 prompt tokens + 10 output reserved per call
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda _: _chat(ws, model["slug"], text), range(24)))
    answered = [r for r in responses if r.status_code == 200]
    refused = [r for r in responses if r.status_code == 429]
    assert len(answered) + len(refused) == 24 and answered and refused
    used = sum(r.json()["usage"]["total_tokens"] for r in answered)
    biggest = max(r.json()["usage"]["total_tokens"] for r in answered)
    assert used <= limit + biggest
    assert all(int(r.headers["retry-after"]) >= 1 for r in refused)
    assert "limit" in refused[0].json()["error"]["message"]


def test_image_quota_holds_under_concurrency(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(
        ws,
        fake,
        kind="image",
        identifier="dall-e-3",
        max_images_per_user={"count": 5, "window_hours": 3},
    )

    def generate(_: int) -> httpx.Response:
        with ws.server.client(ws.owner_key) as api:
            return api.post("/v1/images/generations", json={"model": model["slug"], "prompt": "x"})

    with ThreadPoolExecutor(20) as pool:
        responses = list(pool.map(generate, range(20)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 5 + [429] * 15
    refused = next(r for r in responses if r.status_code == 429)
    assert "resets" in refused.json()["error"]["message"]
    assert int(refused.headers["retry-after"]) > 3600
    # Another user has their own quota.
    _, member_key = ws.add_user("member")
    with ws.server.client(member_key) as api:
        assert (
            api.post(
                "/v1/images/generations", json={"model": model["slug"], "prompt": "x"}
            ).status_code
            == 200
        )
