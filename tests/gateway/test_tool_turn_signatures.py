"""Thinking signatures survive a tool turn through the OpenAI-compatible gateway.

Gemini wants each function call's ``thoughtSignature`` back, Anthropic (thinking on) the signed
thinking block before the turn's ``tool_use`` blocks. OpenAI SDK clients echo only standard
fields, so the gateway carries the data in the tool call id. These tests call the gateway with
the official ``openai`` SDK, echo the assistant message back as SDK users do, and read in the
fake's request log (the fake refuses a follow-up without the data, as the real APIs do) what
reached the provider.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

import openai
import pytest

from modelyard.gateway import tool_call_ids
from modelyard.providers.gemini.request import PLACEHOLDER_SIGNATURE
from modelyard.testing import FakeProvider
from modelyard.testing.signatures import thinking_signature, thought_signature
from tests.gateway.setup import add_model, sdk, upstream_requests
from tests.support import Workspace, ok

TOOLS: Any = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]
QUESTION = {"role": "user", "content": "What is the weather in Paris?"}


def _model(ws: Workspace, fake: FakeProvider, provider: str, name: str) -> tuple[str, str]:
    identifier = f"{name}-{provider}-{ws.id[-6:]}"
    model = add_model(
        ws, fake, provider=provider, identifier=identifier, capabilities={"tools": True}
    )
    return model["slug"], identifier


def _call(client: openai.OpenAI, slug: str, *, stream: bool) -> dict[str, Any]:
    """The assistant message of a tool turn, as an SDK user sends it back."""
    if not stream:
        answer = client.chat.completions.create(
            model=slug, messages=[QUESTION], tools=TOOLS, reasoning_effort="low"
        )
        assert answer.choices[0].finish_reason == "tool_calls"
        return answer.choices[0].message.model_dump(exclude_none=True)
    call: dict[str, Any] = {"type": "function", "function": {"name": "", "arguments": ""}}
    for chunk in client.chat.completions.create(
        model=slug, messages=[QUESTION], tools=TOOLS, reasoning_effort="low", stream=True
    ):
        for delta in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
            if delta.id:
                assert "id" not in call, "the id comes once, with the first piece"
                call["id"] = delta.id
            if delta.function and delta.function.name:
                call["function"]["name"] += delta.function.name
            if delta.function and delta.function.arguments:
                call["function"]["arguments"] += delta.function.arguments
    return {"role": "assistant", "content": None, "tool_calls": [call]}


def _follow_up(
    client: openai.OpenAI, slug: str, assistant: dict[str, Any], *, stream: bool = False
) -> str:
    """The answer to the tool result (the ``tool`` message names the id we gave out)."""
    messages: Any = [
        QUESTION,
        assistant,
        {"role": "tool", "tool_call_id": assistant["tool_calls"][0]["id"], "content": "Sunny"},
    ]
    if not stream:
        answer = client.chat.completions.create(
            model=slug, messages=messages, tools=TOOLS, reasoning_effort="low"
        )
        return answer.choices[0].message.content or ""
    chunks = client.chat.completions.create(
        model=slug, messages=messages, tools=TOOLS, reasoning_effort="low", stream=True
    )
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_anthropic_thinking_block_round_trips(
    ws: Workspace, fake: FakeProvider, stream: bool
) -> None:
    slug, identifier = _model(ws, fake, "anthropic", "think")
    client = sdk(ws)
    assistant = _call(client, slug, stream=stream)
    caller_id = assistant["tool_calls"][0]["id"]
    upstream_id, data, origin = tool_call_ids.decode(caller_id)
    assert upstream_id.startswith("toolu_") and data is not None
    assert origin == f"anthropic:{identifier}"
    assert "Sunny" in _follow_up(client, slug, assistant, stream=stream)
    body = upstream_requests(fake, identifier)[-1]["body"]
    assert body["thinking"]["type"] == "enabled"
    turn = body["messages"][1]["content"]
    assert [block["type"] for block in turn] == ["thinking", "tool_use"]
    assert turn[0]["signature"] == thinking_signature(turn[0]["thinking"], identifier)
    assert turn[1]["id"] == upstream_id
    assert body["messages"][2]["content"][0]["tool_use_id"] == upstream_id


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_gemini_thought_signature_round_trips(
    ws: Workspace, fake: FakeProvider, stream: bool
) -> None:
    slug, identifier = _model(ws, fake, "google", "gemini-3")
    client = sdk(ws)
    assistant = _call(client, slug, stream=stream)
    caller_id = assistant["tool_calls"][0]["id"]
    upstream_id, _, origin = tool_call_ids.decode(caller_id)
    assert (upstream_id[:5], upstream_id[-2:], origin) == ("call_", "_0", f"google:{identifier}")
    assert "Sunny" in _follow_up(client, slug, assistant, stream=stream)
    body = upstream_requests(fake, identifier)[-1]["body"]
    part = body["contents"][1]["parts"][0]
    args = json.loads(assistant["tool_calls"][0]["function"]["arguments"])
    assert part["thoughtSignature"] == thought_signature("get_weather", args, identifier)
    assert body["contents"][2]["parts"][0]["functionResponse"]["name"] == "get_weather"


def test_anthropic_turn_without_its_thinking_goes_without_thinking(
    ws: Workspace, fake: FakeProvider
) -> None:
    """A client that rewrote the id: no 400, the follow-up just does not think."""
    slug, identifier = _model(ws, fake, "anthropic", "lost")
    client = sdk(ws)
    assistant = _call(client, slug, stream=False)
    call = assistant["tool_calls"][0]
    call["id"] = tool_call_ids.decode(call["id"]).call_id
    assert "Sunny" in _follow_up(client, slug, assistant)
    body = upstream_requests(fake, identifier)[-1]["body"]
    assert "thinking" not in body
    assert [block["type"] for block in body["messages"][1]["content"]] == ["tool_use"]


@pytest.mark.parametrize("provider", ["anthropic", "google"])
def test_garbage_ids_are_plain_ids(ws: Workspace, fake: FakeProvider, provider: str) -> None:
    slug, identifier = _model(ws, fake, provider, "garbage")
    client = sdk(ws)
    not_zlib = base64.urlsafe_b64encode(b"not zlib at all").decode()
    not_pair = base64.urlsafe_b64encode(zlib.compress(b'{"origin": "x"}')).decode()
    for garbage in (
        "toolu_x~my1.!!not base64!!",
        f"toolu_y~my1.{not_zlib}",
        "~my1.",
        "x~my1.",
        f"toolu_z~my2.{not_zlib}",
        f"toolu_w~my2.{not_pair}",
        "x~my2.",
        "x~my9.abc",
    ):
        assistant: Any = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": garbage,
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                }
            ],
        }
        assert "Sunny" in _follow_up(client, slug, assistant)
        body = upstream_requests(fake, identifier)[-1]["body"]
        if provider == "anthropic":
            assert body["messages"][1]["content"][0]["id"] == garbage
            assert body["messages"][2]["content"][0]["tool_use_id"] == garbage


# Signatures are valid only for the model that issued them (the fake, like the real APIs,
# refuses another model's with a 400 that no fallback retries): a turn that falls back to another
# model identifier goes without them, and the model that issued them still gets them.

FALLBACK_CASES = [
    ("anthropic", "claude-sonnet", "claude-haiku"),
    ("google", "gemini-3-pro", "gemini-3-flash"),
]


def _with_fallback(
    ws: Workspace, fake: FakeProvider, provider: str, first: str, second: str
) -> tuple[str, str, str]:
    """A model whose only fallback is a model with another identifier on the same provider:
    (the primary's slug, its identifier, the fallback's identifier)."""
    made = []
    for name in (first, second):
        identifier = f"{name}-{ws.id[-6:]}"
        made.append(
            add_model(
                ws,
                fake,
                provider=provider,
                identifier=identifier,
                capabilities={"tools": True},
                display_name=name,
            )
        )
    primary, fallback = made
    with ws.owner() as api:
        body = {"fallbacks": [fallback["id"]]}
        ok(api.put(f"/api/models/{primary['id']}/fallbacks", json=body))
    return primary["slug"], f"{first}-{ws.id[-6:]}", f"{second}-{ws.id[-6:]}"


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize(
    ("provider", "first", "second"), FALLBACK_CASES, ids=["anthropic", "gemini"]
)
def test_a_turn_on_a_fallback_model_goes_without_the_first_models_signatures(
    ws: Workspace, fake: FakeProvider, provider: str, first: str, second: str, stream: bool
) -> None:
    slug, primary, fallback = _with_fallback(ws, fake, provider, first, second)
    client = sdk(ws)
    assistant = _call(client, slug, stream=stream)
    assert tool_call_ids.decode(assistant["tool_calls"][0]["id"]).origin == f"{provider}:{primary}"
    fake.set_fault(primary, "fail-429")  # the primary is rate-limited from now on
    try:
        assert "Sunny" in _follow_up(client, slug, assistant, stream=stream)
    finally:
        fake.set_fault(primary, None)
    tried, answered = upstream_requests(fake, primary)[-1], upstream_requests(fake, fallback)[-1]
    if provider == "anthropic":
        # The primary was offered its own thinking block; the fallback a turn without thinking.
        assert tried["body"]["messages"][1]["content"][0]["type"] == "thinking"
        assert "thinking" not in answered["body"]
        assert [b["type"] for b in answered["body"]["messages"][1]["content"]] == ["tool_use"]
    else:
        args = json.loads(assistant["tool_calls"][0]["function"]["arguments"])
        own = thought_signature("get_weather", args, primary)
        assert tried["body"]["contents"][1]["parts"][0]["thoughtSignature"] == own
        part = answered["body"]["contents"][1]["parts"][0]
        assert part["thoughtSignature"] == PLACEHOLDER_SIGNATURE


@pytest.mark.parametrize(
    ("provider", "first", "second"), FALLBACK_CASES, ids=["anthropic", "gemini"]
)
def test_the_fallback_models_own_signatures_go_back_to_it(
    ws: Workspace, fake: FakeProvider, provider: str, first: str, second: str
) -> None:
    """Turn 1 answered by the fallback: its ids carry its origin, and the next turn on it (the
    primary still failing) sends its signatures, which the fake checks against the fallback."""
    slug, primary, fallback = _with_fallback(ws, fake, provider, first, second)
    client = sdk(ws)
    fake.set_fault(primary, "fail-500")
    try:
        assistant = _call(client, slug, stream=False)
        origin = tool_call_ids.decode(assistant["tool_calls"][0]["id"]).origin
        assert origin == f"{provider}:{fallback}"
        assert "Sunny" in _follow_up(client, slug, assistant)
    finally:
        fake.set_fault(primary, None)
    body = upstream_requests(fake, fallback)[-1]["body"]
    if provider == "anthropic":
        turn = body["messages"][1]["content"]
        assert turn[0]["signature"] == thinking_signature(turn[0]["thinking"], fallback)
    else:
        args = json.loads(assistant["tool_calls"][0]["function"]["arguments"])
        signature = body["contents"][1]["parts"][0]["thoughtSignature"]
        assert signature == thought_signature("get_weather", args, fallback)
