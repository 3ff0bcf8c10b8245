"""Internal stream events -> Anthropic's event stream.

``message_start``, then per content block ``content_block_start``, ``content_block_delta``*
(``text_delta``, ``thinking_delta``, ``input_json_delta``), ``content_block_stop``, then
``message_delta`` (stop reason, usage) and ``message_stop``. Text and thinking blocks close when
another block starts; tool_use blocks stay open until the end, since some upstreams interleave
the argument pieces of parallel calls (each delta names its block's index).
"""

from __future__ import annotations

from typing import Any

import orjson

from modelyard.gateway import tool_call_ids
from modelyard.gateway.messages.outbound import stop_reason, usage_dict
from modelyard.llm_types import (
    Finish,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from modelyard.llm_types.chat import FinishReason


def event(kind: str, data: dict[str, Any]) -> bytes:
    return b"event: " + kind.encode() + b"\ndata: " + orjson.dumps({"type": kind, **data}) + b"\n\n"


class EventWriter:
    """Writes the events of one answer; see the module docstring."""

    __slots__ = (
        "_blocks",
        "_open",
        "_reason",
        "_show_thinking",
        "_stop_sequence",
        "_text_head",
        "_tools",
        "_used_tools",
    )

    def __init__(self, *, show_thinking: bool) -> None:
        self._show_thinking = show_thinking
        self._blocks = 0  # content blocks started so far
        self._open: tuple[str, int] | None = None  # the open text or thinking block
        self._tools: dict[int, int] = {}  # tool call index -> its (open) block index
        self._reason: FinishReason = "stop"
        self._used_tools = False
        self._text_head = b""
        self._stop_sequence: str | None = None

    def start(self, message_id: str, model: str, usage: Usage) -> bytes:
        message: dict[str, Any] = {
            "id": message_id,
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {**usage_dict(usage), "output_tokens": 0},
        }
        return event("message_start", {"message": message}) + event("ping", {})

    def _begin(self, kind: str, block: dict[str, Any]) -> tuple[bytes, int]:
        out = self._close()
        index = self._blocks
        self._blocks += 1
        if kind != "tool_use":
            self._open = (kind, index)
        if kind == "text":
            self._text_head = (
                b'event: content_block_delta\ndata: {"type":"content_block_delta","index":'
                + str(index).encode()
                + b',"delta":{"type":"text_delta","text":'
            )
        return out + event("content_block_start", {"index": index, "content_block": block}), index

    def _close(self) -> bytes:
        if self._open is None:
            return b""
        kind, index = self._open
        self._open = None
        out = b""
        if kind == "thinking":
            delta = {"type": "signature_delta", "signature": ""}
            out = event("content_block_delta", {"index": index, "delta": delta})
        return out + event("content_block_stop", {"index": index})

    def _text(self, kind: str, text: str) -> bytes:
        if kind == "text" and self._open is not None and self._open[0] == "text":
            # The bulk of a stream: the block's constant bytes around the text's JSON string.
            return self._text_head + orjson.dumps(text) + b"}}\n\n"
        out = b""
        if self._open is None or self._open[0] != kind:
            empty = (
                {"type": "text", "text": ""}
                if kind == "text"
                else {
                    "type": "thinking",
                    "thinking": "",
                    "signature": "",
                }
            )
            out, _ = self._begin(kind, empty)
        assert self._open is not None
        delta = (
            {"type": "text_delta", "text": text}
            if kind == "text"
            else {
                "type": "thinking_delta",
                "thinking": text,
            }
        )
        return out + event("content_block_delta", {"index": self._open[1], "delta": delta})

    def _tool(self, piece: ToolCallDelta) -> bytes:
        out = b""
        index = self._tools.get(piece.index)
        if index is None:
            self._used_tools = True
            call_id = tool_call_ids.encode(
                piece.id or f"toolu_{piece.index}", piece.provider_data, piece.provider_origin
            )
            block = {"type": "tool_use", "id": call_id, "name": piece.name or "", "input": {}}
            out, index = self._begin("tool_use", block)
            self._tools[piece.index] = index
        if piece.arguments:
            delta = {"type": "input_json_delta", "partial_json": piece.arguments}
            out += event("content_block_delta", {"index": index, "delta": delta})
        return out

    def encode(self, item: StreamEvent) -> bytes:
        if type(item) is TextDelta:
            return self._text("text", item.text) if item.text else b""
        if type(item) is ReasoningDelta:
            return self._text("thinking", item.text) if item.text and self._show_thinking else b""
        if type(item) is ToolCallDelta:
            return self._tool(item)
        if type(item) is Finish:
            self._reason, self._stop_sequence = item.reason, item.stop_sequence
        return b""

    def finish(self, usage: Usage) -> bytes:
        out = self._close()
        for index in self._tools.values():
            out += event("content_block_stop", {"index": index})
        self._tools = {}
        reason = stop_reason(self._reason, self._used_tools, self._stop_sequence)
        delta = {"stop_reason": reason, "stop_sequence": self._stop_sequence}
        out += event("message_delta", {"delta": delta, "usage": usage_dict(usage)})
        return out + event("message_stop", {})
