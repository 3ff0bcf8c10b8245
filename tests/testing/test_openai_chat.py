"""The fake's Chat Completions, parsed by the official ``openai`` SDK over real HTTP."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import orjson
import pytest

from modelyard.testing import FakeProvider

WEATHER_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather of a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"enum": ["celsius", "fahrenheit"]}},
            "required": ["city"],
        },
    },
}
OTHER_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "lookup",
        "parameters": {"type": "object", "properties": {"n": {"type": "integer"}}},
    },
}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProvider]:
    with FakeProvider() as running:
        yield running


@pytest.fixture(scope="module")
def client(fake: FakeProvider) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=fake.url + "/v1", api_key="sk-test", max_retries=0) as sdk:
        yield sdk


def user(text: str) -> Any:
    return [{"role": "user", "content": text}]


def test_answer_echoes_the_last_user_message_with_exact_usage(client: openai.OpenAI) -> None:
    messages: Any = [
        {"role": "system", "content": "Be brief."},  # 9 chars: 4 + 3
        {"role": "user", "content": "hello there world"},  # 17 chars: 4 + 5
    ]
    answer = client.chat.completions.create(model="gpt-4.1-mini", messages=messages)

    assert answer.object == "chat.completion"
    assert answer.model == "gpt-4.1-mini"
    assert answer.id.startswith("chatcmpl-")
    choice = answer.choices[0]
    assert choice.message.content == "Echo: hello there world"
    assert choice.message.role == "assistant"
    assert choice.finish_reason == "stop"
    assert answer.usage is not None
    assert answer.usage.prompt_tokens == (4 + 3) + (4 + 5)
    assert answer.usage.completion_tokens == 4  # "Echo:", "hello", "there", "world"
    assert answer.usage.total_tokens == 16 + 4
    assert answer.usage.prompt_tokens_details is not None
    assert answer.usage.prompt_tokens_details.cached_tokens == 0


def test_images_count_85_tokens_and_parts_count_their_text(client: openai.OpenAI) -> None:
    content: Any = [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
    ]
    answer = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": content}]
    )
    assert answer.choices[0].message.content == "Echo: What is this?"
    assert answer.usage is not None
    assert answer.usage.prompt_tokens == 4 + math.ceil(13 / 4) + 2 * 85


def test_same_request_same_bytes_and_different_requests_differ(fake: FakeProvider) -> None:
    body = {"model": "m", "messages": user("same")}
    headers = {"authorization": "Bearer k"}
    with httpx.Client(base_url=fake.url) as http:
        first = http.post("/v1/chat/completions", json=body, headers=headers)
        second = http.post("/v1/chat/completions", json=body, headers=headers)
        other = http.post(
            "/v1/chat/completions", json={**body, "messages": user("other")}, headers=headers
        )
    assert first.content == second.content
    assert first.json()["id"] != other.json()["id"]
    assert first.headers["x-request-id"].startswith("req_")
    assert first.headers["x-ratelimit-remaining-requests"]


def test_long_text_is_echoed_up_to_200_characters(client: openai.OpenAI) -> None:
    text = "x" * 150 + " " + "y" * 150
    answer = client.chat.completions.create(model="m", messages=user(text))
    assert answer.choices[0].message.content == "Echo: " + text[:200]


def test_max_tokens_cuts_the_answer_to_that_many_words(client: openai.OpenAI) -> None:
    answer = client.chat.completions.create(
        model="m", messages=user("one two three four"), max_tokens=3
    )
    assert answer.choices[0].message.content == "Echo: one two"
    assert answer.choices[0].finish_reason == "length"
    assert answer.usage is not None
    assert answer.usage.completion_tokens == 3
    newer = client.chat.completions.create(
        model="m", messages=user("one two three four"), max_completion_tokens=2
    )
    assert newer.choices[0].message.content == "Echo: one"
    assert newer.choices[0].finish_reason == "length"


def test_stream_with_usage_sends_word_chunks_then_a_usage_chunk(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="m",
        messages=user("hello there world"),
        stream=True,
        stream_options={"include_usage": True},
    )
    with stream:
        chunks = list(stream)
    content = [
        c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content
    ]
    assert len(content) == 4
    assert "".join(content) == "Echo: hello there world"
    assert chunks[0].choices[0].delta.role == "assistant"
    assert all(c.object == "chat.completion.chunk" and c.id == chunks[0].id for c in chunks)
    assert all(c.usage is None for c in chunks[:-1])
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.prompt_tokens == 4 + 5
    assert chunks[-1].usage.completion_tokens == 4


def test_stream_without_usage_has_none_and_ends_with_done(fake: FakeProvider) -> None:
    body = {"model": "m", "messages": user("hi"), "stream": True}
    with httpx.Client(base_url=fake.url) as http:
        response = http.post(
            "/v1/chat/completions", json=body, headers={"authorization": "Bearer k"}
        )
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [e for e in response.text.split("\n\n") if e]
    assert events[-1] == "data: [DONE]"
    chunks = [orjson.loads(e.removeprefix("data: ")) for e in events[:-1]]
    assert all("usage" not in chunk for chunk in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_weather_question_with_tools_calls_the_first_tool(client: openai.OpenAI) -> None:
    answer = client.chat.completions.create(
        model="m", messages=user("What's the Weather in Paris?"), tools=[WEATHER_TOOL, OTHER_TOOL]
    )
    choice = answer.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    assert choice.message.tool_calls is not None
    call = choice.message.tool_calls[0]
    assert call.type == "function"
    assert call.id.startswith("call_")
    assert call.function.name == "get_weather"
    assert orjson.loads(call.function.arguments) == {"city": "Paris", "unit": "celsius"}
    assert answer.usage is not None
    assert answer.usage.completion_tokens == math.ceil(len(call.function.arguments) / 4)


def test_tools_without_a_weather_question_answer_with_text(client: openai.OpenAI) -> None:
    answer = client.chat.completions.create(model="m", messages=user("hello"), tools=[WEATHER_TOOL])
    assert answer.choices[0].message.content == "Echo: hello"
    assert answer.choices[0].message.tool_calls is None


def test_tool_choice_forces_the_named_function(client: openai.OpenAI) -> None:
    answer = client.chat.completions.create(
        model="m",
        messages=user("hello"),
        tools=[WEATHER_TOOL, OTHER_TOOL],
        tool_choice={"type": "function", "function": {"name": "lookup"}},
    )
    calls: Any = answer.choices[0].message.tool_calls
    assert calls[0].function.name == "lookup"
    assert orjson.loads(calls[0].function.arguments) == {"n": 1}
    required = client.chat.completions.create(
        model="m", messages=user("hello"), tools=[WEATHER_TOOL], tool_choice="required"
    )
    assert required.choices[0].finish_reason == "tool_calls"
    none = client.chat.completions.create(
        model="m", messages=user("weather?"), tools=[WEATHER_TOOL], tool_choice="none"
    )
    assert none.choices[0].finish_reason == "stop"


def test_a_tool_result_is_echoed_not_answered_with_another_call(client: openai.OpenAI) -> None:
    messages: Any = [
        {"role": "user", "content": "weather in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny, 21 C"},
    ]
    answer = client.chat.completions.create(model="m", messages=messages, tools=[WEATHER_TOOL])
    assert answer.choices[0].message.content == "Echo: sunny, 21 C"
    assert answer.choices[0].finish_reason == "stop"


def test_streamed_tool_call_accumulates_in_the_sdk_helper(client: openai.OpenAI) -> None:
    with client.chat.completions.stream(
        model="m", messages=user("weather in Paris?"), tools=[WEATHER_TOOL]
    ) as stream:
        deltas = [e for e in stream if e.type == "tool_calls.function.arguments.delta"]
        final = stream.get_final_completion()
    assert len(deltas) > 1
    calls = final.choices[0].message.tool_calls
    assert calls is not None
    assert calls[0].function.name == "get_weather"
    assert orjson.loads(calls[0].function.arguments) == {"city": "Paris", "unit": "celsius"}
    assert final.choices[0].finish_reason == "tool_calls"


def test_reasoning_model_returns_reasoning_content_and_tokens(client: openai.OpenAI) -> None:
    answer = client.chat.completions.create(
        model="fake-reasoner", messages=user("why is the sky blue")
    )
    message: Any = answer.choices[0].message
    assert message.reasoning_content == "Reasoning about: why is the sky blue"
    assert message.content == "Echo: why is the sky blue"
    assert answer.usage is not None
    assert answer.usage.completion_tokens_details is not None
    assert answer.usage.completion_tokens_details.reasoning_tokens == 7
    assert answer.usage.completion_tokens == 7 + 6


def test_reasoning_model_streams_reasoning_deltas_first(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="fake-reasoner", messages=user("why"), stream=True
    )
    with stream:
        deltas: list[Any] = [c.choices[0].delta for c in stream if c.choices]
    reasoning = "".join(getattr(d, "reasoning_content", None) or "" for d in deltas)
    content = "".join(d.content or "" for d in deltas)
    assert reasoning == "Reasoning about: why"
    assert content == "Echo: why"
    first_content = next(i for i, d in enumerate(deltas) if d.content)
    assert all(not getattr(d, "reasoning_content", None) for d in deltas[first_content:])


def test_cache_model_reports_half_the_prompt_as_cached(client: openai.OpenAI) -> None:
    answer = client.chat.completions.create(model="gpt-cache", messages=user("a" * 40))
    assert answer.usage is not None
    assert answer.usage.prompt_tokens == 14
    assert answer.usage.prompt_tokens_details is not None
    assert answer.usage.prompt_tokens_details.cached_tokens == 7


def test_missing_messages_or_bearer_key_are_refused(fake: FakeProvider) -> None:
    with httpx.Client(base_url=fake.url) as http:
        no_key = http.post("/v1/chat/completions", json={"model": "m", "messages": user("hi")})
        no_messages = http.post(
            "/v1/chat/completions", json={"model": "m"}, headers={"authorization": "Bearer k"}
        )
        no_model = http.post(
            "/v1/chat/completions",
            json={"messages": user("hi")},
            headers={"authorization": "Bearer k"},
        )
        bad_json = http.post(
            "/v1/chat/completions",
            content=b"{nope",
            headers={"authorization": "Bearer k", "content-type": "application/json"},
        )
    assert no_key.status_code == 401
    assert no_key.json()["error"]["code"] == "invalid_api_key"
    assert set(no_key.json()["error"]) == {"message", "type", "param", "code"}
    assert no_messages.status_code == 400
    assert no_messages.json()["error"]["param"] == "messages"
    assert no_model.status_code == 400
    assert bad_json.status_code == 400
    assert bad_json.json()["error"]["type"] == "invalid_request_error"
