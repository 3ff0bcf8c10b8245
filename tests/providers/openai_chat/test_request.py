"""Chat Completions requests: messages, tools, options and each provider's dialect."""

from __future__ import annotations

from typing import Any

import pytest

from modelyard.llm_types import ChatRequest, ImagePart, Message, TextPart, ToolCall, ToolSpec
from modelyard.providers.openai_chat import WIRE
from tests.providers.openai_chat import chat, target
from tests.providers.roundtrip import API_VERSION, AZURE_KEY, PNG, SECRET, WEATHER, user


def body_of(request: ChatRequest, provider: str = "openai") -> dict[str, Any]:
    built = WIRE.build_chat(request, target(provider))
    assert built.json is not None
    return built.json


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
