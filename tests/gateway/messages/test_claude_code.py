"""Claude Code-style calls: streamed, with anthropic-beta headers, cache_control blocks,
thinking, tools and hints the upstream may not know; what reached the upstream, and the cache
tokens coming back priced."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from modelyard.testing import FakeProvider
from tests.gateway.messages.support import UPSTREAMS, claude, model_on, sent
from tests.gateway.messages.test_messages_sdk import WEATHER
from tests.support import Workspace
from tests.usage import stored_rows

BETAS = "claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27"
EPHEMERAL = {"type": "ephemeral"}
SYSTEM = [
    {"type": "text", "text": "You are Claude Code, Anthropic's official CLI for Claude."},
    {"type": "text", "text": "Long project instructions " * 40, "cache_control": EPHEMERAL},
]


def _call(model: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "model": model["slug"],
        "max_tokens": 32000,
        "system": SYSTEM,
        "tools": [{**WEATHER, "cache_control": EPHEMERAL}],
        "thinking": {"type": "enabled", "budget_tokens": 2048},
        "metadata": {"user_id": "user_abc_account_def_session_123"},
        "messages": [
            {
                "role": "user",
                "content": [{"type": "text", "text": text, "cache_control": EPHEMERAL}],
            }
        ],
        "extra_body": {"context_management": {"edits": [{"type": "clear_tool_uses_20250919"}]}},
        "extra_headers": {"anthropic-beta": BETAS},
    }


@pytest.mark.parametrize("upstream", list(UPSTREAMS))
def test_claude_code_call(ws: Workspace, fake: FakeProvider, upstream: str) -> None:
    model = model_on(ws, fake, upstream, "cc")
    with claude(ws) as client, client.messages.stream(**_call(model, "hello claude")) as stream:
        final = stream.get_final_message()
    texts = [b.text for b in final.content if b.type == "text"]
    assert texts == ["Echo: hello claude"]
    body = sent(fake, model)[0]
    assert "context_management" not in str(body)  # a hint no upstream here is sent
    if upstream != "anthropic":
        assert "cache_control" not in str(body)
        # The thinking budget becomes the nearest effort (2048: low) in the upstream's form.
        effort = {
            "openai": lambda: body["reasoning_effort"],
            "responses": lambda: body["reasoning"]["effort"],
            "google": lambda: body["generationConfig"]["thinkingConfig"]["thinkingBudget"],
        }[upstream]()
        assert effort in ("low", 1024)
        return
    # Anthropic gets the markers where the caller put them, the thinking budget and the tools.
    assert body["system"][1]["cache_control"] == EPHEMERAL
    assert body["tools"][0]["cache_control"] == EPHEMERAL
    assert body["tools"][0]["input_schema"] == WEATHER["input_schema"]
    assert body["messages"][0]["content"][0]["cache_control"] == EPHEMERAL
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert body["metadata"] == {"user_id": "user_abc_account_def_session_123"}
    assert [b.type for b in final.content] == ["thinking", "text"]
    usage = final.usage
    assert usage.cache_creation_input_tokens and usage.cache_creation_input_tokens > 0
    rows = stored_rows(ws.server, 1, model_id=model["id"])
    assert len(rows) == 1
    row = rows[0]
    assert row.cache_write_tokens == usage.cache_creation_input_tokens
    assert row.input_tokens == usage.input_tokens
    # Priced: $2/M input, $2.5/M cache writes, $8/M output (tests/gateway/setup.py).
    expected = (
        Decimal(row.input_tokens) * 2
        + Decimal(row.cache_write_tokens) * Decimal("2.5")
        + Decimal(row.output_tokens) * 8
    ) / 1_000_000
    assert Decimal(row.cost_usd) == expected


def test_cache_reads_come_back(ws: Workspace, fake: FakeProvider) -> None:
    """A ``cache`` model of the fake reads the marked prefix from its cache."""
    model = model_on(ws, fake, "anthropic", "cache")
    with claude(ws) as client:
        answer = client.messages.create(**_call(model, "again"))
    assert answer.usage.cache_read_input_tokens and answer.usage.cache_read_input_tokens > 0
    row = stored_rows(ws.server, 1, model_id=model["id"])[0]
    assert row.cache_read_tokens == answer.usage.cache_read_input_tokens


def test_thinking_tool_loop_keeps_the_signature(ws: Workspace, fake: FakeProvider) -> None:
    """The fake (like Anthropic) refuses a thinking tool loop whose assistant turn lost its
    signed thinking block: the tool_use id we handed out carries it back."""
    model = model_on(ws, fake, "anthropic", "think")
    call = _call(model, "What is the weather in Paris?")
    with claude(ws) as client:
        first = client.messages.create(**call)
        assert [b.type for b in first.content] == ["thinking", "tool_use"]
        tool = first.content[1]
        assert tool.type == "tool_use" and tool.input == {"city": "Paris"}
        follow = {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": tool.id, "content": "Sunny"}],
        }
        call["messages"] = [*call["messages"], {"role": "assistant", "content": first.content}]
        call["messages"].append(follow)
        with client.messages.stream(**call) as stream:
            second = stream.get_final_message()
    assert [b.type for b in second.content] == ["thinking", "text"]
    bodies = sent(fake, model)
    assert bodies[1]["thinking"]["type"] == "enabled"
    assert bodies[1]["messages"][1]["content"][0]["type"] == "thinking"  # the signed block


def test_the_beta_client_path(ws: Workspace, fake: FakeProvider) -> None:
    """Claude Code calls ``/v1/messages?beta=true`` with its betas (the SDK's beta client)."""
    model = model_on(ws, fake, "google", "beta")
    with claude(ws) as client:
        answer = client.beta.messages.create(
            model=model["slug"],
            max_tokens=50,
            betas=["claude-code-20250219", "no-such-beta-2099-01-01"],
            messages=[{"role": "user", "content": "hi there"}],
        )
        counted = client.beta.messages.count_tokens(
            model=model["slug"],
            betas=["token-counting-2024-11-01"],
            messages=[{"role": "user", "content": "hi there"}],
        )
    assert answer.content[0].text == "Echo: hi there"  # type: ignore[union-attr]
    assert counted.input_tokens > 0
