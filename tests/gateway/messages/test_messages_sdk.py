"""``/v1/messages`` with the official anthropic SDK over every upstream wire format: create,
stream, tools over two turns, usage records."""

from __future__ import annotations

import pytest

from modelyard.testing import FakeProvider
from tests.gateway.messages.support import UPSTREAMS, claude, model_on, sent
from tests.support import Workspace
from tests.usage import stored_rows

WEATHER = {
    "name": "get_weather",
    "description": "The weather in a city.",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


@pytest.mark.parametrize("upstream", list(UPSTREAMS))
def test_create(ws: Workspace, fake: FakeProvider, upstream: str) -> None:
    model = model_on(ws, fake, upstream, "create")
    with claude(ws) as client:
        raw = client.messages.with_raw_response.create(
            model=model["slug"],
            max_tokens=100,
            system="Be brief.",
            messages=[{"role": "user", "content": "Hello there"}],
        )
    answer = raw.parse()
    assert answer.type == "message" and answer.role == "assistant"
    assert answer.id.startswith("msg_")
    assert [b.type for b in answer.content] == ["text"]
    assert answer.content[0].text == "Echo: Hello there"  # type: ignore[union-attr]
    assert answer.stop_reason == "end_turn"
    assert answer.model == model["slug"]
    assert answer.usage.input_tokens > 0 and answer.usage.output_tokens == 3
    assert raw.headers["x-modelyard-model"] == model["slug"]
    assert raw.headers["x-request-id"]
    assert len(sent(fake, model)) == 1
    rows = stored_rows(ws.server, 1, model_id=model["id"])
    assert [(r.endpoint, r.status, r.output_tokens) for r in rows] == [("messages", 200, 3)]


@pytest.mark.parametrize("upstream", list(UPSTREAMS))
def test_stream(ws: Workspace, fake: FakeProvider, upstream: str) -> None:
    model = model_on(ws, fake, upstream, "stream")
    with (
        claude(ws) as client,
        client.messages.stream(
            model=model["slug"],
            max_tokens=100,
            messages=[{"role": "user", "content": "one two three four"}],
        ) as stream,
    ):
        kinds = [event.type for event in stream]
        final = stream.get_final_message()
    assert kinds[0] == "message_start"
    assert kinds[-2:] == ["message_delta", "message_stop"]
    assert {"content_block_start", "content_block_delta", "content_block_stop"} <= set(kinds)
    assert final.content[0].text == "Echo: one two three four"  # type: ignore[union-attr]
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens == 5 and final.usage.input_tokens > 0
    rows = stored_rows(ws.server, 1, model_id=model["id"])
    assert [(r.endpoint, r.stream, r.output_tokens) for r in rows] == [("messages", True, 5)]


@pytest.mark.parametrize("upstream", list(UPSTREAMS))
def test_tools_over_two_turns(ws: Workspace, fake: FakeProvider, upstream: str) -> None:
    model = model_on(ws, fake, upstream, "tools")
    question = {"role": "user", "content": "What is the weather in Paris?"}
    with claude(ws) as client:
        first = client.messages.create(
            model=model["slug"], max_tokens=200, tools=[WEATHER], messages=[question]
        )
        assert first.stop_reason == "tool_use"
        calls = [b for b in first.content if b.type == "tool_use"]
        assert [(c.name, c.input) for c in calls] == [("get_weather", {"city": "Paris"})]
        second = client.messages.create(
            model=model["slug"],
            max_tokens=200,
            tools=[WEATHER],
            messages=[
                question,
                {"role": "assistant", "content": first.content},  # type: ignore[typeddict-item]
                {
                    "role": "user",
                    "content": [
                        {"type": "tool_result", "tool_use_id": calls[0].id, "content": "Sunny"}
                    ],
                },
            ],
        )
    assert second.stop_reason == "end_turn"
    text = second.content[0].text  # type: ignore[union-attr]
    assert text.startswith("Echo: ") and "Sunny" in text  # Gemini's result is {"content": ...}
    bodies = sent(fake, model)
    assert len(bodies) == 2 and "Sunny" in str(bodies[1])


@pytest.mark.parametrize("upstream", list(UPSTREAMS))
def test_stream_tool_use(ws: Workspace, fake: FakeProvider, upstream: str) -> None:
    model = model_on(ws, fake, upstream, "streamtool")
    with (
        claude(ws) as client,
        client.messages.stream(
            model=model["slug"],
            max_tokens=200,
            tools=[WEATHER],
            messages=[{"role": "user", "content": "weather in Paris?"}],
        ) as stream,
    ):
        deltas = [e.delta.type for e in stream if e.type == "content_block_delta"]
        final = stream.get_final_message()
    assert "input_json_delta" in deltas
    assert final.stop_reason == "tool_use"
    calls = [b for b in final.content if b.type == "tool_use"]
    assert [(c.name, c.input) for c in calls] == [("get_weather", {"city": "Paris"})]
