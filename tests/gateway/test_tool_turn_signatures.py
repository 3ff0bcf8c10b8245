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
from modelyard.testing import FakeProvider
from modelyard.testing.signatures import thinking_signature, thought_signature
from tests.gateway.setup import add_model, sdk, upstream_requests
from tests.support import Workspace

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
    upstream_id, data = tool_call_ids.decode(caller_id)
    assert upstream_id.startswith("toolu_") and data is not None
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
    assert tool_call_ids.decode(caller_id)[0] == "call_0"
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
    call["id"] = tool_call_ids.decode(call["id"])[0]
    assert "Sunny" in _follow_up(client, slug, assistant)
    body = upstream_requests(fake, identifier)[-1]["body"]
    assert "thinking" not in body
    assert [block["type"] for block in body["messages"][1]["content"]] == ["tool_use"]


@pytest.mark.parametrize("provider", ["anthropic", "google"])
def test_garbage_ids_are_plain_ids(ws: Workspace, fake: FakeProvider, provider: str) -> None:
    slug, identifier = _model(ws, fake, provider, "garbage")
    client = sdk(ws)
    not_zlib = base64.urlsafe_b64encode(b"not zlib at all").decode()
    for garbage in ("toolu_x~my1.!!not base64!!", f"toolu_y~my1.{not_zlib}", "~my1.", "x~my1."):
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


def test_id_encoding() -> None:
    data = "gemini-ts:" + "A" * 3000
    caller_id = tool_call_ids.encode("call_0", data)
    assert len(caller_id) < 200  # compact: compressed, no padding
    assert tool_call_ids.decode(caller_id) == ("call_0", data)
    assert tool_call_ids.encode("call_0", None) == "call_0"
    assert tool_call_ids.decode("call_0") == ("call_0", None)
    # A forged id that inflates past the limit is a plain id, not a memory blow-up.
    bomb = zlib.compress(b"x" * (tool_call_ids.MAX_DATA_BYTES + 1), 9)
    forged = "call_0" + tool_call_ids.MARKER + base64.urlsafe_b64encode(bomb).decode()
    assert tool_call_ids.decode(forged) == (forged, None)
    broken = "call_0" + tool_call_ids.MARKER + base64.urlsafe_b64encode(b"\xff\x00").decode()
    assert tool_call_ids.decode(broken) == (broken, None)
