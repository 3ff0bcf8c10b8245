"""Gemini round trips through the fake provider: chat, streams, faults, embeddings, images."""

from __future__ import annotations

import base64

import httpx
import pytest

from modelyard.llm_types import (
    EmbeddingRequest,
    Finish,
    ImagePart,
    ImageRequest,
    InputFile,
    Message,
    ReasoningDelta,
    TextDelta,
    TextPart,
    ToolCall,
    ToolCallDelta,
    Usage,
    UsageReport,
)
from modelyard.providers.base import UpstreamProtocolError, UpstreamRequest
from modelyard.providers.gemini import CHAT_WIRE, EMBEDDING_WIRE, IMAGE_WIRE, GeminiEmbeddingWire
from modelyard.testing import FakeProvider
from tests.providers.gemini import PNG_URL, SECRET, WEATHER, chat, target, user
from tests.providers.roundtrip import (
    Streamed,
    collect,
    feed,
    plain_then_streamed,
    send,
    stream,
    streaming,
    tokens,
)


def stream_chat(http: httpx.Client, built: UpstreamRequest) -> Streamed:
    return stream(http, built, CHAT_WIRE.stream_decoder())


@pytest.fixture(autouse=True)
def _clear(fake: FakeProvider) -> None:
    fake.clear()


def test_round_trip_chat(fake: FakeProvider, http: httpx.Client) -> None:
    request = chat(
        Message("system", [TextPart("Be brief.")]),
        user("Describe", ImagePart(PNG_URL)),
        temperature=0.5,
    )
    built = CHAT_WIRE.build_chat(request, target(base_url=fake.url))
    answer = send(http, built)
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


def test_round_trip_tool_call_and_result(fake: FakeProvider, http: httpx.Client) -> None:
    ask = user("What is the weather in Paris?")
    built = CHAT_WIRE.build_chat(chat(ask, tools=[WEATHER]), target(base_url=fake.url))
    first = CHAT_WIRE.parse_chat(send(http, built).content)
    assert first.finish_reason == "tool_calls"
    call_id = first.tool_calls[0].id  # unique per answer: call_<responseId>_<n>
    assert call_id.startswith("call_") and call_id.endswith("_0") and call_id != "call_0"
    assert first.tool_calls == [ToolCall(call_id, "get_weather", '{"city":"Paris"}')]
    follow_up = chat(
        ask,
        Message("assistant", tool_calls=first.tool_calls),
        Message("tool", [TextPart('{"temp":21}')], tool_call_id=call_id),
        tools=[WEATHER],
    )
    second = CHAT_WIRE.parse_chat(
        send(http, CHAT_WIRE.build_chat(follow_up, target(base_url=fake.url))).content
    )
    assert second.text == 'Echo: {"temp":21}'
    assert second.finish_reason == "stop"
    logged = fake.requests()[-1]["body"]["contents"]
    assert logged[-1] == {
        "role": "user",
        "parts": [{"functionResponse": {"name": "get_weather", "response": {"temp": 21}}}],
    }


def test_round_trip_reasoning_and_cache(fake: FakeProvider, http: httpx.Client) -> None:
    request = chat(user("Think hard about this"), include_reasoning=True)
    built = CHAT_WIRE.build_chat(request, target("gemini-cache-reason", base_url=fake.url))
    response = CHAT_WIRE.parse_chat(send(http, built).content)
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
    fake: FakeProvider, http: httpx.Client, model: str
) -> None:
    request = chat(user("one two three four"), include_reasoning=True)
    whole, streamed = plain_then_streamed(
        http, CHAT_WIRE, request, target(model, base_url=fake.url)
    )
    events = streamed.events
    assert b"\r\n\r\n" in streamed.raw
    assert streamed.finished
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == whole.text
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    assert (reasoning or None) == whole.reasoning
    assert [e for e in events if isinstance(e, Finish)] == [Finish("stop")]
    assert len([e for e in events if isinstance(e, UsageReport)]) == 1
    assert collect(events).usage == whole.usage
    assert fake.requests()[-1]["query"] == {"alt": "sse"}
    assert fake.requests()[-1]["path"].endswith(":streamGenerateContent")
    byte_by_byte, finished_again = feed(CHAT_WIRE.stream_decoder(), streamed.raw, 1)
    assert finished_again
    assert byte_by_byte == events


def test_round_trip_stream_tool_call_and_length(fake: FakeProvider, http: httpx.Client) -> None:
    request = chat(user("weather?"), tools=[WEATHER], stream=True)
    streamed = stream_chat(http, CHAT_WIRE.build_chat(request, target(base_url=fake.url)))
    events = streamed.events
    assert streamed.finished
    [call] = [e for e in events if isinstance(e, ToolCallDelta)]
    assert call.id is not None and call.id.startswith("call_") and call.id.endswith("_0")
    assert (call.index, call.name, call.arguments) == (0, "get_weather", '{"city":"Paris"}')
    assert Finish("tool_calls") in events
    request = chat(user("a b c d e f"), max_tokens=2, stream=True)
    events = stream_chat(http, CHAT_WIRE.build_chat(request, target(base_url=fake.url))).events
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Echo: a"
    assert Finish("length") in events


def test_round_trip_faults(fake: FakeProvider, http: httpx.Client) -> None:
    answer = send(
        http, CHAT_WIRE.build_chat(chat(user("x")), target("fail-429", base_url=fake.url))
    )
    assert answer.status_code == 429
    assert CHAT_WIRE.error_message(answer.content)
    assert SECRET not in (CHAT_WIRE.error_message(answer.content) or "")
    garbage = send(
        http, CHAT_WIRE.build_chat(chat(user("x")), target("fail-garbage", base_url=fake.url))
    )
    with pytest.raises(UpstreamProtocolError) as caught:
        CHAT_WIRE.parse_chat(garbage.content)
    assert SECRET not in str(caught.value)
    request = chat(user("one two three four five six"), stream=True)
    with pytest.raises(UpstreamProtocolError):
        stream_chat(http, CHAT_WIRE.build_chat(request, target("fail-garbage", base_url=fake.url)))


def test_round_trip_embeddings(fake: FakeProvider, http: httpx.Client) -> None:
    request = EmbeddingRequest("fake-embed-16", ["vec:0.6,0.8", "hello"], dimensions=4)
    built = EMBEDDING_WIRE.build_embeddings(request, target("fake-embed-16", base_url=fake.url))
    answer = send(http, built)
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
        http, EMBEDDING_WIRE.build_embeddings(default, target("fake-embed-16", base_url=fake.url))
    )
    assert len(EMBEDDING_WIRE.parse_embeddings(answer.content).vectors[0]) == 16


def test_round_trip_image_model(fake: FakeProvider, http: httpx.Client) -> None:
    photo = InputFile("in.png", "image/png", b"\x89PNG fake")
    request = ImageRequest("gemini-2.5-flash-image", "a red fox", images=[photo])
    built = IMAGE_WIRE.build_images(request, target("gemini-2.5-flash-image", base_url=fake.url))
    answer = send(http, built)
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


def test_round_trip_cut_stream_is_not_finished(fake: FakeProvider, http: httpx.Client) -> None:
    request = chat(user("one two three four five six seven eight"), stream=True)
    built = CHAT_WIRE.build_chat(request, target("fail-cut", base_url=fake.url))
    streamed = Streamed(CHAT_WIRE.stream_decoder())
    with pytest.raises(httpx.TransportError), streaming(http, built) as answer:
        streamed.read(answer)
    assert not streamed.finished
    events = streamed.events
    assert events and all(isinstance(e, TextDelta) for e in events)
