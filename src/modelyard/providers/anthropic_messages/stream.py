"""Decoding a streamed Messages API answer into internal stream events.

Event order: ``message_start`` -> per content block ``content_block_start``,
``content_block_delta``*, ``content_block_stop`` -> ``message_delta`` -> ``message_stop``, with
``ping`` anywhere and ``error`` possible mid-stream (the HTTP status is already 200).

Usage arrives as cumulative snapshots (``message_start``'s usage, then ``message_delta``'s, whose
``output_tokens`` is the final count and whose input/cache counts, when present, replace the
earlier ones). Each :class:`UsageReport` carries the difference from what was already reported,
so the reports add up to the final usage: input and cache tokens come with ``message_start`` (and
are metered even if the stream is cut later), the rest of the output with ``message_delta``.

Tool calls are numbered apart from content blocks: the first ``tool_use`` block is tool call 0,
whatever its block index. Thinking blocks (text and ``signature_delta``) are kept until the next
``tool_use`` block starts: its first :class:`ToolCallDelta` carries them as ``provider_data``
(they always stream before it, so the data is known when the call's id goes out).
"""

from __future__ import annotations

from typing import Any

from modelyard.errors import UpstreamError
from modelyard.llm_types import (
    Finish,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
    UsageReport,
)
from modelyard.providers.anthropic_messages.response import (
    count,
    finish_reason,
    load_object,
    malformed,
    matched_stop,
    parse_usage,
    thinking_data,
    thinking_tokens,
)
from modelyard.providers.sse import SSEParser

_FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
)


class MessagesStreamDecoder:
    """Feed it the raw bytes of a ``stream: true`` answer; see the module docstring."""

    __slots__ = (
        "_arguments_sent",
        "_finished",
        "_reported",
        "_signed",
        "_snapshot",
        "_sse",
        "_tools",
    )

    def __init__(self) -> None:
        self._sse = SSEParser()
        self._finished = False
        self._snapshot = Usage()
        self._reported = Usage()
        self._tools: dict[int, int] = {}  # content block index -> tool call index
        self._arguments_sent: set[int] = set()  # tool call indexes that got arguments
        # thinking blocks since the last tool_use, by content block index
        self._signed: dict[int, dict[str, Any]] = {}

    @property
    def finished(self) -> bool:
        return self._finished

    def feed(self, chunk: bytes) -> list[StreamEvent]:
        try:
            sse_events = self._sse.feed(chunk)
        except UnicodeDecodeError:
            raise malformed("a stream event is not UTF-8") from None
        events: list[StreamEvent] = []
        for sse_event in sse_events:
            if self._finished:
                break
            data = load_object(sse_event.data, "a stream event")
            self._handle(data.get("type", sse_event.event), data, events)
        return events

    def _handle(self, kind: Any, data: dict[str, Any], events: list[StreamEvent]) -> None:
        if kind == "content_block_delta":
            self._delta(_index(data), _object(data, "delta"), events)
        elif kind == "content_block_start":
            self._block_start(_index(data), _object(data, "content_block"), events)
        elif kind == "content_block_stop":
            tool = self._tools.get(_index(data))
            if tool is not None and tool not in self._arguments_sent:
                events.append(ToolCallDelta(index=tool, arguments="{}"))
        elif kind == "message_start":
            self._snapshot = parse_usage(_object(data, "message").get("usage"))
            self._report(events)
        elif kind == "message_delta":
            delta = _object(data, "delta")
            events.append(Finish(finish_reason(delta.get("stop_reason")), matched_stop(delta)))
            self._update_usage(data.get("usage"))
            self._report(events)
        elif kind == "message_stop":
            self._finished = True
        elif kind == "error":
            error = data.get("error")
            error = error if isinstance(error, dict) else {}
            message = error.get("message") or "unknown error"
            code = error.get("type")
            raise UpstreamError(
                f"Anthropic stream error: {message}", code=code if isinstance(code, str) else None
            )
        # ping and event types added later carry nothing for us

    def _block_start(self, index: int, block: dict[str, Any], events: list[StreamEvent]) -> None:
        kind = block.get("type")
        if kind == "tool_use":
            call_id, name = block.get("id"), block.get("name")
            if not isinstance(call_id, str) or not isinstance(name, str):
                raise malformed("a tool_use block has no id or name")
            tool = self._tools[index] = len(self._tools)
            signed = [self._signed[i] for i in sorted(self._signed)]
            self._signed = {}
            data = thinking_data(signed) if signed else None
            events.append(ToolCallDelta(index=tool, id=call_id, name=name, provider_data=data))
        elif kind == "text" and isinstance(block.get("text"), str) and block["text"]:
            events.append(TextDelta(block["text"]))
        elif kind == "thinking":
            thinking, signature = block.get("thinking"), block.get("signature")
            thinking = thinking if isinstance(thinking, str) else ""
            signature = signature if isinstance(signature, str) else ""
            self._signed[index] = {"type": kind, "thinking": thinking, "signature": signature}
            if thinking:
                events.append(ReasoningDelta(thinking))
        elif kind == "redacted_thinking" and isinstance(block.get("data"), str):
            self._signed[index] = {"type": kind, "data": block["data"]}

    def _delta(self, index: int, delta: dict[str, Any], events: list[StreamEvent]) -> None:
        kind = delta.get("type")
        if kind == "text_delta":
            text = _string(delta, "text")
            if text:
                events.append(TextDelta(text))
        elif kind == "thinking_delta":
            thinking = _string(delta, "thinking")
            if thinking:
                if index in self._signed:
                    self._signed[index]["thinking"] += thinking
                events.append(ReasoningDelta(thinking))
        elif kind == "signature_delta":
            if index in self._signed:
                self._signed[index]["signature"] += _string(delta, "signature")
        elif kind == "input_json_delta":
            tool = self._tools.get(index)
            partial = _string(delta, "partial_json")
            if tool is not None and partial:
                self._arguments_sent.add(tool)
                events.append(ToolCallDelta(index=tool, arguments=partial))
        # citations_delta: nothing for us

    def _update_usage(self, usage: Any) -> None:
        if not isinstance(usage, dict):
            raise malformed("message_delta has no usage")
        snapshot = self._snapshot
        snapshot.output_tokens = count(usage, "output_tokens", required=True)
        if usage.get("input_tokens") is not None:
            snapshot.input_tokens = count(usage, "input_tokens")
        if usage.get("cache_read_input_tokens") is not None:
            snapshot.cache_read_tokens = count(usage, "cache_read_input_tokens")
        if usage.get("cache_creation_input_tokens") is not None:
            snapshot.cache_write_tokens = count(usage, "cache_creation_input_tokens")
        if isinstance(usage.get("output_tokens_details"), dict):
            snapshot.reasoning_tokens = thinking_tokens(usage)

    def _report(self, events: list[StreamEvent]) -> None:
        """Report what the snapshot holds beyond the reports so far (nothing if it is the same)."""
        difference = Usage(
            **{
                field: getattr(self._snapshot, field) - getattr(self._reported, field)
                for field in _FIELDS
            }
        )
        if any(getattr(difference, field) for field in _FIELDS):
            self._reported.add(difference)
            events.append(UsageReport(difference))


def _object(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise malformed(f"a {data.get('type')} event has no {key}")
    return value


def _index(data: dict[str, Any]) -> int:
    value = data.get("index")
    if not isinstance(value, int) or isinstance(value, bool):
        raise malformed(f"a {data.get('type')} event has no index")
    return value


def _string(delta: dict[str, Any], key: str) -> str:
    value = delta.get(key)
    if not isinstance(value, str):
        raise malformed(f"a {delta.get('type')} has no {key}")
    return value
