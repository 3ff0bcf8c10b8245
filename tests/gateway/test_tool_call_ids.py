"""Tool call ids carry provider data with its origin; requests drop data of another origin.

Pure units: the id format (``~my2.`` with an origin, ``~my1.`` ids of unknown origin still
read), what a tampered id becomes (a plain id), and what a deployment is sent.
"""

from __future__ import annotations

import base64
import zlib

import orjson
import pytest

from modelyard.gateway import tool_call_ids
from modelyard.gateway.tool_call_ids import Decoded
from modelyard.llm_types import (
    ChatRequest,
    ChatResponse,
    Message,
    TextDelta,
    TextPart,
    ToolCall,
    ToolCallDelta,
    Usage,
    bind_answer,
    bind_events,
    origin_of,
    strip_foreign_provider_data,
)

SONNET = origin_of("anthropic", "claude-sonnet-4-5")
HAIKU = origin_of("anthropic", "claude-haiku-4-5")


def _payload(raw: bytes) -> str:
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).rstrip(b"=").decode()


def test_origin_is_provider_and_model_identifier() -> None:
    assert SONNET == "anthropic:claude-sonnet-4-5"


def test_data_round_trips_with_its_origin() -> None:
    data = "gemini-ts:" + "A" * 3000
    caller_id = tool_call_ids.encode("call_0", data, "google:gemini-3-pro")
    assert "~my2." in caller_id and len(caller_id) < 200  # compact: compressed, no padding
    assert tool_call_ids.decode(caller_id) == Decoded("call_0", data, "google:gemini-3-pro")
    call = ToolCall("toolu_1", "f", "{}", "anthropic-thinking:[]", SONNET)
    back = tool_call_ids.inbound_call(tool_call_ids.outbound_call(call), "f", "{}")
    assert back == call


def test_nothing_to_carry_is_the_plain_id() -> None:
    assert tool_call_ids.encode("call_0", None, SONNET) == "call_0"
    assert tool_call_ids.encode("call_0", "", SONNET) == "call_0"
    assert tool_call_ids.decode("call_0") == Decoded("call_0", None, None)


def test_my1_ids_still_decode_as_data_of_unknown_origin() -> None:
    legacy = "toolu_1~my1." + _payload(b"anthropic-thinking:[1]")
    assert tool_call_ids.decode(legacy) == Decoded("toolu_1", "anthropic-thinking:[1]", None)
    # Data without an origin is still written the old way.
    assert tool_call_ids.encode("toolu_1", "anthropic-thinking:[1]") == legacy


@pytest.mark.parametrize(
    "garbage",
    [
        "toolu_x~my2.!!not base64!!",
        "toolu_x~my2." + base64.urlsafe_b64encode(b"not zlib").decode(),
        "toolu_x~my2." + _payload(b"not json"),
        "toolu_x~my2." + _payload(b'{"origin": "a", "data": "b"}'),
        "toolu_x~my2." + _payload(b'["only one"]'),
        "toolu_x~my2." + _payload(b'["a", "b", "c"]'),
        "toolu_x~my2." + _payload(b'[1, "data"]'),
        "toolu_x~my2." + _payload(b'["", "data"]'),
        "toolu_x~my2." + _payload(b'["origin", ""]'),
        "toolu_x~my2." + _payload(b'["origin", "data"]')[:-3],  # truncated
        "toolu_x~my1." + _payload(b"\xff\xfe"),  # not UTF-8
        "~my2." + _payload(b'["o", "d"]'),  # no upstream id
        "x~my2.",
        "x~my3." + _payload(b'["o", "d"]'),  # a version we do not know
        "x~my",
        "client-id~mystery",
    ],
)
def test_a_garbled_or_forged_id_is_a_plain_id(garbage: str) -> None:
    assert tool_call_ids.decode(garbage) == Decoded(garbage, None, None)


def test_an_oversized_payload_is_a_plain_id() -> None:
    """A forged id that inflates past the limit is refused, not inflated into memory."""
    big = orjson.dumps(["o", "x" * tool_call_ids.MAX_DATA_BYTES])
    for marker, raw in ((tool_call_ids.MARKER, big), (tool_call_ids.LEGACY_MARKER, big)):
        forged = "call_0" + marker + _payload(raw)
        assert tool_call_ids.decode(forged) == Decoded(forged, None, None)
    # Just under the limit still decodes.
    fits = orjson.dumps(["o", "x" * (tool_call_ids.MAX_DATA_BYTES - 20)])
    assert tool_call_ids.decode("c" + tool_call_ids.MARKER + _payload(fits)).origin == "o"


def _request(*calls: ToolCall) -> ChatRequest:
    return ChatRequest(
        model="claude-haiku-4-5",
        messages=[
            Message("user", [TextPart("Weather?")]),
            Message("assistant", tool_calls=list(calls)),
            *(Message("tool", [TextPart("Sunny")], tool_call_id=c.id) for c in calls),
        ],
    )


def test_data_from_another_model_is_stripped_the_rest_kept() -> None:
    own = ToolCall("a", "f", "{}", "data-a", HAIKU)
    foreign = ToolCall("b", "f", "{}", "data-b", SONNET)
    unknown = ToolCall("c", "f", "{}", "data-c", None)
    plain = ToolCall("d", "f", "{}")
    request = _request(own, foreign, unknown, plain)
    sent = strip_foreign_provider_data(request, HAIKU)
    assert sent.messages[1].tool_calls == [
        own,
        ToolCall("b", "f", "{}", None, None),
        unknown,
        plain,
    ]
    assert sent.messages[0] is request.messages[0]
    # Pure: the request every deployment of the chain starts from is unchanged.
    assert request.messages[1].tool_calls[1] == foreign
    # The model that issued it gets everything.
    assert strip_foreign_provider_data(request, SONNET).messages[1].tool_calls[1] == foreign


def test_nothing_foreign_leaves_the_request_as_it_is() -> None:
    request = _request(ToolCall("a", "f", "{}", "data-a", HAIKU), ToolCall("c", "f", "{}", "x"))
    assert strip_foreign_provider_data(request, HAIKU) is request
    assert strip_foreign_provider_data(_request(), HAIKU).messages == _request().messages


def test_answers_are_stamped_with_the_deployments_origin() -> None:
    answer = ChatResponse(
        "id",
        "m",
        "",
        Usage(),
        tool_calls=[ToolCall("a", "f", "{}", "data"), ToolCall("b", "f", "{}")],
    )
    assert [c.provider_origin for c in bind_answer(answer, SONNET).tool_calls] == [SONNET, None]
    events = bind_events(
        [TextDelta("x"), ToolCallDelta(0, "a", "f", "", "data"), ToolCallDelta(0, arguments="{")],
        SONNET,
    )
    assert [getattr(e, "provider_origin", None) for e in events] == [None, SONNET, None]
