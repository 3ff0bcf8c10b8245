"""The Gemini wire format: pure translation, then round trips through the fake provider."""

from __future__ import annotations

import base64
import math
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from modelyard.errors import BadRequest, UpstreamError
from modelyard.llm_types import (
    ChatRequest,
    EmbeddingRequest,
    Finish,
    ImagePart,
    ImageRequest,
    InputFile,
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
from modelyard.providers.base import Target, UpstreamProtocolError, UpstreamRequest
from modelyard.providers.connections import GOOGLE
from modelyard.providers.gemini import (
    CHAT_WIRE,
    EMBEDDING_WIRE,
    IMAGE_WIRE,
    GeminiEmbeddingWire,
    estimated_usage,
)
from modelyard.providers.gemini.images import aspect_ratio
from modelyard.providers.gemini.request import PLACEHOLDER_SIGNATURE
from modelyard.testing import FakeProvider

SECRET = "gem-secret-123"
PNG_URL = "data:image/png;base64,iVBORw0KGgo="
WEATHER = ToolSpec(
    "get_weather",
    "Weather of a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


def target(model: str = "gemini-2.5-flash", base_url: str | None = None) -> Target:
    return Target("google", GOOGLE, model, SECRET, base_url=base_url)


def user(*parts: str | ImagePart) -> Message:
    return Message("user", [TextPart(p) if isinstance(p, str) else p for p in parts])


def chat(*messages: Message, **options: Any) -> ChatRequest:
    return ChatRequest("gemini-2.5-flash", list(messages), **options)


def body_of(request: ChatRequest) -> dict[str, Any]:
    built = CHAT_WIRE.build_chat(request, target())
    assert built.json is not None
    return built.json


def decode(data: bytes, step: int = 1) -> tuple[list[StreamEvent], bool]:
    decoder = CHAT_WIRE.stream_decoder()
    events: list[StreamEvent] = []
    for start in range(0, len(data), step):
        events.extend(decoder.feed(data[start : start + step]))
    return events, decoder.finished


def sse(*chunks: dict[str, Any], newline: bytes = b"\r\n") -> bytes:
    return b"".join(b"data: " + orjson.dumps(c) + newline + newline for c in chunks)


def total_usage(events: list[StreamEvent]) -> Usage:
    usage = Usage()
    for event in events:
        if isinstance(event, UsageReport):
            usage.add(event.usage)
    return usage


# --- chat requests -------------------------------------------------------------------------


def test_build_chat_urls_and_auth() -> None:
    built = CHAT_WIRE.build_chat(chat(user("hi")), target("models/gemini-2.5-flash"))
    base = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash"
    assert built.url == f"{base}:generateContent"
    assert built.headers == {"x-goog-api-key": SECRET}
    assert not built.stream
    streamed = CHAT_WIRE.build_chat(chat(user("hi"), stream=True), target())
    assert streamed.url == f"{base}:streamGenerateContent?alt=sse"
    assert streamed.stream


def test_system_messages_roles_and_images() -> None:
    body = body_of(
        chat(
            Message("system", [TextPart("Be brief.")]),
            Message("system", [TextPart("Be kind.")]),
            user("What is this?", ImagePart(PNG_URL), ImagePart("https://x.test/a/cat.webp?s=1")),
            Message("assistant", [TextPart("A cat.")]),
            user("And this?", ImagePart("https://x.test/picture")),
        )
    )
    assert body["systemInstruction"] == {"parts": [{"text": "Be brief."}, {"text": "Be kind."}]}
    assert body["contents"] == [
        {
            "role": "user",
            "parts": [
                {"text": "What is this?"},
                {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
                {
                    "fileData": {
                        "mimeType": "image/webp",
                        "fileUri": "https://x.test/a/cat.webp?s=1",
                    }
                },
            ],
        },
        {"role": "model", "parts": [{"text": "A cat."}]},
        {
            "role": "user",
            "parts": [
                {"text": "And this?"},
                {"fileData": {"mimeType": "image/jpeg", "fileUri": "https://x.test/picture"}},
            ],
        },
    ]
    assert "generationConfig" not in body
    assert "tools" not in body


def test_generation_config() -> None:
    body = body_of(
        chat(
            user("hi"),
            max_tokens=100,
            temperature=0.2,
            top_p=0.9,
            stop=["END"],
            seed=7,
            include_reasoning=True,
            reasoning_effort="low",
        )
    )
    assert body["generationConfig"] == {
        "maxOutputTokens": 100,
        "temperature": 0.2,
        "topP": 0.9,
        "stopSequences": ["END"],
        "seed": 7,
        "thinkingConfig": {"thinkingBudget": 1024, "includeThoughts": True},
    }
    assert body_of(chat(user("hi"), temperature=0.0))["generationConfig"] == {"temperature": 0.0}


def test_response_formats() -> None:
    def config(spec: dict[str, Any]) -> Any:
        return body_of(chat(user("hi"), response_format=spec)).get("generationConfig")

    assert config({"type": "text"}) is None
    assert config({"type": "json_object"}) == {"responseMimeType": "application/json"}
    simple = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    assert config({"type": "json_schema", "json_schema": {"name": "x", "schema": simple}}) == {
        "responseMimeType": "application/json",
        "responseSchema": simple,
    }
    rich = {**simple, "additionalProperties": False}
    assert config({"type": "json_schema", "json_schema": {"name": "x", "schema": rich}}) == {
        "responseMimeType": "application/json",
        "responseJsonSchema": rich,
    }


def test_tools_and_tool_choice() -> None:
    rich = ToolSpec(
        "lookup", None, {"type": "object", "properties": {"q": {"type": ["string", "null"]}}}
    )
    bare = ToolSpec("now", "The time", {"type": "object", "properties": {}})
    body = body_of(chat(user("hi"), tools=[WEATHER, rich, bare]))
    assert body["tools"] == [
        {
            "functionDeclarations": [
                {
                    "name": "get_weather",
                    "description": "Weather of a city",
                    "parameters": WEATHER.parameters,
                },
                {"name": "lookup", "parametersJsonSchema": rich.parameters},
                {"name": "now", "description": "The time"},
            ]
        }
    ]
    assert "toolConfig" not in body
    expected = {
        "auto": {"mode": "AUTO"},
        "none": {"mode": "NONE"},
        "required": {"mode": "ANY"},
        "get_weather": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]},
    }
    for choice, config in expected.items():
        body = body_of(chat(user("hi"), tools=[WEATHER], tool_choice=choice))
        assert body["toolConfig"] == {"functionCallingConfig": config}
    assert "toolConfig" not in body_of(chat(user("hi"), tool_choice="required"))


def test_tool_calls_and_results() -> None:
    calls = [
        ToolCall("call_0", "get_weather", '{"city": "Paris"}'),
        ToolCall("call_1", "get_time", ""),
    ]
    body = body_of(
        chat(
            user("Weather and time?"),
            Message("assistant", [TextPart("Let me look.")], tool_calls=calls),
            Message("tool", [TextPart('{"temp": 21}')], tool_call_id="call_0"),
            Message("tool", [TextPart("noon")], tool_call_id="call_1"),
            user("Thanks. Again?"),
            # our synthesized ids repeat across turns: the latest call with the id names it
            Message("assistant", tool_calls=[ToolCall("call_0", "get_time", "not json")]),
            Message("tool", [TextPart("[1, 2]")], tool_call_id="call_0"),
        )
    )
    assert body["contents"] == [
        {"role": "user", "parts": [{"text": "Weather and time?"}]},
        {
            "role": "model",
            "parts": [
                {"text": "Let me look."},
                {
                    "functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
                    "thoughtSignature": PLACEHOLDER_SIGNATURE,
                },
                {"functionCall": {"name": "get_time", "args": {}}},
            ],
        },
        {
            "role": "user",
            "parts": [
                {"functionResponse": {"name": "get_weather", "response": {"temp": 21}}},
                {"functionResponse": {"name": "get_time", "response": {"content": "noon"}}},
                {"text": "Thanks. Again?"},
            ],
        },
        {
            "role": "model",
            "parts": [
                {
                    "functionCall": {"name": "get_time", "args": {"arguments": "not json"}},
                    "thoughtSignature": PLACEHOLDER_SIGNATURE,
                }
            ],
        },
        {
            "role": "user",
            "parts": [
                {"functionResponse": {"name": "get_time", "response": {"content": "[1, 2]"}}}
            ],
        },
    ]


def test_tool_result_without_its_call() -> None:
    named = chat(user("x"), Message("tool", [TextPart("1")], tool_call_id="zz", name="f"))
    assert body_of(named)["contents"][0]["parts"][1] == {
        "functionResponse": {"name": "f", "response": {"content": "1"}}
    }
    with pytest.raises(BadRequest) as caught:
        body_of(chat(user("x"), Message("tool", [TextPart("1")], tool_call_id="zz")))
    assert caught.value.param == "messages"


# --- chat answers --------------------------------------------------------------------------

ANSWER = {
    "candidates": [
        {
            "content": {
                "role": "model",
                "parts": [
                    {"text": "Considering the image…", "thought": True},
                    {"text": "A cat on a sofa."},
                ],
            },
            "finishReason": "STOP",
            "index": 0,
        }
    ],
    "usageMetadata": {
        "promptTokenCount": 1290,
        "candidatesTokenCount": 7,
        "totalTokenCount": 1345,
        "cachedContentTokenCount": 1024,
        "thoughtsTokenCount": 48,
    },
    "modelVersion": "gemini-2.5-flash",
    "responseId": "mAitaLmkHPPlz7IPvtfUqQ4",
}
ANSWER_USAGE = Usage(
    input_tokens=266, output_tokens=55, cache_read_tokens=1024, reasoning_tokens=48
)


def test_parse_chat_text_reasoning_and_usage() -> None:
    response = CHAT_WIRE.parse_chat(orjson.dumps(ANSWER))
    assert response.text == "A cat on a sofa."
    assert response.reasoning == "Considering the image…"
    assert response.finish_reason == "stop"
    assert response.usage == ANSWER_USAGE
    assert response.usage.prompt_tokens == 1290
    assert (response.id, response.model) == ("mAitaLmkHPPlz7IPvtfUqQ4", "gemini-2.5-flash")


def test_parse_chat_function_calls() -> None:
    parts = [
        {"functionCall": {"name": "get_weather", "args": {"city": "Paris", "days": 2}}},
        {"functionCall": {"name": "get_time", "id": "fc-9"}, "thoughtSignature": "abc"},
        {"functionCall": {"name": "get_weather", "args": {"city": "Rome"}}},
    ]
    body = {"candidates": [{"content": {"parts": parts}, "finishReason": "STOP"}]}
    response = CHAT_WIRE.parse_chat(orjson.dumps(body))
    assert response.finish_reason == "tool_calls"
    assert response.text == ""
    assert response.reasoning is None
    assert response.usage == Usage()
    assert response.tool_calls == [
        ToolCall("call_0", "get_weather", '{"city":"Paris","days":2}'),
        ToolCall("fc-9", "get_time", "{}"),
        ToolCall("call_2", "get_weather", '{"city":"Rome"}'),
    ]


@pytest.mark.parametrize(
    ("gemini", "internal"),
    [
        ("STOP", "stop"),
        ("MAX_TOKENS", "length"),
        ("SAFETY", "content_filter"),
        ("RECITATION", "content_filter"),
        ("BLOCKLIST", "content_filter"),
        ("PROHIBITED_CONTENT", "content_filter"),
        ("SPII", "content_filter"),
        ("MALFORMED_FUNCTION_CALL", "error"),
        ("SOMETHING_NEW", "stop"),
    ],
)
def test_finish_reasons(gemini: str, internal: str) -> None:
    body = {"candidates": [{"content": {"parts": [{"text": "x"}]}, "finishReason": gemini}]}
    assert CHAT_WIRE.parse_chat(orjson.dumps(body)).finish_reason == internal


def test_blocked_prompt() -> None:
    body = {
        "promptFeedback": {"blockReason": "SAFETY", "safetyRatings": []},
        "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 9},
    }
    response = CHAT_WIRE.parse_chat(orjson.dumps(body))
    assert (response.text, response.finish_reason) == ("", "content_filter")
    assert response.usage == Usage(input_tokens=9)
    no_content = {"candidates": [{"finishReason": "SAFETY", "index": 0}]}
    assert CHAT_WIRE.parse_chat(orjson.dumps(no_content)).finish_reason == "content_filter"


@pytest.mark.parametrize(
    "body",
    [
        b'{"candidates": [',
        b"[]",
        b"{}",
        b'{"candidates": {}}',
        b'{"candidates": [{"content": {"parts": ["text"]}}]}',
        b'{"candidates": [{"content": {"parts": [{"text": 5}]}}]}',
        b'{"candidates": [{"content": {"parts": [{"functionCall": {"args": {}}}]}}]}',
        b'{"candidates": [{"content": {"parts": [{"functionCall": {"name": "f", "args": []}}]}}]}',
        b'{"candidates": [{"content": "x"}]}',
        b'{"candidates": [], "usageMetadata": {"promptTokenCount": "9"}}',
    ],
)
def test_malformed_answers(body: bytes) -> None:
    with pytest.raises(UpstreamProtocolError, match=r"^Gemini sent a malformed response: "):
        CHAT_WIRE.parse_chat(body)


def test_error_message() -> None:
    error = {"error": {"code": 429, "message": "Quota exceeded.", "status": "RESOURCE_EXHAUSTED"}}
    assert CHAT_WIRE.error_message(orjson.dumps(error)) == "Quota exceeded."
    assert CHAT_WIRE.error_message(orjson.dumps([error])) == "Quota exceeded."
    assert EMBEDDING_WIRE.error_message(orjson.dumps(error)) == "Quota exceeded."
    assert IMAGE_WIRE.error_message(orjson.dumps(error)) == "Quota exceeded."
    for body in (b"<html>", b"{}", b'{"error": "x"}', b'{"error": {"message": 3}}', b"[]"):
        assert CHAT_WIRE.error_message(body) is None


# --- streams -------------------------------------------------------------------------------

STREAM = sse(
    {
        "candidates": [
            {"content": {"parts": [{"text": "Hmm…", "thought": True}], "role": "model"}}
        ],
        "usageMetadata": {"promptTokenCount": 1290, "totalTokenCount": 1290},
    },
    {
        "candidates": [{"content": {"parts": [{"text": "A cat"}], "role": "model"}, "index": 0}],
        "usageMetadata": {"promptTokenCount": 1290, "totalTokenCount": 1290},
    },
    {
        "candidates": [
            {
                "content": {"parts": [{"text": " on a sofa. 🐱"}], "role": "model"},
                "finishReason": "STOP",
                "index": 0,
            }
        ],
        "usageMetadata": ANSWER["usageMetadata"],
    },
)


@pytest.mark.parametrize("step", [1, 2, 7, len(STREAM)])
def test_stream_at_awkward_boundaries(step: int) -> None:
    events, finished = decode(STREAM, step)
    assert finished
    assert events == [
        ReasoningDelta("Hmm…"),
        TextDelta("A cat"),
        TextDelta(" on a sofa. 🐱"),
        Finish("stop"),
        UsageReport(ANSWER_USAGE),
    ]


def test_stream_with_lf_line_ends_and_comments() -> None:
    data = b": keep-alive\n\n" + STREAM.replace(b"\r\n", b"\n")
    events, finished = decode(data, 3)
    assert finished
    assert total_usage(events) == ANSWER_USAGE


def test_stream_is_not_finished_before_the_finish_reason() -> None:
    first_two = STREAM[: STREAM.index(b"data:", STREAM.index(b"A cat"))]
    events, finished = decode(first_two)
    assert not finished
    assert events == [ReasoningDelta("Hmm…"), TextDelta("A cat")]


def test_stream_tool_calls() -> None:
    data = sse(
        {
            "candidates": [
                {"content": {"parts": [{"functionCall": {"name": "a", "args": {"x": 1}}}]}}
            ]
        },
        {
            "candidates": [
                {
                    "content": {
                        "parts": [
                            {"functionCall": {"name": "b", "args": {}}, "thoughtSignature": "s"}
                        ]
                    },
                    "finishReason": "STOP",
                }
            ],
            "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 4},
        },
    )
    events, finished = decode(data, 5)
    assert finished
    assert events == [
        ToolCallDelta(0, "call_0", "a", '{"x":1}'),
        ToolCallDelta(1, "call_1", "b", "{}"),
        Finish("tool_calls"),
        UsageReport(Usage(input_tokens=10, output_tokens=4)),
    ]


def test_stream_usage_repeated_after_the_finish_adds_up() -> None:
    final = {"promptTokenCount": 10, "candidatesTokenCount": 4}
    data = sse(
        {
            "candidates": [{"content": {"parts": [{"text": "x"}]}, "finishReason": "MAX_TOKENS"}],
            "usageMetadata": final,
        },
        {"usageMetadata": final},
        {"usageMetadata": {**final, "candidatesTokenCount": 6, "cachedContentTokenCount": 2}},
    )
    events, _ = decode(data)
    assert [e for e in events if isinstance(e, Finish)] == [Finish("length")]
    assert len([e for e in events if isinstance(e, UsageReport)]) == 2
    assert total_usage(events) == Usage(input_tokens=8, output_tokens=6, cache_read_tokens=2)


def test_stream_blocked_prompt() -> None:
    data = sse(
        {
            "promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},
            "usageMetadata": {"promptTokenCount": 5},
        }
    )
    events, finished = decode(data)
    assert finished
    assert events == [Finish("content_filter"), UsageReport(Usage(input_tokens=5))]


def test_stream_error_chunk() -> None:
    error = {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}
    decoder = CHAT_WIRE.stream_decoder()
    assert decoder.feed(STREAM[: STREAM.index(b"data:", 10)]) == [ReasoningDelta("Hmm…")]
    with pytest.raises(UpstreamError) as caught:
        decoder.feed(sse(error))
    assert not isinstance(caught.value, UpstreamProtocolError)
    assert "The model is overloaded." in caught.value.message
    assert caught.value.code == "UNAVAILABLE"


def test_stream_malformed_chunk() -> None:
    with pytest.raises(UpstreamProtocolError, match="malformed"):
        decode(b'data: {"candidates": [\r\n\r\n')
    with pytest.raises(UpstreamProtocolError, match="malformed"):
        decode(b"data: [1]\r\n\r\n")


# --- embeddings and images -----------------------------------------------------------------


def test_build_embeddings() -> None:
    request = EmbeddingRequest("gemini-embedding-001", ["hello", "world!"], dimensions=768)
    built = EMBEDDING_WIRE.build_embeddings(request, target("gemini-embedding-001"))
    assert built.url.endswith("/v1beta/models/gemini-embedding-001:batchEmbedContents")
    assert built.headers == {"x-goog-api-key": SECRET}
    assert built.json == {
        "requests": [
            {
                "model": "models/gemini-embedding-001",
                "content": {"parts": [{"text": text}]},
                "outputDimensionality": 768,
            }
            for text in ("hello", "world!")
        ]
    }
    with pytest.raises(BadRequest, match="Gemini embeddings take text input") as caught:
        EMBEDDING_WIRE.build_embeddings(EmbeddingRequest("m", [[1, 2]]), target())
    assert caught.value.param == "input"


def test_parse_embeddings() -> None:
    body = orjson.dumps({"embeddings": [{"values": [0.5, 1]}, {"values": [-1.0, 0]}]})
    parsed = EMBEDDING_WIRE.parse_embeddings(body)
    assert parsed.vectors == [[0.5, 1.0], [-1.0, 0.0]]
    assert parsed.usage == Usage()
    request = EmbeddingRequest("gemini-embedding-001", ["hello", "world!"])
    with_request = GeminiEmbeddingWire().parse_embeddings(body, request)
    assert with_request.usage == Usage(input_tokens=2 + 2) == estimated_usage(request)
    for bad in (b"{}", b'{"embeddings": [{}]}', b'{"embeddings": [{"values": ["x"]}]}', b"oops"):
        with pytest.raises(UpstreamProtocolError):
            EMBEDDING_WIRE.parse_embeddings(bad)
    with pytest.raises(UpstreamProtocolError, match="2 embeddings for 1 inputs"):
        GeminiEmbeddingWire().parse_embeddings(body, EmbeddingRequest("m", ["x"]))


def test_build_images() -> None:
    photo = InputFile("photo.jpg", "application/octet-stream", b"\xff\xd8data")
    request = ImageRequest(
        "gemini-2.5-flash-image", "make it blue", n=3, size="1536x1024", images=[photo]
    )
    built = IMAGE_WIRE.build_images(request, target("gemini-2.5-flash-image"))
    assert built.url.endswith("/models/gemini-2.5-flash-image:generateContent")
    assert built.json == {
        "contents": [
            {
                "role": "user",
                "parts": [
                    {
                        "inlineData": {
                            "mimeType": "image/jpeg",
                            "data": base64.b64encode(b"\xff\xd8data").decode(),
                        }
                    },
                    {"text": "make it blue"},
                ],
            }
        ],
        "generationConfig": {
            "responseModalities": ["TEXT", "IMAGE"],
            "imageConfig": {"aspectRatio": "3:2"},
        },
    }
    assert [aspect_ratio(s) for s in ("1024x1024", "1024x1792", "auto", None, "0x5")] == [
        "1:1",
        None,
        None,
        None,
        None,
    ]


def test_parse_images() -> None:
    parts = [
        {"inlineData": {"mimeType": "image/png", "data": "VGhvdWdodA=="}, "thought": True},
        {"text": "Here you go"},
        {"inlineData": {"mimeType": "image/png", "data": "QUJD"}},
    ]
    body = {
        "candidates": [{"content": {"parts": parts}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 7, "candidatesTokenCount": 1290},
    }
    parsed = IMAGE_WIRE.parse_images(orjson.dumps(body))
    assert [i.b64_json for i in parsed.images] == ["QUJD"]
    assert parsed.usage == Usage(input_tokens=7, output_tokens=1290, images=1)
    blocked = {"promptFeedback": {"blockReason": "SAFETY"}}
    with pytest.raises(BadRequest) as caught:
        IMAGE_WIRE.parse_images(orjson.dumps(blocked))
    assert caught.value.code == "content_policy_violation"
    text_only = {"candidates": [{"content": {"parts": [{"text": "No."}]}, "finishReason": "STOP"}]}
    assert IMAGE_WIRE.parse_images(orjson.dumps(text_only)).images == []
    with pytest.raises(UpstreamProtocolError):
        IMAGE_WIRE.parse_images(b'{"candidates": [{"content": {"parts": [{"inlineData": {}}]}}]}')


# --- round trips through the fake provider ---------------------------------------------------


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProvider]:
    with FakeProvider() as provider:
        yield provider


@pytest.fixture
def client(fake: FakeProvider) -> Iterator[httpx.Client]:
    fake.clear()
    with httpx.Client(timeout=10) as http:
        yield http


def send(client: httpx.Client, built: UpstreamRequest) -> httpx.Response:
    return client.request(built.method, built.url, headers=built.headers, json=built.json)


def stream(client: httpx.Client, built: UpstreamRequest) -> tuple[list[StreamEvent], bool, bytes]:
    decoder = CHAT_WIRE.stream_decoder()
    events: list[StreamEvent] = []
    raw = b""
    with client.stream(built.method, built.url, headers=built.headers, json=built.json) as answer:
        assert answer.status_code == 200
        for piece in answer.iter_raw():
            raw += piece
            events.extend(decoder.feed(piece))
    return events, decoder.finished, raw


def tokens(*texts: str, images: int = 0) -> int:
    """The fake's prompt tokens of one turn."""
    return 4 + math.ceil(sum(len(t) for t in texts) / 4) + 85 * images


def test_round_trip_chat(fake: FakeProvider, client: httpx.Client) -> None:
    request = chat(
        Message("system", [TextPart("Be brief.")]),
        user("Describe", ImagePart(PNG_URL)),
        temperature=0.5,
    )
    built = CHAT_WIRE.build_chat(request, target(base_url=fake.url))
    answer = send(client, built)
    assert answer.status_code == 200
    response = CHAT_WIRE.parse_chat(answer.content)
    assert response.text == "Echo: Describe"
    assert response.finish_reason == "stop"
    prompt = tokens("Be brief.") + tokens("Describe", images=1)
    assert response.usage == Usage(input_tokens=prompt, output_tokens=2)
    [logged] = fake.requests()
    assert logged["path"] == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert logged["headers"]["x-goog-api-key"] == SECRET
    assert logged["body"] == built.json
    assert logged["body"]["generationConfig"] == {"temperature": 0.5}


def test_round_trip_tool_call_and_result(fake: FakeProvider, client: httpx.Client) -> None:
    ask = user("What is the weather in Paris?")
    built = CHAT_WIRE.build_chat(chat(ask, tools=[WEATHER]), target(base_url=fake.url))
    first = CHAT_WIRE.parse_chat(send(client, built).content)
    assert first.finish_reason == "tool_calls"
    assert first.tool_calls == [ToolCall("call_0", "get_weather", '{"city":"Paris"}')]
    follow_up = chat(
        ask,
        Message("assistant", tool_calls=first.tool_calls),
        Message("tool", [TextPart('{"temp":21}')], tool_call_id="call_0"),
        tools=[WEATHER],
    )
    second = CHAT_WIRE.parse_chat(
        send(client, CHAT_WIRE.build_chat(follow_up, target(base_url=fake.url))).content
    )
    assert second.text == 'Echo: {"temp":21}'
    assert second.finish_reason == "stop"
    logged = fake.requests()[-1]["body"]["contents"]
    assert logged[-1] == {
        "role": "user",
        "parts": [{"functionResponse": {"name": "get_weather", "response": {"temp": 21}}}],
    }


def test_round_trip_reasoning_and_cache(fake: FakeProvider, client: httpx.Client) -> None:
    request = chat(user("Think hard about this"), include_reasoning=True)
    built = CHAT_WIRE.build_chat(request, target("gemini-cache-reason", base_url=fake.url))
    response = CHAT_WIRE.parse_chat(send(client, built).content)
    assert response.reasoning == "Reasoning about: Think hard about this"
    assert response.text == "Echo: Think hard about this"
    prompt = tokens("Think hard about this")
    cached = prompt // 2
    assert response.usage == Usage(
        input_tokens=prompt - cached,
        cache_read_tokens=cached,
        output_tokens=6 + 5,
        reasoning_tokens=6,
    )


@pytest.mark.parametrize("model", ["gemini-2.5-flash", "gemini-cache-reason"])
def test_round_trip_stream_matches_non_stream(
    fake: FakeProvider, client: httpx.Client, model: str
) -> None:
    request = chat(user("one two three four"), include_reasoning=True)
    whole = CHAT_WIRE.parse_chat(
        send(client, CHAT_WIRE.build_chat(request, target(model, base_url=fake.url))).content
    )
    request.stream = True
    built = CHAT_WIRE.build_chat(request, target(model, base_url=fake.url))
    events, finished, raw = stream(client, built)
    assert b"\r\n\r\n" in raw
    assert finished
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == whole.text
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    assert (reasoning or None) == whole.reasoning
    assert [e for e in events if isinstance(e, Finish)] == [Finish("stop")]
    assert len([e for e in events if isinstance(e, UsageReport)]) == 1
    assert total_usage(events) == whole.usage
    assert fake.requests()[-1]["query"] == {"alt": "sse"}
    assert fake.requests()[-1]["path"].endswith(":streamGenerateContent")
    byte_by_byte, finished_again = decode(raw)
    assert finished_again
    assert byte_by_byte == events


def test_round_trip_stream_tool_call_and_length(fake: FakeProvider, client: httpx.Client) -> None:
    request = chat(user("weather?"), tools=[WEATHER], stream=True)
    events, finished, _ = stream(client, CHAT_WIRE.build_chat(request, target(base_url=fake.url)))
    assert finished
    assert ToolCallDelta(0, "call_0", "get_weather", '{"city":"Paris"}') in events
    assert Finish("tool_calls") in events
    request = chat(user("a b c d e f"), max_tokens=2, stream=True)
    events, finished, _ = stream(client, CHAT_WIRE.build_chat(request, target(base_url=fake.url)))
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Echo: a"
    assert Finish("length") in events


def test_round_trip_faults(fake: FakeProvider, client: httpx.Client) -> None:
    answer = send(
        client, CHAT_WIRE.build_chat(chat(user("x")), target("fail-429", base_url=fake.url))
    )
    assert answer.status_code == 429
    assert CHAT_WIRE.error_message(answer.content)
    assert SECRET not in (CHAT_WIRE.error_message(answer.content) or "")
    garbage = send(
        client, CHAT_WIRE.build_chat(chat(user("x")), target("fail-garbage", base_url=fake.url))
    )
    with pytest.raises(UpstreamProtocolError) as caught:
        CHAT_WIRE.parse_chat(garbage.content)
    assert SECRET not in str(caught.value)
    request = chat(user("one two three four five six"), stream=True)
    with pytest.raises(UpstreamProtocolError):
        stream(client, CHAT_WIRE.build_chat(request, target("fail-garbage", base_url=fake.url)))


def test_round_trip_embeddings(fake: FakeProvider, client: httpx.Client) -> None:
    request = EmbeddingRequest("fake-embed-16", ["vec:0.6,0.8", "hello"], dimensions=4)
    built = EMBEDDING_WIRE.build_embeddings(request, target("fake-embed-16", base_url=fake.url))
    answer = send(client, built)
    assert answer.status_code == 200
    parsed = GeminiEmbeddingWire().parse_embeddings(answer.content, request)
    assert parsed.vectors[0] == pytest.approx([0.6, 0.8, 0.0, 0.0])
    assert len(parsed.vectors[1]) == 4
    assert parsed.usage == Usage(input_tokens=3 + 2)
    [logged] = fake.requests()
    assert logged["path"] == "/v1beta/models/fake-embed-16:batchEmbedContents"
    assert logged["headers"]["x-goog-api-key"] == SECRET
    assert logged["body"] == built.json
    default = EmbeddingRequest("fake-embed-16", ["hi"])
    answer = send(
        client, EMBEDDING_WIRE.build_embeddings(default, target("fake-embed-16", base_url=fake.url))
    )
    assert len(EMBEDDING_WIRE.parse_embeddings(answer.content).vectors[0]) == 16


def test_round_trip_image_model(fake: FakeProvider, client: httpx.Client) -> None:
    photo = InputFile("in.png", "image/png", b"\x89PNG fake")
    request = ImageRequest("gemini-2.5-flash-image", "a red fox", images=[photo])
    built = IMAGE_WIRE.build_images(request, target("gemini-2.5-flash-image", base_url=fake.url))
    answer = send(client, built)
    assert answer.status_code == 200
    parsed = IMAGE_WIRE.parse_images(answer.content)
    [image] = parsed.images
    assert base64.b64decode(image.b64_json or "").startswith(b"\x89PNG\r\n\x1a\n")
    prompt = tokens("a red fox", images=1)
    assert parsed.usage == Usage(input_tokens=prompt, output_tokens=4 + 1290, images=1)
    [logged] = fake.requests()
    assert logged["path"] == "/v1beta/models/gemini-2.5-flash-image:generateContent"
    assert logged["headers"]["x-goog-api-key"] == SECRET
    assert logged["body"]["generationConfig"]["responseModalities"] == ["TEXT", "IMAGE"]
    assert logged["body"]["contents"][0]["parts"][0]["inlineData"]["mimeType"] == "image/png"


def test_round_trip_cut_stream_is_not_finished(fake: FakeProvider, client: httpx.Client) -> None:
    request = chat(user("one two three four five six seven eight"), stream=True)
    built = CHAT_WIRE.build_chat(request, target("fail-cut", base_url=fake.url))
    decoder = CHAT_WIRE.stream_decoder()
    events: list[StreamEvent] = []
    with (
        pytest.raises(httpx.TransportError),
        client.stream(built.method, built.url, headers=built.headers, json=built.json) as answer,
    ):
        for piece in answer.iter_raw():
            events.extend(decoder.feed(piece))
    assert not decoder.finished
    assert events and all(isinstance(e, TextDelta) for e in events)
