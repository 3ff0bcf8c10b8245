"""Responses API requests: instructions, input items, flat function tools, reasoning, options."""

from __future__ import annotations

from typing import Any

import pytest

from modelyard.errors import BadRequest
from modelyard.llm_types import ChatRequest, ImagePart, Message, TextPart, ToolCall, ToolSpec
from modelyard.providers.openai_responses import WIRE
from tests.providers.openai_responses import chat, target
from tests.providers.roundtrip import AZURE_KEY, PNG, SECRET, WEATHER, user


def body_of(request: ChatRequest) -> dict[str, Any]:
    built = WIRE.build_chat(request, target())
    assert built.json is not None
    return built.json


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
            user="u-1",
            parallel_tool_calls=True,
            tools=[WEATHER],
            stream=True,
            hints={"prompt_cache_key": "k-1", "service_tier": "flex", "verbosity": "low", "x": 1},
            include_encrypted_reasoning=True,
        )
    )
    assert body["max_output_tokens"] == 500
    assert (body["temperature"], body["top_p"], body["user"]) == (0.0, 0.9, "u-1")
    assert body["parallel_tool_calls"] is True
    assert body["stream"] is True and body["store"] is False
    assert (body["prompt_cache_key"], body["service_tier"]) == ("k-1", "flex")
    assert body["include"] == ["reasoning.encrypted_content"]
    assert body["text"] == {"verbosity": "low"}
    assert not {"stop", "seed", "stream_options", "max_tokens", "verbosity", "x"} & set(body)


@pytest.mark.parametrize(("name", "value"), [("stop", ["END"]), ("seed", 1)])
def test_stop_and_seed_are_refused_naming_them(name: str, value: object) -> None:
    with pytest.raises(BadRequest) as refused:
        body_of(chat(user("Hi"), **{name: value}))
    assert refused.value.param == name
    assert name in refused.value.message and "o3-pro" in refused.value.message


def test_reasoning_items_go_back_before_the_turn_when_encrypted() -> None:
    kept = {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "enc:eA=="}
    lost = {"type": "reasoning", "id": "rs_2", "summary": []}
    turn = Message(
        role="assistant",
        tool_calls=[ToolCall("call_1", "weather", "{}")],
        reasoning_items=[kept, lost],
    )
    items = body_of(chat(user("Hi"), turn))["input"]
    assert items[1] == kept
    assert items[2]["type"] == "function_call"
    assert lost not in items


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
