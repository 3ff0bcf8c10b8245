"""The Chat Completions wire: pure translation, then round trips through the fake provider.

Hand-written answers and chunks are first checked against the official ``openai`` SDK's types,
so they are shapes the real API can send.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest
from openai.types.chat import ChatCompletion, ChatCompletionChunk

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
from modelyard.providers.base import Connection, Target, UpstreamProtocolError, UpstreamRequest
from modelyard.providers.openai_chat import WIRE
from modelyard.testing import FakeProvider

SECRET = "sk-test-secret"
AZURE_KEY = "azure-test-key"
API_VERSION = "2024-10-21"
PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg=="
WEATHER = ToolSpec(
    name="get_weather",
    description="Weather of a city.",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
MALFORMED = r"^The OpenAI-compatible provider sent a malformed response: "
CONNECTIONS: dict[str, Connection] = {
    "openai": connections.OPENAI,
    "azure": connections.AZURE,
    "mistral": connections.MISTRAL,
    "deepseek": connections.DEEPSEEK,
    "xai": connections.XAI,
    "openai_compatible": connections.OPENAI_COMPATIBLE,
}


def target(
    provider: str = "openai", base_url: str | None = None, model: str = "gpt-4.1-mini"
) -> Target:
    if provider == "azure":
        return Target(
            "azure", connections.AZURE, model, AZURE_KEY, base_url=base_url, api_version=API_VERSION
        )
    return Target(provider, CONNECTIONS[provider], model, SECRET, base_url=base_url)


def user(text: str) -> Message:
    return Message("user", [TextPart(text)])


def chat(*messages: Message, **options: Any) -> ChatRequest:
    return ChatRequest(
        model=options.pop("model", "gpt-4.1-mini"), messages=list(messages), **options
    )


def body_of(request: ChatRequest, provider: str = "openai") -> dict[str, Any]:
    built = WIRE.build_chat(request, target(provider))
    assert built.json is not None
    return built.json


@dataclass
class Collected:
    """A stream's events put back together."""

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
    assert built.url == "https://api.openai.com/v1/chat/completions"
    assert built.headers == {"authorization": f"Bearer {SECRET}"}
    assert built.method == "POST" and not built.stream and built.form is None
    assert built.json == {"model": "gpt-4.1-mini", "messages": [{"role": "user", "content": "Hi"}]}


def test_azure_url_and_key() -> None:
    built = WIRE.build_chat(
        chat(user("Hi")), target("azure", "https://res.openai.azure.com/", "dep")
    )
    assert built.url == (
        "https://res.openai.azure.com/openai/deployments/dep/chat/completions"
        f"?api-version={API_VERSION}"
    )
    assert built.headers == {"api-key": AZURE_KEY}


def test_system_multi_part_user_and_names() -> None:
    request = chat(
        Message("system", [TextPart("Be brief.")]),
        Message("user", [TextPart("What is "), TextPart("this?")], name="ann"),
        Message(
            "user",
            [TextPart("And this?"), ImagePart(PNG, detail="low"), ImagePart("https://x/c.png")],
        ),
    )
    assert body_of(request)["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is this?", "name": "ann"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "And this?"},
                {"type": "image_url", "image_url": {"url": PNG, "detail": "low"}},
                {"type": "image_url", "image_url": {"url": "https://x/c.png"}},
            ],
        },
    ]


def test_tool_loop_messages() -> None:
    call = ToolCall("call_1", "get_weather", '{"city":"Paris"}')
    request = chat(
        user("Weather in Paris?"),
        Message("assistant", tool_calls=[call]),
        Message("tool", [TextPart("18C")], tool_call_id="call_1"),
        Message("assistant", [TextPart("Checking again.")], tool_calls=[call]),
        Message("assistant", [TextPart("It is 18C.")], reasoning="not sent back"),
        tools=[WEATHER],
    )
    function = {"name": "get_weather", "arguments": '{"city":"Paris"}'}
    tool_calls = [{"id": "call_1", "type": "function", "function": function}]
    assert body_of(request)["messages"][1:] == [
        {"role": "assistant", "content": None, "tool_calls": tool_calls},
        {"role": "tool", "content": "18C", "tool_call_id": "call_1"},
        {"role": "assistant", "content": "Checking again.", "tool_calls": tool_calls},
        {"role": "assistant", "content": "It is 18C."},
    ]


@pytest.mark.parametrize(
    ("choice", "wire"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ("get_weather", {"type": "function", "function": {"name": "get_weather"}}),
    ],
)
def test_tools_and_tool_choice(choice: str, wire: Any) -> None:
    body = body_of(chat(user("Hi"), tools=[WEATHER], tool_choice=choice, parallel_tool_calls=False))
    assert body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather of a city.",
                "parameters": WEATHER.parameters,
            },
        }
    ]
    assert body["tool_choice"] == wire
    assert body["parallel_tool_calls"] is False


def test_tool_options_without_tools_are_not_sent_and_parameters_default() -> None:
    body = body_of(chat(user("Hi"), tool_choice="none", parallel_tool_calls=True))
    assert "tool_choice" not in body and "parallel_tool_calls" not in body and "tools" not in body
    body = body_of(chat(user("Hi"), tools=[ToolSpec("now")]))
    assert body["tools"] == [
        {
            "type": "function",
            "function": {"name": "now", "parameters": {"type": "object", "properties": {}}},
        }
    ]


@pytest.mark.parametrize(
    ("provider", "field_name"),
    [
        ("openai", "max_completion_tokens"),
        ("azure", "max_completion_tokens"),
        ("mistral", "max_tokens"),
        ("deepseek", "max_tokens"),
        ("xai", "max_tokens"),
        ("openai_compatible", "max_tokens"),
    ],
)
def test_max_tokens_field_per_provider(provider: str, field_name: str) -> None:
    body = body_of(chat(user("Hi"), max_tokens=77), provider)
    assert body[field_name] == 77
    assert {"max_tokens", "max_completion_tokens"} & set(body) == {field_name}


def test_options_are_sent_only_when_set() -> None:
    assert set(body_of(chat(user("Hi")))) == {"model", "messages"}
    body = body_of(
        chat(
            user("Hi"),
            temperature=0.0,
            top_p=0.5,
            stop=["END"],
            response_format={"type": "json_object"},
            reasoning_effort="low",
            seed=7,
            user="u-1",
            include_reasoning=True,
        )
    )
    assert {k: v for k, v in body.items() if k not in ("model", "messages")} == {
        "temperature": 0.0,
        "top_p": 0.5,
        "stop": ["END"],
        "response_format": {"type": "json_object"},
        "reasoning_effort": "low",
        "seed": 7,
        "user": "u-1",
    }


def test_stream_always_asks_for_usage() -> None:
    built = WIRE.build_chat(chat(user("Hi"), stream=True), target("deepseek"))
    assert built.stream
    assert built.json is not None
    assert built.json["stream"] is True
    assert built.json["stream_options"] == {"include_usage": True}


def test_mistral_dialect() -> None:
    request = chat(Message("user", [TextPart("Hi")], name="ann"), seed=3, user="u-1", stream=True)
    body = body_of(request, "mistral")
    assert body["messages"] == [{"role": "user", "content": "Hi"}]
    assert body["random_seed"] == 3
    assert body["stream"] is True
    assert not {"seed", "user", "stream_options"} & set(body)


# --- response ----------------------------------------------------------------------------------

FULL_USAGE = {
    "prompt_tokens": 1210,
    "completion_tokens": 90,
    "total_tokens": 1300,
    "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
    "completion_tokens_details": {
        "reasoning_tokens": 64,
        "audio_tokens": 0,
        "accepted_prediction_tokens": 0,
        "rejected_prediction_tokens": 0,
    },
}
FULL_ANSWER: dict[str, Any] = {
    "id": "chatcmpl-9xYz",
    "object": "chat.completion",
    "created": 1741569952,
    "model": "gpt-4.1-mini-2025-04-14",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "A cat on a sofa.",
                "refusal": None,
                "annotations": [],
            },
            "logprobs": None,
            "finish_reason": "stop",
        }
    ],
    "usage": FULL_USAGE,
    "service_tier": "default",
    "system_fingerprint": "fp_1a2b3c",
}


def answer_with(message: dict[str, Any], **extra: Any) -> dict[str, Any]:
    choice = {**FULL_ANSWER["choices"][0], "message": {"role": "assistant", **message}}
    return {**FULL_ANSWER, "choices": [choice], **extra}


def parse(data: dict[str, Any], *, validate: bool = True) -> Any:
    raw = orjson.dumps(data)
    if validate:
        ChatCompletion.model_validate_json(raw)
    return WIRE.parse_chat(raw)


def test_parse_a_full_answer() -> None:
    parsed = parse(FULL_ANSWER)
    assert (parsed.id, parsed.model, parsed.text) == (
        "chatcmpl-9xYz",
        "gpt-4.1-mini-2025-04-14",
        "A cat on a sofa.",
    )
    assert parsed.finish_reason == "stop"
    assert parsed.tool_calls == [] and parsed.reasoning is None
    assert parsed.usage == Usage(
        input_tokens=186, output_tokens=90, cache_read_tokens=1024, reasoning_tokens=64
    )
    assert parsed.usage.prompt_tokens == 1210


def test_parse_tool_calls() -> None:
    calls = [
        {"id": "call_a", "type": "function", "function": {"name": "f", "arguments": '{"x":1}'}},
        {"id": "call_b", "type": "function", "function": {"name": "g", "arguments": "{}"}},
    ]
    data = answer_with({"content": None, "tool_calls": calls})
    data["choices"][0]["finish_reason"] = "tool_calls"
    parsed = parse(data)
    assert parsed.text == "" and parsed.finish_reason == "tool_calls"
    assert parsed.tool_calls == [ToolCall("call_a", "f", '{"x":1}'), ToolCall("call_b", "g", "{}")]


def test_parse_tool_call_arguments_sent_as_an_object() -> None:
    calls = [{"id": "c", "type": "function", "function": {"name": "f", "arguments": {"x": 1}}}]
    parsed = parse(answer_with({"content": None, "tool_calls": calls}), validate=False)
    assert parsed.tool_calls == [ToolCall("c", "f", '{"x":1}')]


@pytest.mark.parametrize("key", ["reasoning_content", "reasoning"])
def test_parse_reasoning_fields(key: str) -> None:
    parsed = parse(answer_with({"content": "42", key: "Let me think."}))
    assert (parsed.text, parsed.reasoning) == ("42", "Let me think.")


def test_parse_reasoning_content_wins_over_reasoning() -> None:
    parsed = parse(answer_with({"content": "42", "reasoning_content": "a", "reasoning": "a"}))
    assert parsed.reasoning == "a"


def test_parse_mistral_content_parts_with_thinking() -> None:
    content = [
        {
            "type": "thinking",
            "thinking": [{"type": "text", "text": "Hmm, "}, {"type": "text", "text": "ok."}],
        },
        {"type": "text", "text": "Answer."},
    ]
    parsed = parse(answer_with({"content": content}), validate=False)
    assert (parsed.text, parsed.reasoning) == ("Answer.", "Hmm, ok.")


def test_parse_a_refusal() -> None:
    parsed = parse(answer_with({"content": None, "refusal": "I can't help with that."}))
    assert parsed.text == "I can't help with that."


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        (None, Usage()),
        ({"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13}, Usage(10, 3)),
        (  # DeepSeek
            {
                "prompt_tokens": 100,
                "completion_tokens": 5,
                "total_tokens": 105,
                "prompt_cache_hit_tokens": 64,
                "prompt_cache_miss_tokens": 36,
            },
            Usage(input_tokens=36, output_tokens=5, cache_read_tokens=64),
        ),
        (  # xAI: reasoning outside completion_tokens, inside total_tokens
            {
                "prompt_tokens": 10120,
                "completion_tokens": 1499,
                "total_tokens": 14428,
                "prompt_tokens_details": {"cached_tokens": 128},
                "completion_tokens_details": {"reasoning_tokens": 2809},
            },
            Usage(
                input_tokens=9992,
                output_tokens=4308,
                cache_read_tokens=128,
                reasoning_tokens=2809,
            ),
        ),
        (  # cache writes (newer spec) are apart from the uncached input
            {
                "prompt_tokens": 2000,
                "completion_tokens": 1,
                "total_tokens": 2001,
                "prompt_tokens_details": {"cached_tokens": 500, "cache_write_tokens": 1000},
            },
            Usage(
                input_tokens=500, output_tokens=1, cache_read_tokens=500, cache_write_tokens=1000
            ),
        ),
    ],
)
def test_usage_normalisation(usage: dict[str, Any] | None, expected: Usage) -> None:
    assert parse({**FULL_ANSWER, "usage": usage}, validate=False).usage == expected


@pytest.mark.parametrize(
    ("reason", "finish"),
    [
        ("stop", "stop"),
        ("length", "length"),
        ("tool_calls", "tool_calls"),
        ("function_call", "tool_calls"),
        ("content_filter", "content_filter"),
        ("model_length", "length"),
        ("error", "error"),
        ("insufficient_system_resource", "error"),
        ("something_new", "stop"),
        (None, "stop"),
    ],
)
def test_finish_reasons(reason: str | None, finish: str) -> None:
    data = {**FULL_ANSWER, "choices": [{**FULL_ANSWER["choices"][0], "finish_reason": reason}]}
    assert parse(data, validate=False).finish_reason == finish


def _with(**changes: Any) -> bytes:
    return orjson.dumps({**FULL_ANSWER, **changes})


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b'{"id": "chatcmpl-1", "choices": [',
        b"[]",
        b"\xff\xfe",
        _with(choices=[]),
        _with(choices=None),
        _with(choices=["x"]),
        _with(choices=[{"index": 0, "finish_reason": "stop"}]),
        orjson.dumps(answer_with({"content": 5})),
        orjson.dumps(answer_with({"content": None, "tool_calls": "call"})),
        orjson.dumps(answer_with({"content": None, "tool_calls": [{"id": "c"}]})),
        orjson.dumps(answer_with({"tool_calls": [{"id": "c", "function": {"arguments": "{}"}}]})),
        _with(usage="lots"),
        _with(usage={**FULL_USAGE, "prompt_tokens": "1210"}),
        _with(usage={**FULL_USAGE, "completion_tokens": -1}),
        _with(usage={**FULL_USAGE, "prompt_tokens_details": {"cached_tokens": 1.5}}),
    ],
)
def test_malformed_bodies(body: bytes) -> None:
    with pytest.raises(UpstreamProtocolError, match=MALFORMED):
        WIRE.parse_chat(body)


def test_an_error_in_a_200_body_is_an_upstream_error() -> None:
    body = b'{"error": {"message": "Model overloaded", "type": "server_error", "code": "busy"}}'
    with pytest.raises(UpstreamError, match="Model overloaded") as raised:
        WIRE.parse_chat(body)
    assert not isinstance(raised.value, UpstreamProtocolError)
    assert raised.value.code == "busy"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (  # OpenAI
            b'{"error": {"message": "Incorrect API key provided: sk-abc...wxyz.", '
            b'"type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}',
            "Incorrect API key provided: sk-abc...wxyz.",
        ),
        (  # Azure
            b'{"error": {"code": "DeploymentNotFound", "message": "The API deployment for this '
            b'resource does not exist."}}',
            "The API deployment for this resource does not exist.",
        ),
        (  # Mistral, pydantic validation detail inside the message
            b'{"object":"error","message":{"detail":[{"type":"extra_forbidden",'
            b'"loc":["body","stream_options"],"msg":"Extra inputs are not permitted",'
            b'"input":true}]},"type":"invalid_request_error","param":null,"code":null}',
            "body.stream_options: Extra inputs are not permitted",
        ),
        (  # vLLM
            b'{"object": "error", "message": "The model `x` does not exist.", '
            b'"type": "NotFoundError", "param": null, "code": 404}',
            "The model `x` does not exist.",
        ),
        (b'{"detail": "Not Found"}', "Not Found"),  # FastAPI servers
        (b'{"error": "rate limited"}', "rate limited"),
        (b'{"error": {"type": "server_error"}}', None),
        (b"<html>Bad gateway</html>", None),
        (b"[]", None),
        (b"", None),
    ],
)
def test_error_message(body: bytes, message: str | None) -> None:
    assert WIRE.error_message(body) == message


# --- stream ------------------------------------------------------------------------------------

BASE = {
    "id": "chatcmpl-9xYz",
    "object": "chat.completion.chunk",
    "created": 1741569952,
    "model": "gpt-4.1-mini-2025-04-14",
    "system_fingerprint": "fp_1a2b3c",
}
AZURE_FILTER_CHUNK = {
    "choices": [],
    "created": 0,
    "id": "",
    "model": "",
    "object": "",
    "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {}}],
}


def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
    return {**BASE, "choices": [choice], "usage": None, **extra}


def tool_piece(index: int, arguments: str, **start: Any) -> dict[str, Any]:
    piece: dict[str, Any] = {"index": index, "function": {"arguments": arguments}}
    if start:
        piece.update(id=start["id"], type="function")
        piece["function"]["name"] = start["name"]
    return chunk({"tool_calls": [piece]})


def sse(*chunks: dict[str, Any] | str, validate: bool = True) -> bytes:
    out = b""
    for item in chunks:
        if isinstance(item, str):
            out += f"data: {item}\n\n".encode()
            continue
        if validate and item.get("object") == "chat.completion.chunk":
            ChatCompletionChunk.model_validate(item)
        out += b"data: " + orjson.dumps(item) + b"\n\n"
    return out


RECORDED = sse(
    AZURE_FILTER_CHUNK,
    chunk({"role": "assistant", "content": "", "refusal": None}),
    chunk({"reasoning_content": "Think "}),
    chunk({"reasoning_content": "hard ✓"}),
    chunk({"content": "Héllo, "}),
    chunk({"content": "checking."}),
    tool_piece(0, "", id="call_a", name="get_weather"),
    tool_piece(0, '{"city": "Pa'),
    tool_piece(1, "", id="call_b", name="now"),
    tool_piece(0, 'ris"}'),
    tool_piece(1, "{}"),
    chunk({}, "tool_calls"),
    {**BASE, "choices": [], "usage": FULL_USAGE},
    "[DONE]",
)
RECORDED_USAGE = Usage(
    input_tokens=186, output_tokens=90, cache_read_tokens=1024, reasoning_tokens=64
)


def decode(data: bytes, step: int | None = None) -> tuple[list[StreamEvent], bool]:
    decoder = WIRE.stream_decoder()
    events: list[StreamEvent] = []
    step = step or len(data) or 1
    for start in range(0, len(data), step):
        events += decoder.feed(data[start : start + step])
    return events, decoder.finished


@pytest.mark.parametrize("step", [None, 1, 7, 64])
@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_recorded_stream_at_any_byte_boundary(step: int | None, newline: bytes) -> None:
    data = RECORDED if newline == b"\n" else RECORDED.replace(b"\n", b"\r\n")
    events, finished = decode(data, step)
    assert finished
    out = collect(events)
    assert out.reasoning == "Think hard ✓"
    assert out.text == "Héllo, checking."
    assert out.tools == {
        0: {"id": "call_a", "name": "get_weather", "arguments": '{"city": "Paris"}'},
        1: {"id": "call_b", "name": "now", "arguments": "{}"},
    }
    assert out.finishes == ["tool_calls"]
    assert out.reports == [RECORDED_USAGE]
    assert isinstance(events[-1], UsageReport)


def test_events_come_out_before_the_stream_ends_and_nothing_after_done() -> None:
    decoder = WIRE.stream_decoder()
    cut = RECORDED.index(b"checking.")  # in the middle of a chunk
    first = collect(decoder.feed(RECORDED[:cut]))
    assert (first.reasoning, first.text) == ("Think hard ✓", "Héllo, ")
    assert not decoder.finished
    decoder.feed(RECORDED[cut:])
    assert decoder.finished
    assert decoder.feed(sse(chunk({"content": "late"}))) == []


def test_reasoning_field_and_refusal_deltas() -> None:
    events, finished = decode(
        sse(
            chunk({"reasoning": "vLLM style"}),
            chunk({"content": None, "refusal": "No."}),
            chunk({}, "stop"),
            "[DONE]",
        )
    )
    out = collect(events)
    assert finished and (out.reasoning, out.text, out.finishes) == ("vLLM style", "No.", ["stop"])


def test_tool_calls_without_index_and_repeated_ids() -> None:
    def call(call_id: str | None, name: str | None, arguments: str) -> dict[str, Any]:
        piece: dict[str, Any] = {"function": {"arguments": arguments}}
        if call_id:
            piece["id"] = call_id
        if name:
            piece["function"]["name"] = name
        return chunk({"tool_calls": [piece]})

    events, _ = decode(
        sse(
            call("call_a", "f", '{"a":'),
            call(None, None, "1}"),
            call("call_b", "g", "{}"),
            call("call_b", "g", ""),  # a server repeating id and name
            validate=False,
        )
    )
    assert collect(events).tools == {
        0: {"id": "call_a", "name": "f", "arguments": '{"a":1}'},
        1: {"id": "call_b", "name": "g", "arguments": "{}"},
    }


def test_usage_repeated_on_several_chunks_is_reported_by_difference() -> None:
    def usage(prompt: int, completion: int) -> dict[str, Any]:
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }

    events, _ = decode(
        sse(
            chunk({"content": "a"}, usage=usage(10, 1)),
            chunk({"content": "b"}, usage=usage(10, 2)),
            chunk({}, "stop", usage=usage(10, 2)),
            "[DONE]",
        )
    )
    out = collect(events)
    assert out.reports == [Usage(10, 1), Usage(0, 1)]
    assert out.usage == Usage(10, 2)


@pytest.mark.parametrize(
    "data",
    [
        b'data: {"error": {"message": "Internal error", "type": "server_error", "code": null}}\n\n',
        b'event: error\ndata: {"message": "Internal error"}\n\n',
    ],
)
def test_an_error_inside_a_stream(data: bytes) -> None:
    decoder = WIRE.stream_decoder()
    assert collect(decoder.feed(sse(chunk({"content": "Hi"})))).text == "Hi"
    with pytest.raises(UpstreamError, match="Internal error") as raised:
        decoder.feed(data)
    assert not isinstance(raised.value, UpstreamProtocolError)


@pytest.mark.parametrize(
    "data",
    [
        b'data: {"id": "x", "choices": [\n\n',
        b"data: [1, 2]\n\n",
        b'data: {"choices": {"index": 0}}\n\n',
        b'data: {"choices": [{"index": 0, "delta": {"content": 5}}]}\n\n',
        b'data: {"choices": [{"index": 0, "delta": {"tool_calls": ["x"]}}]}\n\n',
        b'data: {"choices": [], "usage": {"prompt_tokens": "3"}}\n\n',
        b"data: \xff\n\n",
    ],
)
def test_malformed_stream_chunks(data: bytes) -> None:
    with pytest.raises(UpstreamProtocolError, match=MALFORMED):
        decode(data)


def test_comments_empty_events_and_other_choices_are_ignored() -> None:
    other = {
        **chunk({"content": "second choice"}),
        "choices": [{"index": 1, "delta": {"content": "x"}}],
    }
    events, finished = decode(
        b": keep-alive\n\ndata:\n\n" + sse(other, validate=False) + b"data: [DONE]\n\n"
    )
    assert events == [] and finished


# --- round trips through the fake provider ------------------------------------------------------


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProvider]:
    with FakeProvider() as running:
        yield running


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def fake_target(
    fake: FakeProvider, provider: str = "openai", model: str = "gpt-4.1-mini"
) -> Target:
    base = fake.url if provider == "azure" else f"{fake.url}/v1"
    return target(provider, base, model)


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


def test_round_trip_text_with_system_and_images(fake: FakeProvider, http: httpx.Client) -> None:
    fake.clear()
    request = chat(
        Message("system", [TextPart("Be brief.")]),
        Message("user", [TextPart("What is this?"), ImagePart(PNG), ImagePart("https://x/c.png")]),
        max_tokens=100,
        temperature=0.2,
    )
    response = send(http, WIRE.build_chat(request, fake_target(fake)))
    assert response.status_code == 200, response.text
    ChatCompletion.model_validate_json(response.content)
    parsed = WIRE.parse_chat(response.content)
    assert parsed.text == "Echo: What is this?"
    assert parsed.finish_reason == "stop"
    assert parsed.usage == Usage(
        input_tokens=tokens("Be brief.") + tokens("What is this?", images=2), output_tokens=4
    )
    [logged] = fake.requests()
    assert logged["path"] == "/v1/chat/completions"
    assert logged["headers"]["authorization"] == f"Bearer {SECRET}"
    assert logged["body"]["max_completion_tokens"] == 100
    assert logged["body"]["temperature"] == 0.2
    assert [p["type"] for p in logged["body"]["messages"][1]["content"]] == [
        "text",
        "image_url",
        "image_url",
    ]


def test_round_trip_max_tokens_cut(fake: FakeProvider, http: httpx.Client) -> None:
    request = chat(user("one two three four five"), max_tokens=2)
    parsed = WIRE.parse_chat(send(http, WIRE.build_chat(request, fake_target(fake))).content)
    assert (parsed.text, parsed.finish_reason, parsed.usage.output_tokens) == (
        "Echo: one",
        "length",
        2,
    )


def test_round_trip_tool_loop(fake: FakeProvider, http: httpx.Client) -> None:
    fake.clear()
    first = chat(user("What is the weather in Paris?"), tools=[WEATHER])
    answer = WIRE.parse_chat(send(http, WIRE.build_chat(first, fake_target(fake))).content)
    assert answer.finish_reason == "tool_calls"
    [call] = answer.tool_calls
    assert (call.name, orjson.loads(call.arguments)) == ("get_weather", {"city": "Paris"})
    second = chat(
        *first.messages,
        Message("assistant", [TextPart(answer.text)], tool_calls=answer.tool_calls),
        Message("tool", [TextPart("18C and sunny")], tool_call_id=call.id),
        tools=[WEATHER],
    )
    final = WIRE.parse_chat(send(http, WIRE.build_chat(second, fake_target(fake))).content)
    assert (final.text, final.finish_reason, final.tool_calls) == (
        "Echo: 18C and sunny",
        "stop",
        [],
    )
    logged = fake.requests()[-1]["body"]["messages"]
    assert logged[1]["tool_calls"][0]["id"] == call.id
    assert logged[2] == {"role": "tool", "content": "18C and sunny", "tool_call_id": call.id}


def test_round_trip_forced_tool_choice(fake: FakeProvider, http: httpx.Client) -> None:
    request = chat(user("Hello"), tools=[ToolSpec("now"), WEATHER], tool_choice="get_weather")
    parsed = WIRE.parse_chat(send(http, WIRE.build_chat(request, fake_target(fake))).content)
    assert [c.name for c in parsed.tool_calls] == ["get_weather"]


@pytest.mark.parametrize(
    ("provider", "model"),
    [("openai", "gpt-4.1-mini"), ("openai", "fake-reason-cache"), ("azure", "my-deployment")],
)
@pytest.mark.parametrize("tools", [False, True])
def test_round_trip_stream_matches_the_plain_answer(
    fake: FakeProvider, http: httpx.Client, provider: str, model: str, tools: bool
) -> None:
    request = chat(
        user("Tell me about the weather at sea"),
        model=model,
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
    assert out.usage == plain.usage
    assert len(out.reports) == 1
    assert [(t["name"], t["arguments"]) for t in out.tools.values()] == [
        (c.name, c.arguments) for c in plain.tool_calls
    ]
    assert all(t["id"].startswith("call_") for t in out.tools.values())
    if "reason" in model:
        assert plain.reasoning and plain.usage.reasoning_tokens > 0
    if "cache" in model:
        assert plain.usage.cache_read_tokens > 0
        assert plain.usage.prompt_tokens == tokens("Tell me about the weather at sea")


def test_round_trip_azure(fake: FakeProvider, http: httpx.Client) -> None:
    fake.clear()
    request = chat(user("Hello Azure"), model="my-deployment", max_tokens=50)
    upstream = WIRE.build_chat(request, fake_target(fake, "azure", "my-deployment"))
    response = send(http, upstream)
    assert response.status_code == 200, response.text
    parsed = WIRE.parse_chat(response.content)
    assert parsed.text == "Echo: Hello Azure"
    assert parsed.usage == Usage(input_tokens=tokens("Hello Azure"), output_tokens=3)
    [logged] = fake.requests()
    assert logged["path"] == "/openai/deployments/my-deployment/chat/completions"
    assert logged["query"] == {"api-version": API_VERSION}
    assert logged["headers"]["api-key"] == AZURE_KEY
    assert "authorization" not in logged["headers"]
    assert logged["body"]["max_completion_tokens"] == 50


def test_round_trip_mistral_style(fake: FakeProvider, http: httpx.Client) -> None:
    fake.clear()
    request = chat(user("Bonjour"), model="mistral-small-latest", max_tokens=50, seed=1)
    mistral = fake_target(fake, "mistral", "mistral-small-latest")
    parsed = WIRE.parse_chat(send(http, WIRE.build_chat(request, mistral)).content)
    assert (parsed.text, parsed.usage) == (
        "Echo: Bonjour",
        Usage(input_tokens=tokens("Bonjour"), output_tokens=2),
    )
    request.stream = True
    events, finished = send_stream(http, WIRE.build_chat(request, mistral))
    assert finished and collect(events).text == "Echo: Bonjour"
    plain, streamed = (entry["body"] for entry in fake.requests())
    assert plain["max_tokens"] == 50 and "max_completion_tokens" not in plain
    assert plain["random_seed"] == 1 and "seed" not in plain
    assert streamed["stream"] is True and "stream_options" not in streamed
    assert fake.requests()[0]["headers"]["authorization"] == f"Bearer {SECRET}"


def test_round_trip_upstream_errors(fake: FakeProvider, http: httpx.Client) -> None:
    failing = chat(user("Hi"), model="fail-429")
    response = send(http, WIRE.build_chat(failing, fake_target(fake, model="fail-429")))
    assert response.status_code == 429
    assert WIRE.error_message(response.content)
    azure = fake_target(fake, "azure", "fail-404")
    response = send(http, WIRE.build_chat(chat(user("Hi")), azure))
    assert response.status_code == 404
    assert "deployment" in (WIRE.error_message(response.content) or "")


def test_round_trip_garbage(fake: FakeProvider, http: httpx.Client) -> None:
    garbage = fake_target(fake, model="fail-garbage")
    request = chat(user("Hi"), model="fail-garbage")
    response = send(http, WIRE.build_chat(request, garbage))
    with pytest.raises(UpstreamProtocolError, match=MALFORMED):
        WIRE.parse_chat(response.content)
    request = chat(user("Hi there, how are you?"), model="fail-garbage", stream=True)
    with pytest.raises(UpstreamProtocolError, match=MALFORMED):
        send_stream(http, WIRE.build_chat(request, garbage))


def test_round_trip_cut_stream_is_not_finished(fake: FakeProvider, http: httpx.Client) -> None:
    request = chat(user("Hi there, how are you?"), model="fail-cut", stream=True)
    upstream = WIRE.build_chat(request, fake_target(fake, model="fail-cut"))
    decoder = WIRE.stream_decoder()
    text = ""
    with (
        pytest.raises(httpx.HTTPError),
        http.stream(
            upstream.method, upstream.url, headers=upstream.headers, json=upstream.json
        ) as response,
    ):
        for piece in response.iter_raw():
            text += collect(decoder.feed(piece)).text
    assert text.startswith("Echo:") and not decoder.finished
