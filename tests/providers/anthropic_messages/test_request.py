"""Anthropic Messages requests: system lifting, turn merging, images, tools and thinking."""

from __future__ import annotations

from typing import Any

import pytest

from modelyard.errors import BadRequest
from modelyard.llm_types import ChatRequest, ImagePart, Message, TextPart, ToolCall, ToolSpec
from modelyard.providers.anthropic_messages import WIRE
from tests.providers.anthropic_messages import SECRET, chat, target
from tests.providers.roundtrip import PNG_BASE64, WEATHER, user


def body_of(request: ChatRequest) -> dict[str, Any]:
    built = WIRE.build_chat(request, target())
    assert built.json is not None
    return built.json


def test_url_headers_and_minimal_body() -> None:
    built = WIRE.build_chat(chat(user("Hi")), target("http://127.0.0.1:9/"))
    assert built.url == "http://127.0.0.1:9/v1/messages"
    assert built.headers == {"x-api-key": SECRET, "anthropic-version": "2023-06-01"}
    assert built.method == "POST" and built.stream is False and built.form is None
    assert built.json == {
        "model": "claude-sonnet-4-5",
        "max_tokens": 4096,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}],
    }


def test_system_messages_lifted_and_same_roles_merged() -> None:
    body = body_of(
        chat(
            Message("system", [TextPart("Be brief.")]),
            user("one"),
            Message("system", [TextPart("Answer in French.")]),
            user("two"),
            Message("assistant", [TextPart("Un.")]),
            Message("assistant", [TextPart("Deux.")]),
            Message("user", [TextPart("")]),  # empty: dropped, Anthropic refuses empty blocks
            user("three"),
        )
    )
    assert body["system"] == "Be brief.\n\nAnswer in French."
    assert body["messages"] == [
        {
            "role": "user",
            "content": [{"type": "text", "text": "one"}, {"type": "text", "text": "two"}],
        },
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "Un."}, {"type": "text", "text": "Deux."}],
        },
        {"role": "user", "content": [{"type": "text", "text": "three"}]},
    ]


def test_images_become_base64_or_url_sources() -> None:
    message = Message(
        "user",
        [
            TextPart("Compare"),
            ImagePart(f"data:image/png;base64,{PNG_BASE64}", detail="high"),
            ImagePart("https://example.com/cat.jpg"),
        ],
    )
    assert body_of(chat(message))["messages"][0]["content"] == [
        {"type": "text", "text": "Compare"},
        {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/png", "data": PNG_BASE64},
        },
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
    ]


def test_a_data_url_that_is_not_base64_is_refused() -> None:
    with pytest.raises(BadRequest) as caught:
        body_of(chat(Message("user", [ImagePart("data:image/svg+xml,<svg/>")])))
    assert caught.value.param == "messages"


def test_tool_loop_messages() -> None:
    call = ToolCall("toolu_1", "get_weather", '{"city": "Paris"}')
    other = ToolCall("toolu_2", "get_weather", "")
    body = body_of(
        chat(
            user("Weather in Paris and Rome?"),
            Message("assistant", [TextPart("Checking.")], tool_calls=[call, other]),
            Message("tool", [TextPart("18C, sunny")], tool_call_id="toolu_1"),
            Message(
                "tool",
                [TextPart("chart:"), ImagePart(f"data:image/png;base64,{PNG_BASE64}")],
                tool_call_id="toolu_2",
            ),
            tools=[WEATHER],
        )
    )
    assert body["tools"] == [
        {
            "name": "get_weather",
            "description": "Weather of a city.",
            "input_schema": WEATHER.parameters,
        }
    ]
    assert "tool_choice" not in body
    assert body["messages"][1] == {
        "role": "assistant",
        "content": [
            {"type": "text", "text": "Checking."},
            {
                "type": "tool_use",
                "id": "toolu_1",
                "name": "get_weather",
                "input": {"city": "Paris"},
            },
            {"type": "tool_use", "id": "toolu_2", "name": "get_weather", "input": {}},
        ],
    }
    assert body["messages"][2] == {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": "18C, sunny"},
            {
                "type": "tool_result",
                "tool_use_id": "toolu_2",
                "content": [
                    {"type": "text", "text": "chart:"},
                    {
                        "type": "image",
                        "source": {"type": "base64", "media_type": "image/png", "data": PNG_BASE64},
                    },
                ],
            },
        ],
    }


def test_tool_results_come_first_in_a_merged_user_turn() -> None:
    body = body_of(
        chat(
            Message("assistant", tool_calls=[ToolCall("toolu_1", "get_weather", "{}")]),
            user("Also, be quick."),
            Message("tool", [], tool_call_id="toolu_1"),
        )
    )
    assert body["messages"][1]["content"] == [
        {"type": "tool_result", "tool_use_id": "toolu_1"},
        {"type": "text", "text": "Also, be quick."},
    ]


@pytest.mark.parametrize("arguments", ['{"city": ', "[1, 2]"])
def test_tool_call_arguments_must_be_a_json_object(arguments: str) -> None:
    message = Message("assistant", tool_calls=[ToolCall("toolu_1", "get_weather", arguments)])
    with pytest.raises(BadRequest) as caught:
        body_of(chat(user("Hi"), message))
    assert caught.value.param == "messages"
    assert "toolu_1" in caught.value.message


def test_a_tool_message_needs_its_call_id() -> None:
    with pytest.raises(BadRequest):
        body_of(chat(user("Hi"), Message("tool", [TextPart("result")])))


@pytest.mark.parametrize(
    ("choice", "parallel", "expected"),
    [
        (None, None, None),
        ("auto", None, {"type": "auto"}),
        ("none", False, {"type": "none"}),
        ("required", None, {"type": "any"}),
        ("get_weather", None, {"type": "tool", "name": "get_weather"}),
        (None, False, {"type": "auto", "disable_parallel_tool_use": True}),
        ("required", False, {"type": "any", "disable_parallel_tool_use": True}),
        (None, True, None),
    ],
)
def test_tool_choice(
    choice: str | None, parallel: bool | None, expected: dict[str, Any] | None
) -> None:
    body = body_of(
        chat(user("Hi"), tools=[WEATHER], tool_choice=choice, parallel_tool_calls=parallel)
    )
    assert body.get("tool_choice") == expected


def test_tool_choice_without_tools_is_not_sent() -> None:
    assert "tool_choice" not in body_of(chat(user("Hi"), tool_choice="required"))


def test_tool_without_parameters_gets_an_object_schema() -> None:
    body = body_of(chat(user("Hi"), tools=[ToolSpec("now")]))
    assert body["tools"] == [{"name": "now", "input_schema": {"type": "object", "properties": {}}}]


def test_sampling_options_stop_user_and_stream() -> None:
    built = WIRE.build_chat(
        chat(
            user("Hi"),
            max_tokens=300,
            temperature=0.2,
            top_p=0.9,
            stop=["END"],
            user="u-1",
            stream=True,
        ),
        target(),
    )
    assert built.stream is True
    assert built.json == {
        "model": "claude-sonnet-4-5",
        "max_tokens": 300,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}],
        "stop_sequences": ["END"],
        "metadata": {"user_id": "u-1"},
        "temperature": 0.2,
        "top_p": 0.9,
        "stream": True,
    }


def test_no_sampling_options_are_invented() -> None:
    body = body_of(chat(user("Hi")))
    for key in ("temperature", "top_p", "stop_sequences", "thinking", "stream", "system", "tools"):
        assert key not in body


@pytest.mark.parametrize(
    ("effort", "include", "budget"),
    [(None, True, 4096), ("low", False, 1024), ("medium", False, 4096), ("high", True, 16384)],
)
def test_thinking_budget_from_effort(effort: str | None, include: bool, budget: int) -> None:
    body = body_of(
        chat(
            user("Hi"),
            max_tokens=64000,
            temperature=0.5,
            top_p=0.9,
            reasoning_effort=effort,
            include_reasoning=include,
        )
    )
    assert body["thinking"] == {"type": "enabled", "budget_tokens": budget}
    assert body["max_tokens"] == 64000
    assert "temperature" not in body and "top_p" not in body  # Anthropic forbids them with thinking


def test_max_tokens_raised_above_the_thinking_budget() -> None:
    body = body_of(chat(user("Hi"), max_tokens=500, reasoning_effort="high"))
    assert body["thinking"]["budget_tokens"] == 16384
    assert body["max_tokens"] == 16384 + 500
    default = body_of(chat(user("Hi"), include_reasoning=True))
    assert default["max_tokens"] == 4096 + 4096 > default["thinking"]["budget_tokens"]


def test_thinking_off_where_anthropic_would_refuse_it() -> None:
    assert "thinking" not in body_of(
        chat(user("Hi"), reasoning_effort="none", include_reasoning=True)
    )
    forced = body_of(
        chat(user("Hi"), tools=[WEATHER], tool_choice="get_weather", include_reasoning=True)
    )
    assert "thinking" not in forced
    loop = chat(
        user("Weather?"),
        Message("assistant", tool_calls=[ToolCall("toolu_1", "get_weather", "{}")]),
        Message("tool", [TextPart("sunny")], tool_call_id="toolu_1"),
        tools=[WEATHER],
        include_reasoning=True,
        temperature=0.3,
    )
    body = body_of(loop)
    assert "thinking" not in body
    assert body["temperature"] == 0.3
    loop.messages.append(user("And in Rome?"))  # still the same assistant turn
    assert "thinking" not in body_of(loop)
    prefill = chat(user("Hi"), Message("assistant", [TextPart("Sure:")]), include_reasoning=True)
    assert "thinking" not in body_of(prefill)
    later = chat(
        *loop.messages,
        Message("assistant", [TextPart("Sunny in both.")]),
        user("Thanks, and tomorrow?"),
        include_reasoning=True,
    )
    assert body_of(later)["thinking"] == {"type": "enabled", "budget_tokens": 4096}
