"""Gemini chat requests: URLs, system instruction, contents, generation config, tools."""

from __future__ import annotations

from typing import Any

import pytest

from modelyard.errors import BadRequest
from modelyard.llm_types import ChatRequest, ImagePart, Message, TextPart, ToolCall, ToolSpec
from modelyard.providers.gemini import CHAT_WIRE
from modelyard.providers.gemini.request import PLACEHOLDER_SIGNATURE
from tests.providers.gemini import PNG_URL, SECRET, WEATHER, chat, target, user


def body_of(request: ChatRequest) -> dict[str, Any]:
    built = CHAT_WIRE.build_chat(request, target())
    assert built.json is not None
    return built.json


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
