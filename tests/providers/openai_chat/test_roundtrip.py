"""Chat Completions round trips through the fake provider: OpenAI, Azure and Mistral dialects."""

from __future__ import annotations

import httpx
import orjson
import pytest
from openai.types.chat import ChatCompletion

from modelyard.llm_types import ImagePart, Message, TextPart, ToolSpec, Usage
from modelyard.providers.base import Target, UpstreamProtocolError
from modelyard.providers.openai_chat import WIRE
from modelyard.testing import FakeProvider
from tests.providers.openai_chat import MALFORMED, MODEL, chat
from tests.providers.roundtrip import (
    API_VERSION,
    AZURE_KEY,
    PNG,
    SECRET,
    WEATHER,
    Streamed,
    collect,
    on_fake,
    plain_then_streamed,
    send,
    stream,
    streaming,
    tokens,
    user,
)


def fake_target(fake: FakeProvider, provider: str = "openai", model: str = MODEL) -> Target:
    return on_fake(fake, provider, model)


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
    plain, streamed = plain_then_streamed(http, WIRE, request, fake_target(fake, provider, model))
    assert streamed.finished
    out = collect(streamed.events)
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
    answer = stream(http, WIRE.build_chat(request, mistral), WIRE.stream_decoder())
    assert answer.finished and collect(answer.events).text == "Echo: Bonjour"
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
        stream(http, WIRE.build_chat(request, garbage), WIRE.stream_decoder())


def test_round_trip_cut_stream_is_not_finished(fake: FakeProvider, http: httpx.Client) -> None:
    request = chat(user("Hi there, how are you?"), model="fail-cut", stream=True)
    upstream = WIRE.build_chat(request, fake_target(fake, model="fail-cut"))
    streamed = Streamed(WIRE.stream_decoder())
    with pytest.raises(httpx.HTTPError), streaming(http, upstream) as response:
        streamed.read(response)
    assert collect(streamed.events).text.startswith("Echo:") and not streamed.finished
