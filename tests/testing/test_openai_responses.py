"""The fake's Responses API, parsed (and stream-accumulated) by the official ``openai`` SDK."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import orjson
import pytest

from modelyard.testing import FakeProvider

WEATHER_TOOL: Any = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    "strict": False,
}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProvider]:
    with FakeProvider() as running:
        yield running


@pytest.fixture(scope="module")
def client(fake: FakeProvider) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=fake.url + "/v1", api_key="sk-test", max_retries=0) as sdk:
        yield sdk


def test_string_input_with_instructions(client: openai.OpenAI) -> None:
    response = client.responses.create(model="gpt-5", input="hello there", instructions="Be brief.")
    assert response.object == "response"
    assert response.id.startswith("resp_")
    assert response.status == "completed"
    assert response.output_text == "Echo: hello there"
    assert [item.type for item in response.output] == ["message"]
    assert response.usage is not None
    assert response.usage.input_tokens == (4 + 3) + (4 + 3)
    assert response.usage.output_tokens == 3
    assert response.usage.total_tokens == 17
    assert response.usage.input_tokens_details.cached_tokens == 0
    assert response.usage.output_tokens_details.reasoning_tokens == 0


def test_item_input_uses_the_last_user_message_and_counts_images(client: openai.OpenAI) -> None:
    response = client.responses.create(
        model="gpt-cache",
        input=[
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": "ok"},
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "second"},
                    {
                        "type": "input_image",
                        "image_url": "data:image/png;base64,iVBO",
                        "detail": "auto",
                    },
                ],
            },
        ],
    )
    assert response.output_text == "Echo: second"
    assert response.usage is not None
    assert response.usage.input_tokens == (4 + 2) + (4 + 1) + (4 + 2 + 85)
    assert response.usage.input_tokens_details.cached_tokens == response.usage.input_tokens // 2


def test_reasoning_model_emits_a_reasoning_item_first(client: openai.OpenAI) -> None:
    response = client.responses.create(model="o3-reason", input="think")
    assert [item.type for item in response.output] == ["reasoning", "message"]
    reasoning: Any = response.output[0]
    assert reasoning.summary[0].text == "Reasoning about: think"
    assert response.usage is not None
    assert response.usage.output_tokens_details.reasoning_tokens == 3
    assert response.usage.output_tokens == 3 + 2


def test_function_call_and_its_output(client: openai.OpenAI) -> None:
    response = client.responses.create(
        model="gpt-5", input="weather in Paris?", tools=[WEATHER_TOOL]
    )
    call: Any = response.output[0]
    assert call.type == "function_call"
    assert call.name == "get_weather"
    assert orjson.loads(call.arguments) == {"city": "Paris"}
    follow_up = client.responses.create(
        model="gpt-5",
        input=[
            {"role": "user", "content": "weather in Paris?"},
            {
                "type": "function_call",
                "call_id": call.call_id,
                "name": call.name,
                "arguments": call.arguments,
            },
            {"type": "function_call_output", "call_id": call.call_id, "output": "sunny"},
        ],
        tools=[WEATHER_TOOL],
    )
    assert follow_up.output_text == "Echo: sunny"


def test_max_output_tokens_makes_the_response_incomplete(client: openai.OpenAI) -> None:
    response = client.responses.create(model="gpt-5", input="one two three", max_output_tokens=2)
    assert response.status == "incomplete"
    assert response.incomplete_details is not None
    assert response.incomplete_details.reason == "max_output_tokens"
    assert response.output_text == "Echo: one"


def test_stream_has_the_real_typed_event_sequence(client: openai.OpenAI) -> None:
    stream = client.responses.create(model="gpt-5", input="hello there", stream=True)
    with stream:
        events = list(stream)
    types = [event.type for event in events]
    assert types[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert types[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [event.sequence_number for event in events] == list(range(len(events)))
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert "".join(deltas) == "Echo: hello there"
    completed: Any = events[-1]
    assert completed.response.usage.output_tokens == 3


def test_stream_helper_accumulates_reasoning_and_function_calls(client: openai.OpenAI) -> None:
    with client.responses.stream(
        model="o-reason", input="weather?", tools=[WEATHER_TOOL]
    ) as stream:
        types = [event.type for event in stream]
        final = stream.get_final_response()
    assert "response.reasoning_summary_text.delta" in types
    assert "response.function_call_arguments.delta" in types
    assert [item.type for item in final.output] == ["reasoning", "function_call"]
    call: Any = final.output[1]
    assert orjson.loads(call.arguments) == {"city": "Paris"}


def test_stream_of_a_cut_answer_ends_with_response_incomplete(client: openai.OpenAI) -> None:
    stream = client.responses.create(
        model="gpt-5", input="one two three", max_output_tokens=1, stream=True
    )
    with stream:
        events = list(stream)
    last: Any = events[-1]
    assert last.type == "response.incomplete"
    assert last.response.incomplete_details.reason == "max_output_tokens"
