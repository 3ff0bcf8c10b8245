"""A streamed text chunk is written from pre-rendered bytes (the hot path); it must be the very
bytes the general chunk rendering gives, whatever the text holds."""

from __future__ import annotations

import orjson
import pytest

from modelyard.gateway.outbound import ChunkWriter
from modelyard.llm_types import Finish, ReasoningDelta, StreamEvent, TextDelta, ToolCallDelta

TEXTS = [
    "Hello",
    "",
    'quote " backslash \\ newline \n',
    "é ü 漢字 😀",
    "</script>\u2028\x00",
    "x" * 5000,
]


@pytest.mark.parametrize("text", TEXTS)
def test_text_chunks_are_the_bytes_of_the_general_rendering(text: str) -> None:
    events: list[StreamEvent] = [
        TextDelta("first"),
        TextDelta(text),
        ReasoningDelta("thinking"),
        ToolCallDelta(index=0, arguments="{}", id="call_1", name="f"),
        TextDelta(text),
        Finish("stop"),
    ]
    fast = ChunkWriter("chatcmpl-x", 'model "slug"', 1_700_000_000, show_reasoning=True)
    general = ChunkWriter("chatcmpl-x", 'model "slug"', 1_700_000_000, show_reasoning=True)
    for event in events:
        chunk = general.event(event)
        expected = None if chunk is None else b"data: " + orjson.dumps(chunk) + b"\n\n"
        assert fast.encode(event) == expected
