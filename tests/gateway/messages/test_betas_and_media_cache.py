"""``anthropic-beta`` flags reach Anthropic upstreams (those it can take, as the real API
refuses values it does not know), never other providers; ``cache_control`` on image and
document blocks reaches Anthropic too (issue 15, items 2 and 3)."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from modelyard.providers.anthropic_messages.betas import forwarded
from modelyard.testing import FakeProvider
from tests.gateway.messages.support import UPSTREAMS, claude, model_on
from tests.gateway.setup import upstream_requests
from tests.support import Workspace

CLAUDE_CODE_BETAS = (
    "claude-code-20250219,oauth-2025-04-20,interleaved-thinking-2025-05-14,"
    "fine-grained-tool-streaming-2025-05-14, no-such-beta-2099-01-01,"
    "interleaved-thinking-2025-05-14"
)
PNG = base64.b64encode(bytes.fromhex("89504e470d0a1a0a0000000d49484452")).decode()
PDF = base64.b64encode(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF").decode()
EPHEMERAL = {"type": "ephemeral"}


def test_the_forwarded_flags() -> None:
    assert forwarded(CLAUDE_CODE_BETAS) == (
        "interleaved-thinking-2025-05-14",
        "fine-grained-tool-streaming-2025-05-14",
    )
    assert forwarded(None) == () and forwarded(" , ") == ()


def _headers(fake: FakeProvider, model: dict[str, Any]) -> dict[str, str]:
    (logged,) = upstream_requests(fake, model["deployments"][0]["model_identifier"])
    return {name.lower(): value for name, value in logged["headers"].items()}


@pytest.mark.parametrize("upstream", list(UPSTREAMS))
def test_betas_reach_anthropic_only(ws: Workspace, fake: FakeProvider, upstream: str) -> None:
    model = model_on(ws, fake, upstream, "betas")
    with claude(ws) as client:
        answer = client.messages.create(
            model=model["slug"],
            max_tokens=64,
            messages=[{"role": "user", "content": "hi there"}],
            extra_headers={"anthropic-beta": CLAUDE_CODE_BETAS},
        )
    assert answer.content[0].type == "text"  # the fake refuses unknown betas: none was sent
    headers = _headers(fake, model)
    if upstream == "anthropic":
        assert headers["anthropic-beta"] == (
            "interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14"
        )
    else:
        assert "anthropic-beta" not in headers


def test_the_fake_refuses_an_unknown_beta_as_anthropic_does(fake: FakeProvider) -> None:
    answer = httpx.post(
        fake.url + "/v1/messages",
        headers={
            "x-api-key": "k",
            "anthropic-version": "2023-06-01",
            "anthropic-beta": "no-such-beta-2099-01-01",
        },
        json={"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]},
    )
    assert answer.status_code == 400
    assert "no-such-beta-2099-01-01" in answer.json()["error"]["message"]


def test_cache_control_on_images_and_documents(ws: Workspace, fake: FakeProvider) -> None:
    model = model_on(ws, fake, "anthropic", "media-marks")
    image = {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": PNG},
        "cache_control": EPHEMERAL,
    }
    document = {
        "type": "document",
        "source": {"type": "base64", "media_type": "application/pdf", "data": PDF},
        "title": "spec.pdf",
        "cache_control": {"type": "ephemeral", "ttl": "1h"},
    }
    with claude(ws) as client:
        answer = client.messages.create(
            model=model["slug"],
            max_tokens=64,
            messages=[
                {
                    "role": "user",
                    "content": [image, document, {"type": "text", "text": "what is this?"}],
                }
            ],
        )
    assert answer.usage.cache_creation_input_tokens
    (logged,) = upstream_requests(fake, model["deployments"][0]["model_identifier"])
    blocks = logged["body"]["messages"][0]["content"]
    assert blocks[0]["type"] == "image" and blocks[0]["cache_control"] == EPHEMERAL
    assert blocks[1]["type"] == "document" and blocks[1]["title"] == "spec.pdf"
    assert blocks[1]["cache_control"] == {"type": "ephemeral", "ttl": "1h"}
    assert "cache_control" not in blocks[2]
