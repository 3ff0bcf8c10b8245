"""``/v1/responses`` with the official OpenAI SDK, over every upstream wire format of the fake:
plain, streamed, tools over two turns, ``previous_response_id``, GET and DELETE."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from modelyard.routing.live_test import TINY_PNG
from modelyard.testing import FakeProvider
from tests.gateway.responses.setup import UPSTREAM_PATH, WEATHER, WIRES, model_on
from tests.gateway.setup import sdk, upstream_requests
from tests.support import Workspace
from tests.usage import stored_rows


def _model(ws: Workspace, fake: FakeProvider, wire: str, name: str) -> tuple[dict[str, Any], str]:
    identifier = f"{name}-{wire}-{ws.id[-6:]}"
    return model_on(ws, fake, wire, identifier), identifier


@pytest.mark.parametrize("wire", WIRES)
def test_create_answers_and_is_metered(ws: Workspace, fake: FakeProvider, wire: str) -> None:
    model, identifier = _model(ws, fake, wire, "plain")
    raw = sdk(ws).responses.with_raw_response.create(
        model=model["slug"], input="Hello there", instructions="Be brief.", max_output_tokens=200
    )
    answer = raw.parse()
    assert answer.id.startswith("resp_") and answer.object == "response"
    assert answer.status == "completed" and answer.model == model["slug"]
    assert answer.output_text == "Echo: Hello there"
    assert answer.instructions == "Be brief." and answer.max_output_tokens == 200
    usage = answer.usage
    assert usage is not None and usage.input_tokens > 0 and usage.output_tokens == 3
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens
    assert raw.headers["x-modelyard-model"] == model["slug"]
    (sent,) = upstream_requests(fake, identifier)
    assert UPSTREAM_PATH[wire] in sent["path"]
    assert "Be brief." in json.dumps(sent["body"])
    (row,) = stored_rows(ws.server, 1, workspace_id=ws.id, model_id=model["id"])
    assert (row.endpoint, row.status, row.stream) == ("responses", 200, False)
    assert row.output_tokens == 3 and row.user_id == ws.owner_id


ITEM_EVENTS = [
    "response.output_item.added",
    "response.content_part.added",
    "response.output_text.delta",
    "response.output_text.done",
    "response.content_part.done",
    "response.output_item.done",
]


@pytest.mark.parametrize("wire", WIRES)
def test_stream_sends_the_responses_events_in_order(
    ws: Workspace, fake: FakeProvider, wire: str
) -> None:
    model, _ = _model(ws, fake, wire, "stream")
    with sdk(ws).responses.stream(model=model["slug"], input="Hello there") as stream:
        events = list(stream)
        final = stream.get_final_response()
    kinds = [e.type for e in events]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    squeezed = [k for i, k in enumerate(kinds) if i == 0 or kinds[i - 1] != k]
    assert squeezed == [
        "response.created",
        "response.in_progress",
        *ITEM_EVENTS,
        "response.completed",
    ]
    assert final.output_text == "Echo: Hello there" and final.id.startswith("resp_")
    assert final.usage is not None and final.usage.output_tokens == 3
    stored = sdk(ws).responses.retrieve(final.id)  # a streamed answer is stored too
    assert stored.output_text == final.output_text and stored.status == "completed"
    (row,) = stored_rows(ws.server, 1, workspace_id=ws.id, model_id=model["id"])
    assert (row.endpoint, row.stream, row.output_tokens) == ("responses", True, 3)


def _tool_turns(
    client: openai.OpenAI, model: str, *, stream: bool
) -> tuple[Any, Any, list[dict[str, Any]]]:
    ask = {"role": "user", "content": "What is the weather in Paris?"}
    options: dict[str, Any] = {"model": model, "tools": [WEATHER], "store": False}
    if stream:
        with client.responses.stream(input=[ask], **options) as events:
            first = events.get_final_response()
    else:
        first = client.responses.create(input=[ask], **options)
    calls = [item for item in first.output if item.type == "function_call"]
    assert len(calls) == 1
    given = [item.model_dump(exclude_none=True) for item in first.output]
    result = {"type": "function_call_output", "call_id": calls[0].call_id, "output": "Sunny, 21 C"}
    second = client.responses.create(input=[ask, *given, result], **options)
    return first, second, given


@pytest.mark.parametrize("wire", WIRES)
def test_tools_over_two_turns(ws: Workspace, fake: FakeProvider, wire: str) -> None:
    model, identifier = _model(ws, fake, wire, "tools")
    first, second, _ = _tool_turns(sdk(ws), model["slug"], stream=wire in ("openai", "google"))
    (call,) = [item for item in first.output if item.type == "function_call"]
    assert call.name == "get_weather" and "city" in json.loads(call.arguments)
    assert "Sunny, 21 C" in second.output_text  # Gemini echoes its functionResponse object
    sent = upstream_requests(fake, identifier)
    assert len(sent) == 2 and "Sunny, 21 C" in json.dumps(sent[1]["body"])


@pytest.mark.parametrize("wire", WIRES)
def test_previous_response_id_get_and_delete(ws: Workspace, fake: FakeProvider, wire: str) -> None:
    model, identifier = _model(ws, fake, wire, "stored")
    client = sdk(ws)
    first = client.responses.create(model=model["slug"], input="My name is Ada.")
    second = client.responses.create(
        model=model["slug"], input="What is my name?", previous_response_id=first.id
    )
    assert second.previous_response_id == first.id
    assert second.output_text == "Echo: What is my name?"
    sent = json.dumps(upstream_requests(fake, identifier)[-1]["body"])
    assert "My name is Ada." in sent and "Echo: My name is Ada." in sent  # the earlier turn
    fetched = client.responses.retrieve(second.id)
    assert (fetched.id, fetched.output_text) == (second.id, second.output_text)

    _, member_key = ws.add_user("member")
    other = sdk(ws, member_key)
    with pytest.raises(openai.NotFoundError) as refused:
        other.responses.create(model=model["slug"], input="x", previous_response_id=first.id)
    assert first.id in refused.value.message
    assert refused.value.body["param"] == "previous_response_id"  # type: ignore[index]
    with pytest.raises(openai.NotFoundError):
        other.responses.retrieve(first.id)
    with pytest.raises(openai.NotFoundError):
        other.responses.delete(first.id)

    client.responses.delete(second.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(second.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.delete(second.id)
    unstored = client.responses.create(model=model["slug"], input="hi", store=False)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(unstored.id)


@pytest.mark.parametrize("wire", WIRES)
def test_a_tool_result_continues_a_stored_response(
    ws: Workspace, fake: FakeProvider, wire: str
) -> None:
    """The usual loop with ``previous_response_id``: the next call sends only the tool result;
    the stored call (and any provider data in its id) is put back before it."""
    model, identifier = _model(ws, fake, wire, "loop")
    client = sdk(ws)
    first = client.responses.create(
        model=model["slug"], input="What is the weather in Paris?", tools=[WEATHER]
    )
    (call,) = [item for item in first.output if item.type == "function_call"]
    result = {"type": "function_call_output", "call_id": call.call_id, "output": "Rain"}
    second = client.responses.create(
        model=model["slug"], input=[result], tools=[WEATHER], previous_response_id=first.id
    )
    assert "Rain" in second.output_text
    sent = json.dumps(upstream_requests(fake, identifier)[-1]["body"])
    assert "What is the weather in Paris?" in sent and "get_weather" in sent and "Rain" in sent


@pytest.mark.parametrize("wire", ["anthropic", "google"])
def test_an_input_image_reaches_the_upstream(ws: Workspace, fake: FakeProvider, wire: str) -> None:
    model, identifier = _model(ws, fake, wire, "image")
    content = [
        {"type": "input_text", "text": "What is this?"},
        {"type": "input_image", "image_url": TINY_PNG, "detail": "low"},
    ]
    answer = sdk(ws).responses.create(
        model=model["slug"], input=[{"role": "user", "content": content}]
    )
    assert answer.output_text == "Echo: What is this?"
    assert "iVBORw0KGgo" in json.dumps(upstream_requests(fake, identifier)[-1]["body"])


@pytest.mark.parametrize("stream", [False, True])
def test_another_providers_reasoning_is_a_reasoning_item(
    ws: Workspace, fake: FakeProvider, stream: bool
) -> None:
    model, _ = _model(ws, fake, "google", "reason")
    options: dict[str, Any] = {"model": model["slug"], "input": "Why is the sky blue?"}
    options["reasoning"] = {"effort": "low", "summary": "auto"}
    if stream:
        with sdk(ws).responses.stream(**options) as events:
            kinds = [e.type for e in events]
            answer = events.get_final_response()
        assert "response.reasoning_summary_text.delta" in kinds
    else:
        answer = sdk(ws).responses.create(**options)
    reasoning, message = answer.output
    assert reasoning.type == "reasoning" and message.type == "message"
    assert reasoning.summary[0].text.startswith("Reasoning about:")
    assert answer.output_text == "Echo: Why is the sky blue?"
