"""A ``functionCall`` part's ``thoughtSignature`` rides on its tool call and goes back on it.

Gemini 3 refuses the function calls of the current turn without the signatures it sent; these
tests read them from answers and streams, check what the next request sends, and prove it
against the fake, which refuses a missing or altered signature as Gemini does.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from modelyard.llm_types import ChatRequest, Message, TextPart, ToolCall, ToolCallDelta
from modelyard.providers.gemini import CHAT_WIRE
from modelyard.providers.gemini.request import PLACEHOLDER_SIGNATURE, chat_body
from modelyard.testing import FakeProvider
from tests.providers.gemini import WEATHER, chat, target, user
from tests.providers.roundtrip import feed, send

SIGNATURE = "CiQBVKhc7o3Xb0z+signature/=="
PARTS: list[dict[str, Any]] = [
    {"text": "Checking both.", "thought": True},
    {
        "functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
        "thoughtSignature": SIGNATURE,
    },
    {"functionCall": {"name": "get_weather", "args": {"city": "Rome"}}},
]
ANSWER = {
    "candidates": [{"content": {"role": "model", "parts": PARTS}, "finishReason": "STOP"}],
    "modelVersion": "gemini-3-pro-preview",
    "responseId": "r1",
}


def replayed(calls: list[ToolCall]) -> list[dict[str, Any]]:
    """The model turn of the follow-up request that sends the results of ``calls`` back."""
    request = chat(
        user("Weather in Paris and Rome?"),
        Message("assistant", tool_calls=calls),
        *(Message("tool", [TextPart("Sunny")], tool_call_id=c.id) for c in calls),
        tools=[WEATHER],
    )
    turns: list[dict[str, Any]] = chat_body(request)["contents"]
    assert [t["role"] for t in turns] == ["user", "model", "user"]
    return turns[1]["parts"]  # type: ignore[no-any-return]


def test_the_signature_goes_back_on_its_own_part_only() -> None:
    calls = CHAT_WIRE.parse_chat(orjson.dumps(ANSWER)).tool_calls
    assert [c.provider_data for c in calls] == [f"gemini-ts:{SIGNATURE}", None]
    assert replayed(calls) == [PARTS[1], PARTS[2]]


def test_calls_without_a_signature_get_the_placeholder_on_the_first() -> None:
    lost = [ToolCall("call_0", "get_weather", '{"city":"Paris"}')]
    assert replayed(lost)[0]["thoughtSignature"] == PLACEHOLDER_SIGNATURE
    foreign = [ToolCall("call_0", "get_weather", "{}", 'anthropic-thinking:[{"type":"x"}]')]
    assert replayed(foreign)[0]["thoughtSignature"] == PLACEHOLDER_SIGNATURE


def test_a_stream_carries_the_signature_with_the_first_piece_of_the_call() -> None:
    chunks = [
        {"candidates": [{"content": {"role": "model", "parts": [part]}}]} for part in PARTS[:2]
    ]
    chunks.append(
        {
            "candidates": [
                {"content": {"role": "model", "parts": [PARTS[2]]}, "finishReason": "STOP"}
            ]
        }
    )
    data = b"".join(b"data: " + orjson.dumps(c) + b"\r\n\r\n" for c in chunks)
    events, finished = feed(CHAT_WIRE.stream_decoder(), data, 5)
    calls = [e for e in events if isinstance(e, ToolCallDelta)]
    assert finished
    assert [(c.id, c.provider_data) for c in calls] == [
        ("call_0", f"gemini-ts:{SIGNATURE}"),
        ("call_1", None),
    ]


def test_round_trip_through_the_fake_that_checks_signatures(
    fake: FakeProvider, http: httpx.Client
) -> None:
    gemini = target(base_url=fake.url)
    request: ChatRequest = chat(user("Weather in Paris?"), tools=[WEATHER], reasoning_effort="low")
    first = CHAT_WIRE.parse_chat(send(http, CHAT_WIRE.build_chat(request, gemini)).content)
    call = first.tool_calls[0]
    assert call.provider_data and call.provider_data.startswith("gemini-ts:")
    request.messages += [
        Message("assistant", tool_calls=[call]),
        Message("tool", [TextPart("Sunny")], tool_call_id=call.id),
    ]
    upstream = CHAT_WIRE.build_chat(request, gemini)
    assert upstream.json is not None
    part = upstream.json["contents"][1]["parts"][0]
    assert part["thoughtSignature"] == call.provider_data.removeprefix("gemini-ts:")
    answer = send(http, upstream)
    assert answer.status_code == 200, answer.text
    assert "Sunny" in CHAT_WIRE.parse_chat(answer.content).text
    # What Gemini 3 refuses: no signature on the current turn's call, or an altered one.
    del part["thoughtSignature"]
    refused = send(http, upstream)
    assert refused.status_code == 400
    assert refused.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert "missing a thought_signature" in refused.json()["error"]["message"]
    part["thoughtSignature"] = "b3RoZXI="
    assert send(http, upstream).status_code == 400
