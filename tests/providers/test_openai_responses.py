"""The Responses API wire: Chat-style requests translated to ``POST responses``, its response
object and typed event stream read back; then round trips through the fake provider.

Hand-written responses and events are checked against the official ``openai`` SDK's types first.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest
from openai.types.responses import Response, ResponseStreamEvent
from pydantic import TypeAdapter

from modelyard.errors import UpstreamError
from modelyard.llm_types import (
    ChatRequest,
    Finish,
    ImagePart,
    Message,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    TextPart,
    ToolCall,
    ToolCallDelta,
    ToolSpec,
    Usage,
    UsageReport,
)
from modelyard.providers import connections
from modelyard.providers.base import Target, UpstreamProtocolError, UpstreamRequest
from modelyard.providers.openai_responses import WIRE
from modelyard.testing import FakeProvider

SECRET = "sk-test-secret"
AZURE_KEY = "azure-test-key"
PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg=="
WEATHER = ToolSpec(
    name="get_weather",
    description="Weather of a city.",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
MALFORMED = r"^The Responses API sent a malformed response: "
SDK_EVENT = TypeAdapter[Any](ResponseStreamEvent)


def target(provider: str = "openai", base_url: str | None = None, model: str = "o3-pro") -> Target:
    if provider == "azure":
        return Target(
            "azure",
            connections.AZURE,
            model,
            AZURE_KEY,
            base_url=base_url,
            api_version="2024-10-21",
        )
    return Target("openai", connections.OPENAI, model, SECRET, base_url=base_url)


def user(text: str) -> Message:
    return Message("user", [TextPart(text)])


def chat(*messages: Message, **options: Any) -> ChatRequest:
    return ChatRequest(model=options.pop("model", "o3-pro"), messages=list(messages), **options)


def body_of(request: ChatRequest) -> dict[str, Any]:
    built = WIRE.build_chat(request, target())
    assert built.json is not None
    return built.json


@dataclass
class Collected:
    text: str = ""
    reasoning: str = ""
    tools: dict[int, dict[str, str]] = field(default_factory=dict)
    finishes: list[str] = field(default_factory=list)
    reports: list[Usage] = field(default_factory=list)

    @property
    def usage(self) -> Usage:
        total = Usage()
        for report in self.reports:
            total.add(report)
        return total


def collect(events: list[StreamEvent]) -> Collected:
    out = Collected()
    for event in events:
        if isinstance(event, TextDelta):
            out.text += event.text
        elif isinstance(event, ReasoningDelta):
            out.reasoning += event.text
        elif isinstance(event, ToolCallDelta):
            tool = out.tools.setdefault(event.index, {"id": "", "name": "", "arguments": ""})
            tool["id"] += event.id or ""
            tool["name"] += event.name or ""
            tool["arguments"] += event.arguments
        elif isinstance(event, Finish):
            out.finishes.append(event.reason)
        elif isinstance(event, UsageReport):
            out.reports.append(event.usage)
    return out


# --- request -----------------------------------------------------------------------------------


def test_url_headers_and_minimal_body() -> None:
    built = WIRE.build_chat(chat(user("Hi")), target())
    assert built.url == "https://api.openai.com/v1/responses"
    assert built.headers == {"authorization": f"Bearer {SECRET}"}
    assert not built.stream and built.form is None
    assert built.json == {
        "model": "o3-pro",
        "input": [{"role": "user", "content": [{"type": "input_text", "text": "Hi"}]}],
        "store": False,
    }


def test_azure_uses_the_v1_route() -> None:
    built = WIRE.build_chat(chat(user("Hi")), target("azure", "https://res.openai.azure.com", "d"))
    assert built.url == "https://res.openai.azure.com/openai/v1/responses"
    assert built.headers == {"api-key": AZURE_KEY}


def test_system_becomes_instructions_and_images_input_image() -> None:
    body = body_of(
        chat(
            Message("system", [TextPart("Be brief.")]),
            Message("system", [TextPart("Be kind.")]),
            Message(
                "user", [TextPart("What is this?"), ImagePart(PNG), ImagePart("https://x", "low")]
            ),
        )
    )
    assert body["instructions"] == "Be brief.\n\nBe kind."
    assert body["input"] == [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "What is this?"},
                {"type": "input_image", "image_url": PNG, "detail": "auto"},
                {"type": "input_image", "image_url": "https://x", "detail": "low"},
            ],
        }
    ]


def test_tool_loop_items() -> None:
    calls = [ToolCall("call_1", "get_weather", '{"city":"Paris"}'), ToolCall("call_2", "now", "{}")]
    body = body_of(
        chat(
            user("Weather?"),
            Message("assistant", [TextPart("Checking.")], tool_calls=calls),
            Message("tool", [TextPart("18C")], tool_call_id="call_1"),
            Message("tool", [TextPart("noon")], tool_call_id="call_2"),
            Message("assistant", [TextPart("18C at noon.")]),
            tools=[WEATHER],
        )
    )
    assert body["input"][1:] == [
        {"role": "assistant", "content": "Checking."},
        {
            "type": "function_call",
            "call_id": "call_1",
            "name": "get_weather",
            "arguments": '{"city":"Paris"}',
        },
        {"type": "function_call", "call_id": "call_2", "name": "now", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_1", "output": "18C"},
        {"type": "function_call_output", "call_id": "call_2", "output": "noon"},
        {"role": "assistant", "content": "18C at noon."},
    ]


@pytest.mark.parametrize(
    ("choice", "wire"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ("get_weather", {"type": "function", "name": "get_weather"}),
    ],
)
def test_flat_function_tools_and_tool_choice(choice: str, wire: Any) -> None:
    body = body_of(chat(user("Hi"), tools=[WEATHER, ToolSpec("now")], tool_choice=choice))
    assert body["tools"] == [
        {
            "type": "function",
            "name": "get_weather",
            "description": "Weather of a city.",
            "parameters": WEATHER.parameters,
            "strict": False,
        },
        {
            "type": "function",
            "name": "now",
            "parameters": {"type": "object", "properties": {}},
            "strict": False,
        },
    ]
    assert body["tool_choice"] == wire


def test_tool_options_without_tools_are_not_sent() -> None:
    body = body_of(chat(user("Hi"), tool_choice="auto", parallel_tool_calls=False))
    assert not {"tools", "tool_choice", "parallel_tool_calls"} & set(body)


@pytest.mark.parametrize(
    ("effort", "include", "reasoning"),
    [
        (None, False, None),
        ("low", False, {"effort": "low"}),
        (None, True, {"summary": "auto"}),
        ("high", True, {"effort": "high", "summary": "auto"}),
    ],
)
def test_reasoning(effort: str | None, include: bool, reasoning: dict[str, str] | None) -> None:
    body = body_of(chat(user("Hi"), reasoning_effort=effort, include_reasoning=include))
    assert body.get("reasoning") == reasoning


def test_options() -> None:
    body = body_of(
        chat(
            user("Hi"),
            max_tokens=500,
            temperature=0.0,
            top_p=0.9,
            stop=["END"],
            seed=1,
            user="u-1",
            parallel_tool_calls=True,
            tools=[WEATHER],
            stream=True,
        )
    )
    assert body["max_output_tokens"] == 500
    assert (body["temperature"], body["top_p"], body["user"]) == (0.0, 0.9, "u-1")
    assert body["parallel_tool_calls"] is True
    assert body["stream"] is True and body["store"] is False
    assert not {"stop", "seed", "stream_options", "max_tokens"} & set(body)


@pytest.mark.parametrize(
    ("response_format", "text_format"),
    [
        ({"type": "text"}, {"type": "text"}),
        ({"type": "json_object"}, {"type": "json_object"}),
        (
            {
                "type": "json_schema",
                "json_schema": {"name": "city", "schema": {"type": "object"}, "strict": True},
            },
            {"type": "json_schema", "name": "city", "schema": {"type": "object"}, "strict": True},
        ),
    ],
)
def test_response_format_becomes_text_format(
    response_format: dict[str, Any], text_format: dict[str, Any]
) -> None:
    assert body_of(chat(user("Hi"), response_format=response_format))["text"] == {
        "format": text_format
    }


# --- response ----------------------------------------------------------------------------------

USAGE = {
    "input_tokens": 1036,
    "input_tokens_details": {"cached_tokens": 1024, "cache_write_tokens": 0},
    "output_tokens": 620,
    "output_tokens_details": {"reasoning_tokens": 576},
    "total_tokens": 1656,
}
MESSAGE_ITEM = {
    "type": "message",
    "id": "msg_1",
    "status": "completed",
    "role": "assistant",
    "content": [{"type": "output_text", "text": "Hello!", "annotations": [], "logprobs": []}],
}
REASONING_ITEM = {
    "type": "reasoning",
    "id": "rs_1",
    "summary": [
        {"type": "summary_text", "text": "First thought."},
        {"type": "summary_text", "text": "Second thought."},
    ],
}
CALL_ITEM = {
    "type": "function_call",
    "id": "fc_1",
    "call_id": "call_abc",
    "name": "get_weather",
    "arguments": '{"city":"Paris"}',
    "status": "completed",
}
FULL_RESPONSE: dict[str, Any] = {
    "id": "resp_68ab",
    "object": "response",
    "created_at": 1741476542,
    "status": "completed",
    "error": None,
    "incomplete_details": None,
    "instructions": None,
    "max_output_tokens": 2048,
    "model": "o3-pro-2025-06-10",
    "output": [REASONING_ITEM, MESSAGE_ITEM],
    "parallel_tool_calls": True,
    "reasoning": {"effort": "medium", "summary": "auto"},
    "store": False,
    "temperature": 1.0,
    "text": {"format": {"type": "text"}},
    "tool_choice": "auto",
    "tools": [],
    "top_p": 1.0,
    "truncation": "disabled",
    "usage": USAGE,
    "metadata": {},
}
FULL_USAGE = Usage(input_tokens=12, output_tokens=620, cache_read_tokens=1024, reasoning_tokens=576)


def parse(data: dict[str, Any], *, validate: bool = True) -> Any:
    raw = orjson.dumps(data)
    if validate:
        Response.model_validate_json(raw)
    return WIRE.parse_chat(raw)


def test_parse_a_full_response() -> None:
    parsed = parse(FULL_RESPONSE)
    assert (parsed.id, parsed.model, parsed.text) == ("resp_68ab", "o3-pro-2025-06-10", "Hello!")
    assert parsed.reasoning == "First thought.\n\nSecond thought."
    assert parsed.finish_reason == "stop" and parsed.tool_calls == []
    assert parsed.usage == FULL_USAGE


def test_parse_function_calls() -> None:
    parsed = parse({**FULL_RESPONSE, "output": [CALL_ITEM, {**CALL_ITEM, "call_id": "call_2"}]})
    assert parsed.finish_reason == "tool_calls" and parsed.text == ""
    assert parsed.tool_calls == [
        ToolCall("call_abc", "get_weather", '{"city":"Paris"}'),
        ToolCall("call_2", "get_weather", '{"city":"Paris"}'),
    ]


def test_parse_refusal_and_raw_reasoning_text() -> None:
    refusal = {**MESSAGE_ITEM, "content": [{"type": "refusal", "refusal": "I can't."}]}
    raw_reasoning = {
        "type": "reasoning",
        "id": "rs_2",
        "summary": [],
        "content": [{"type": "reasoning_text", "text": "Raw thinking."}],
    }
    parsed = parse({**FULL_RESPONSE, "output": [raw_reasoning, refusal]})
    assert (parsed.text, parsed.reasoning) == ("I can't.", "Raw thinking.")


@pytest.mark.parametrize(
    ("status", "details", "finish"),
    [
        ("incomplete", {"reason": "max_output_tokens"}, "length"),
        ("incomplete", {"reason": "content_filter"}, "content_filter"),
        ("cancelled", None, "error"),
    ],
)
def test_how_a_response_ended(status: str, details: Any, finish: str) -> None:
    data = {**FULL_RESPONSE, "status": status, "incomplete_details": details}
    assert parse(data).finish_reason == finish


def test_a_failed_response_is_an_upstream_error() -> None:
    error = {"code": "server_error", "message": "The model crashed."}
    data = {**FULL_RESPONSE, "status": "failed", "error": error, "output": []}
    with pytest.raises(UpstreamError, match=r"The model crashed\.") as raised:
        parse(data)
    assert raised.value.code == "server_error"
    assert not isinstance(raised.value, UpstreamProtocolError)


def test_an_error_body_is_an_upstream_error() -> None:
    with pytest.raises(UpstreamError, match="busy"):
        WIRE.parse_chat(b'{"error": {"message": "busy", "type": "server_error"}}')


def test_usage_with_cache_writes_and_without_usage() -> None:
    usage = {
        "input_tokens": 3000,
        "input_tokens_details": {"cached_tokens": 1000, "cache_write_tokens": 1500},
        "output_tokens": 10,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 3010,
    }
    assert parse({**FULL_RESPONSE, "usage": usage}).usage == Usage(
        input_tokens=500, output_tokens=10, cache_read_tokens=1000, cache_write_tokens=1500
    )
    assert parse({**FULL_RESPONSE, "usage": None}).usage == Usage()


def _with(**changes: Any) -> bytes:
    return orjson.dumps({**FULL_RESPONSE, **changes})


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b'{"id": "resp_1", "output": [',
        b"[]",
        b"\xff",
        _with(output=None),
        _with(output=["text"]),
        _with(output=[{**CALL_ITEM, "call_id": None}]),
        _with(output=[{k: v for k, v in CALL_ITEM.items() if k != "name"}]),
        _with(usage=[1]),
        _with(usage={**USAGE, "output_tokens": "620"}),
        _with(usage={**USAGE, "input_tokens_details": {"cached_tokens": -5}}),
    ],
)
def test_malformed_bodies(body: bytes) -> None:
    with pytest.raises(UpstreamProtocolError, match=MALFORMED):
        WIRE.parse_chat(body)


def test_error_message() -> None:
    body = b'{"error": {"message": "Unsupported parameter: temperature", "type": "x"}}'
    assert WIRE.error_message(body) == "Unsupported parameter: temperature"
    assert WIRE.error_message(b"oops") is None


# --- stream ------------------------------------------------------------------------------------


def sse(*events: dict[str, Any], validate: bool = True) -> bytes:
    out = b""
    for number, event in enumerate(events):
        event = {**event, "sequence_number": number}
        if validate:
            SDK_EVENT.validate_python(event)
        out += f"event: {event['type']}\n".encode() + b"data: " + orjson.dumps(event) + b"\n\n"
    return out


def started(kind: str = "response.created") -> dict[str, Any]:
    response = {**FULL_RESPONSE, "status": "in_progress", "output": [], "usage": None}
    return {"type": kind, "response": response}


def ended(output: list[dict[str, Any]], kind: str = "response.completed", **extra: Any) -> Any:
    return {"type": kind, "response": {**FULL_RESPONSE, "output": output, **extra}}


def summary_events(index: int, *texts: str) -> list[dict[str, Any]]:
    ids = {"item_id": "rs_1", "output_index": index}
    events: list[dict[str, Any]] = [
        {
            "type": "response.output_item.added",
            "output_index": index,
            "item": {**REASONING_ITEM, "summary": []},
        }
    ]
    for number, text in enumerate(texts):
        part = {"type": "summary_text", "text": ""}
        events.append(
            {
                "type": "response.reasoning_summary_part.added",
                **ids,
                "summary_index": number,
                "part": part,
            }
        )
        for piece in (text[:5], text[5:]):
            events.append(
                {
                    "type": "response.reasoning_summary_text.delta",
                    **ids,
                    "summary_index": number,
                    "delta": piece,
                }
            )
    events.append(
        {"type": "response.output_item.done", "output_index": index, "item": REASONING_ITEM}
    )
    return events


def text_events(index: int, *pieces: str) -> list[dict[str, Any]]:
    ids = {"item_id": "msg_1", "output_index": index, "content_index": 0}
    added = {**MESSAGE_ITEM, "status": "in_progress", "content": []}
    return [
        {"type": "response.output_item.added", "output_index": index, "item": added},
        *(
            {"type": "response.output_text.delta", **ids, "delta": piece, "logprobs": []}
            for piece in pieces
        ),
        {"type": "response.output_text.done", **ids, "text": "".join(pieces), "logprobs": []},
    ]


def call_events(index: int, call_id: str, *pieces: str) -> list[dict[str, Any]]:
    item_id = f"fc_{index}"
    item = {**CALL_ITEM, "id": item_id, "call_id": call_id, "arguments": "".join(pieces)}
    ids = {"item_id": item_id, "output_index": index}
    return [
        {
            "type": "response.output_item.added",
            "output_index": index,
            "item": {**item, "status": "in_progress", "arguments": ""},
        },
        *({"type": "response.function_call_arguments.delta", **ids, "delta": p} for p in pieces),
        {
            "type": "response.function_call_arguments.done",
            **ids,
            "name": item["name"],
            "arguments": item["arguments"],
        },
        {"type": "response.output_item.done", "output_index": index, "item": item},
    ]


RECORDED = sse(
    started(),
    started("response.in_progress"),
    *summary_events(0, "First thought.", "Second thought."),
    *text_events(1, "Héllo, ", "checking ✓"),
    *call_events(2, "call_a", '{"city": "Pa', 'ris"}'),
    *call_events(3, "call_b", "{}"),
    ended([REASONING_ITEM, MESSAGE_ITEM, CALL_ITEM]),
)


def decode(data: bytes, step: int | None = None) -> tuple[list[StreamEvent], bool]:
    decoder = WIRE.stream_decoder()
    events: list[StreamEvent] = []
    step = step or len(data) or 1
    for start in range(0, len(data), step):
        events += decoder.feed(data[start : start + step])
    return events, decoder.finished


@pytest.mark.parametrize("step", [None, 1, 9, 100])
def test_recorded_stream_at_any_byte_boundary(step: int | None) -> None:
    events, finished = decode(RECORDED, step)
    assert finished
    out = collect(events)
    assert out.reasoning == "First thought.\n\nSecond thought."
    assert out.text == "Héllo, checking ✓"
    assert out.tools == {
        0: {"id": "call_a", "name": "get_weather", "arguments": '{"city": "Paris"}'},
        1: {"id": "call_b", "name": "get_weather", "arguments": "{}"},
    }
    assert out.finishes == ["tool_calls"]
    assert out.reports == [FULL_USAGE]


def test_arguments_only_in_the_done_events_and_nothing_after_the_end() -> None:
    item = {**CALL_ITEM, "arguments": ""}
    done = {"type": "response.output_item.done", "output_index": 0, "item": CALL_ITEM}
    events, finished = decode(
        sse(
            {"type": "response.output_item.added", "output_index": 0, "item": item},
            done,
            ended([CALL_ITEM]),
            *text_events(1, "late"),
            validate=True,
        )
    )
    assert finished
    out = collect(events)
    assert out.tools == {
        0: {"id": "call_abc", "name": "get_weather", "arguments": '{"city":"Paris"}'}
    }
    assert out.text == ""


def test_an_incomplete_response_ends_the_stream() -> None:
    incomplete = ended(
        [MESSAGE_ITEM],
        "response.incomplete",
        status="incomplete",
        incomplete_details={"reason": "max_output_tokens"},
    )
    events, finished = decode(sse(*text_events(0, "Hel"), incomplete))
    out = collect(events)
    assert finished and out.finishes == ["length"] and out.text == "Hel"


@pytest.mark.parametrize(
    "event",
    [
        {
            "type": "response.failed",
            "response": {
                **FULL_RESPONSE,
                "status": "failed",
                "error": {"code": "server_error", "message": "The model crashed."},
            },
        },
        {"type": "error", "code": "server_error", "message": "The model crashed.", "param": None},
    ],
)
def test_errors_inside_a_stream(event: dict[str, Any]) -> None:
    decoder = WIRE.stream_decoder()
    assert collect(decoder.feed(sse(*text_events(0, "Hi")))).text == "Hi"
    with pytest.raises(UpstreamError, match=r"The model crashed\.") as raised:
        decoder.feed(sse(event))
    assert not isinstance(raised.value, UpstreamProtocolError)
    assert raised.value.code == "server_error"


@pytest.mark.parametrize(
    "data",
    [
        b'event: response.output_text.delta\ndata: {"type": "response.output_text.delta", "del\n\n',
        b"data: [1]\n\n",
        b'data: {"type": "response.function_call_arguments.delta", "output_index": 5, '
        b'"delta": "x"}\n\n',
        b'data: {"type": "response.output_item.added", "output_index": 0, '
        b'"item": {"type": "function_call", "name": "f"}}\n\n',
        b'data: {"type": "response.completed", "response": {"status": "completed", '
        b'"usage": {"input_tokens": "3"}}}\n\n',
        b"data: \xff\n\n",
    ],
)
def test_malformed_stream_events(data: bytes) -> None:
    with pytest.raises(UpstreamProtocolError, match=MALFORMED):
        decode(data)


def test_unknown_events_are_ignored() -> None:
    events, finished = decode(
        b'event: response.web_search_call.searching\ndata: {"type": '
        b'"response.web_search_call.searching", "item_id": "ws_1", "output_index": 0}\n\n'
        b": keep-alive\n\n"
    )
    assert events == [] and not finished


# --- round trips through the fake provider ------------------------------------------------------


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProvider]:
    with FakeProvider() as running:
        yield running


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def fake_target(fake: FakeProvider, provider: str = "openai", model: str = "o3-pro") -> Target:
    return target(provider, fake.url if provider == "azure" else f"{fake.url}/v1", model)


def send(http: httpx.Client, upstream: UpstreamRequest) -> httpx.Response:
    return http.request(upstream.method, upstream.url, headers=upstream.headers, json=upstream.json)


def send_stream(http: httpx.Client, upstream: UpstreamRequest) -> tuple[list[StreamEvent], bool]:
    decoder = WIRE.stream_decoder()
    events: list[StreamEvent] = []
    with http.stream(
        upstream.method, upstream.url, headers=upstream.headers, json=upstream.json
    ) as response:
        assert response.status_code == 200
        for piece in response.iter_raw():
            events += decoder.feed(piece)
    return events, decoder.finished


def tokens(*texts: str, images: int = 0) -> int:
    """The fake's prompt tokens of one message (see modelyard.testing)."""
    return 4 + math.ceil(sum(len(t) for t in texts) / 4) + 85 * images


def test_round_trip_with_instructions_and_images(fake: FakeProvider, http: httpx.Client) -> None:
    fake.clear()
    request = chat(
        Message("system", [TextPart("Be brief.")]),
        Message("user", [TextPart("What is this?"), ImagePart(PNG)]),
        max_tokens=100,
    )
    response = send(http, WIRE.build_chat(request, fake_target(fake)))
    assert response.status_code == 200, response.text
    parsed = WIRE.parse_chat(response.content)
    assert (parsed.text, parsed.finish_reason, parsed.reasoning) == (
        "Echo: What is this?",
        "stop",
        None,
    )
    assert parsed.usage == Usage(
        input_tokens=tokens("Be brief.") + tokens("What is this?", images=1), output_tokens=4
    )
    [logged] = fake.requests()
    assert logged["path"] == "/v1/responses"
    assert logged["headers"]["authorization"] == f"Bearer {SECRET}"
    assert logged["body"]["instructions"] == "Be brief."
    assert logged["body"]["max_output_tokens"] == 100
    assert logged["body"]["store"] is False


def test_round_trip_max_tokens_cut(fake: FakeProvider, http: httpx.Client) -> None:
    request = chat(user("one two three four five"), max_tokens=2)
    parsed = WIRE.parse_chat(send(http, WIRE.build_chat(request, fake_target(fake))).content)
    assert (parsed.text, parsed.finish_reason) == ("Echo: one", "length")


def test_round_trip_tool_loop(fake: FakeProvider, http: httpx.Client) -> None:
    fake.clear()
    first = chat(user("What is the weather in Paris?"), tools=[WEATHER])
    answer = WIRE.parse_chat(send(http, WIRE.build_chat(first, fake_target(fake))).content)
    assert answer.finish_reason == "tool_calls"
    [call] = answer.tool_calls
    assert (call.name, orjson.loads(call.arguments)) == ("get_weather", {"city": "Paris"})
    second = chat(
        *first.messages,
        Message("assistant", tool_calls=answer.tool_calls),
        Message("tool", [TextPart("18C and sunny")], tool_call_id=call.id),
        tools=[WEATHER],
    )
    final = WIRE.parse_chat(send(http, WIRE.build_chat(second, fake_target(fake))).content)
    assert (final.text, final.finish_reason) == ("Echo: 18C and sunny", "stop")
    logged = fake.requests()[-1]["body"]["input"]
    assert logged[1]["type"] == "function_call" and logged[1]["call_id"] == call.id
    assert logged[2] == {
        "type": "function_call_output",
        "call_id": call.id,
        "output": "18C and sunny",
    }


@pytest.mark.parametrize(
    ("provider", "model"),
    [("openai", "gpt-5"), ("openai", "o3-reason-cache"), ("azure", "my-deployment")],
)
@pytest.mark.parametrize("tools", [False, True])
def test_round_trip_stream_matches_the_plain_answer(
    fake: FakeProvider, http: httpx.Client, provider: str, model: str, tools: bool
) -> None:
    request = chat(
        user("Tell me about the weather at sea"),
        model=model,
        include_reasoning=True,
        tools=[WEATHER] if tools else None,
    )
    upstream_target = fake_target(fake, provider, model)
    plain = WIRE.parse_chat(send(http, WIRE.build_chat(request, upstream_target)).content)
    request.stream = True
    events, finished = send_stream(http, WIRE.build_chat(request, upstream_target))
    assert finished
    out = collect(events)
    assert out.text == plain.text
    assert (out.reasoning or None) == plain.reasoning
    assert out.finishes == [plain.finish_reason]
    assert out.reports == [plain.usage]
    assert [(t["name"], t["arguments"]) for t in out.tools.values()] == [
        (c.name, c.arguments) for c in plain.tool_calls
    ]
    if "reason" in model:
        assert plain.reasoning and plain.usage.reasoning_tokens > 0
    if "cache" in model:
        assert plain.usage.cache_read_tokens > 0


def test_round_trip_azure(fake: FakeProvider, http: httpx.Client) -> None:
    fake.clear()
    request = chat(user("Hello Azure"), model="my-deployment")
    upstream = WIRE.build_chat(request, fake_target(fake, "azure", "my-deployment"))
    parsed = WIRE.parse_chat(send(http, upstream).content)
    assert parsed.text == "Echo: Hello Azure"
    [logged] = fake.requests()
    assert logged["path"] == "/openai/v1/responses"
    assert logged["headers"]["api-key"] == AZURE_KEY
    assert logged["body"]["model"] == "my-deployment"


def test_round_trip_faults(fake: FakeProvider, http: httpx.Client) -> None:
    failing = chat(user("Hi"), model="fail-500")
    response = send(http, WIRE.build_chat(failing, fake_target(fake, model="fail-500")))
    assert response.status_code == 500 and WIRE.error_message(response.content)
    garbage = chat(user("Hi there, how are you?"), model="fail-garbage", stream=True)
    with pytest.raises(UpstreamProtocolError, match=MALFORMED):
        send_stream(http, WIRE.build_chat(garbage, fake_target(fake, model="fail-garbage")))
