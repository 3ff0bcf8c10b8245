"""What Codex-style agents send, checked against the fake's request log: streamed, stateless
(``store: false``) turns with encrypted reasoning, function tools and parallel tool calls, the
reasoning items coming back on the next turn; hints; refusals naming the field."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest

from modelyard.testing import FakeProvider
from tests.gateway.responses.setup import WEATHER, model_on
from tests.gateway.setup import sdk, upstream_requests
from tests.support import Workspace, error_of

ENCRYPTED = ["reasoning.encrypted_content"]


def _codex_turn(client: openai.OpenAI, model: str, items: list[dict[str, Any]]) -> Any:
    stream = client.responses.create(
        model=model,
        instructions="You are a coding agent.",
        input=items,  # type: ignore[arg-type]
        tools=[WEATHER],  # type: ignore[list-item]
        tool_choice="auto",
        parallel_tool_calls=True,
        reasoning={"effort": "medium", "summary": "auto"},
        store=False,
        stream=True,
        include=ENCRYPTED,  # type: ignore[list-item]
        prompt_cache_key="conversation-1",
    )
    events = list(stream)
    assert events[-1].type == "response.completed"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    turns.append([e.type for e in events])
    return events[-1].response


turns: list[list[str]] = []  # the event types of each streamed turn


def test_codex_turns_carry_encrypted_reasoning_to_a_responses_upstream(
    ws: Workspace, fake: FakeProvider
) -> None:
    identifier = f"reason-codex-{ws.id[-6:]}"
    model = model_on(ws, fake, "responses", identifier)
    client = sdk(ws)
    ask = {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": "What is the weather in Paris?"}],
    }
    turns.clear()
    first = _codex_turn(client, model["slug"], [ask])
    kinds = [item.type for item in first.output]
    assert kinds == ["reasoning", "function_call"]
    reasoning = first.output[0]
    assert reasoning.encrypted_content and reasoning.encrypted_content.startswith("enc:")
    assert reasoning.summary[0].text.startswith("Reasoning about:")
    call = first.output[1]
    given = [item.model_dump(exclude_none=True) for item in first.output]
    result = {"type": "function_call_output", "call_id": call.call_id, "output": "Sunny"}
    second = _codex_turn(client, model["slug"], [ask, *given, result])
    assert second.output[-1].content[0].text == "Echo: Sunny"
    kinds = [k for i, k in enumerate(turns[0]) if i == 0 or turns[0][i - 1] != k]
    assert kinds[:2] == ["response.created", "response.in_progress"]
    assert kinds[-1] == "response.completed"
    reasoning_at = kinds.index("response.reasoning_summary_text.delta")
    arguments_at = kinds.index("response.function_call_arguments.delta")
    assert reasoning_at < kinds.index("response.output_item.done") < arguments_at
    assert kinds[arguments_at + 1 : arguments_at + 3] == [
        "response.function_call_arguments.done",
        "response.output_item.done",
    ]

    sent = [entry["body"] for entry in upstream_requests(fake, identifier)]
    assert len(sent) == 2
    for body in sent:
        assert body["store"] is False and body["stream"] is True
        assert body["include"] == ENCRYPTED and body["parallel_tool_calls"] is True
        assert body["prompt_cache_key"] == "conversation-1"
        assert body["reasoning"] == {"effort": "medium", "summary": "auto"}
    back = [item for item in sent[1]["input"] if item.get("type") == "reasoning"]
    assert back == [given[0]]  # as it came, encrypted content included
    assert [i.get("type") for i in sent[1]["input"]] == [
        None,
        "reasoning",
        "function_call",
        "function_call_output",
    ]


@pytest.mark.parametrize("wire", ["openai", "anthropic", "google"])
def test_reasoning_items_are_dropped_for_other_upstreams(
    ws: Workspace, fake: FakeProvider, wire: str
) -> None:
    identifier = f"codex-{wire}-{ws.id[-6:]}"
    model = model_on(ws, fake, wire, identifier)
    reasoning = {
        "type": "reasoning",
        "id": "rs_from_elsewhere",
        "summary": [],
        "encrypted_content": "enc:eHl6",
    }
    items = [
        {"role": "user", "content": "What is the weather in Paris?"},
        reasoning,
        {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_1", "output": "Sunny"},
    ]
    answer = _codex_turn(sdk(ws), model["slug"], items)
    assert "Sunny" in answer.output[-1].content[0].text
    sent = json.dumps(upstream_requests(fake, identifier))
    assert "rs_from_elsewhere" not in sent and "enc:eHl6" not in sent
    assert "conversation-1" not in sent or wire == "openai"  # a hint only OpenAI knows


def test_stop_and_seed_on_a_responses_model_are_refused_naming_them(
    ws: Workspace, fake: FakeProvider
) -> None:
    model = model_on(ws, fake, "responses", f"stop-{ws.id[-6:]}")
    with ws.server.client(ws.owner_key) as api:
        for name, value in (("stop", ["END"]), ("seed", 7)):
            body = {"model": model["slug"], "messages": [{"role": "user", "content": "x"}]}
            error = error_of(api.post("/v1/chat/completions", json={**body, name: value}), 400)
            assert error["param"] == name and name in error["message"]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({}, "input"),
        ({"input": []}, "input"),
        ({"input": [{"type": "item_reference", "id": "x"}]}, "input[0].type"),
        ({"input": [{"role": "robot", "content": "x"}]}, "input[0].role"),
        ({"input": [{"role": ["user"], "content": "x"}]}, "input[0].role"),
        ({"input": [{"type": ["message"], "role": "user"}]}, "input[0].type"),
        ({"input": "x", "tools": [{"type": "web_search"}]}, "tools[0].type"),
        (
            {"input": "x", "text": {"format": {"type": "json_schema", "name": "a"}}},
            "text.format.schema",
        ),
        ({"input": "x", "max_output_tokens": 0}, "max_output_tokens"),
        ({"input": "x", "reasoning": {"effort": "lots"}}, "reasoning.effort"),
        ({"input": "x", "stream": "yes"}, "stream"),
        ({"input": "x", "base_url": "http://elsewhere"}, "base_url"),
        ({"input": "x", "background": True}, "background"),
        ({"input": "x", "conversation": "conv_1"}, "conversation"),
    ],
)
def test_bad_bodies_are_400s_naming_the_field(
    ws: Workspace, fake: FakeProvider, body: dict[str, Any], param: str
) -> None:
    with ws.server.client(ws.owner_key) as api:
        error = error_of(api.post("/v1/responses", json={"model": "any", **body}), 400)
    assert error["param"] == param


def test_json_schema_reaches_the_upstream(ws: Workspace, fake: FakeProvider) -> None:
    identifier = f"schema-{ws.id[-6:]}"
    model = model_on(ws, fake, "openai", identifier)
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    sdk(ws).responses.create(
        model=model["slug"],
        input="A city, please",
        text={"format": {"type": "json_schema", "name": "city", "schema": schema, "strict": True}},
    )
    (sent,) = upstream_requests(fake, identifier)
    assert sent["body"]["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "city", "schema": schema, "strict": True},
    }


def test_a_stream_cut_upstream_ends_with_response_failed(ws: Workspace, fake: FakeProvider) -> None:
    model = model_on(ws, fake, "openai", f"fail-cut-{ws.id[-6:]}")
    with (
        httpx.Client(base_url=ws.server.base_url, timeout=20) as http,
        http.stream(
            "POST",
            "/v1/responses",
            json={"model": model["slug"], "input": "Hello there, tell me more", "stream": True},
            headers={"authorization": f"Bearer {ws.owner_key}"},
        ) as answer,
    ):
        assert answer.status_code == 200
        kinds = [line[7:] for line in answer.iter_lines() if line.startswith("event: ")]
    assert kinds[0] == "response.created" and kinds[-1] == "response.failed"
    assert "response.completed" not in kinds


def test_a_stored_turn_keeps_encrypted_reasoning_for_the_next_one(
    ws: Workspace, fake: FakeProvider
) -> None:
    identifier = f"reason-stored-{ws.id[-6:]}"
    model = model_on(ws, fake, "responses", identifier)
    client = sdk(ws)
    first = client.responses.create(
        model=model["slug"], input="What is the weather in Paris?", reasoning={"effort": "low"}
    )
    reasoning = first.output[0]
    assert reasoning.type == "reasoning" and reasoning.encrypted_content is None  # not asked
    client.responses.create(
        model=model["slug"], input="And tomorrow?", previous_response_id=first.id
    )
    plain = client.responses.create(model=model["slug"], input="hi")  # no reasoning options
    first_sent, second_sent, plain_sent = [e["body"] for e in upstream_requests(fake, identifier)]
    assert first_sent["include"] == ENCRYPTED and "include" not in plain_sent
    (back,) = [i for i in second_sent["input"] if i.get("type") == "reasoning"]
    assert back["id"] == reasoning.id and back["encrypted_content"].startswith("enc:")
    assert plain.output_text == "Echo: hi"
