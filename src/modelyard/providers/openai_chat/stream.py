"""Chat Completions streams: ``data: {chunk}`` events up to ``data: [DONE]``."""

from __future__ import annotations

from typing import Any

from modelyard.llm_types import (
    Finish,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
    UsageReport,
)
from modelyard.providers.openai_chat.common import (
    as_object,
    load_object,
    malformed,
    raise_for_error,
)
from modelyard.providers.openai_chat.response import (
    WHO,
    arguments_text,
    chat_usage,
    content_pieces,
    finish_reason,
    reasoning_field,
)
from modelyard.providers.sse import SSEParser


class ChatStreamDecoder:
    """``data: {chunk}`` events up to ``data: [DONE]``: text, reasoning and tool-call deltas,
    the finish reason, and usage (the trailing usage-only chunk; servers that repeat cumulative
    usage on several chunks are reported by difference, so the reports still add up)."""

    def __init__(self) -> None:
        self._sse = SSEParser()
        self._finished = False
        self._finish_sent = False
        self._reported = Usage()
        self._tool_ids: dict[str, int] = {}
        self._last_tool = -1
        self._sent_id: set[int] = set()
        self._sent_name: set[int] = set()

    @property
    def finished(self) -> bool:
        return self._finished

    def feed(self, chunk: bytes) -> list[StreamEvent]:
        try:
            sse_events = self._sse.feed(chunk)
        except UnicodeDecodeError:
            raise malformed("a stream event is not UTF-8", WHO) from None
        events: list[StreamEvent] = []
        for sse_event in sse_events:
            if self._finished:
                break
            payload = sse_event.data.strip()
            if payload == "[DONE]":
                self._finished = True
                break
            if not payload:
                continue
            data = load_object(payload.encode(), WHO, "a stream chunk")
            if sse_event.event == "error" and "error" not in data:
                data = {"error": data}  # ``event: error`` + a bare error object
            raise_for_error(data, in_stream=True)
            self._chunk(data, events)
        return events

    def _chunk(self, data: dict[str, Any], events: list[StreamEvent]) -> None:
        choices = data.get("choices") or []
        if not isinstance(choices, list):
            raise malformed("a chunk's choices is not a list", WHO)
        for choice in choices:
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta")
            if isinstance(delta, dict):
                self._delta(delta, events)
            reason = choice.get("finish_reason")
            if reason is not None and not self._finish_sent:
                self._finish_sent = True
                events.append(Finish(finish_reason(reason)))
        if isinstance(data.get("usage"), dict):
            self._usage(chat_usage(data["usage"]), events)

    def _delta(self, delta: dict[str, Any], events: list[StreamEvent]) -> None:
        text, reasoning = content_pieces(delta.get("content"))
        reasoning = reasoning or reasoning_field(delta)
        if reasoning:
            events.append(ReasoningDelta(reasoning))
        if not text and isinstance(delta.get("refusal"), str):
            text = delta["refusal"]
        if text:
            events.append(TextDelta(text))
        calls = delta.get("tool_calls") or []
        if not isinstance(calls, list):
            raise malformed("a delta's tool_calls is not a list", WHO)
        for call in calls:
            if not isinstance(call, dict):
                raise malformed("a tool-call delta is not an object", WHO)
            events.append(self._tool_delta(call))

    def _tool_delta(self, call: dict[str, Any]) -> ToolCallDelta:
        given_id = call.get("id")
        call_id = given_id if isinstance(given_id, str) and given_id else None
        index = call.get("index")
        if not isinstance(index, int) or isinstance(index, bool):
            # some servers leave out the index: a new id is a new call, else the last one
            if call_id is not None and call_id not in self._tool_ids:
                index = max(self._last_tool + 1, len(self._tool_ids))
            else:
                index = self._tool_ids.get(call_id or "", max(self._last_tool, 0))
        if call_id is not None:
            self._tool_ids.setdefault(call_id, index)
        self._last_tool = index
        function = as_object(call.get("function"))
        name = function.get("name") if isinstance(function.get("name"), str) else None
        delta = ToolCallDelta(index=index, arguments=arguments_text(function.get("arguments")))
        if call_id is not None and index not in self._sent_id:  # first piece only
            self._sent_id.add(index)
            delta.id = call_id
        if name and index not in self._sent_name:
            self._sent_name.add(index)
            delta.name = name
        return delta

    def _usage(self, usage: Usage, events: list[StreamEvent]) -> None:
        old = self._reported
        new = Usage(
            input_tokens=max(old.input_tokens, usage.input_tokens),
            output_tokens=max(old.output_tokens, usage.output_tokens),
            cache_read_tokens=max(old.cache_read_tokens, usage.cache_read_tokens),
            cache_write_tokens=max(old.cache_write_tokens, usage.cache_write_tokens),
            reasoning_tokens=max(old.reasoning_tokens, usage.reasoning_tokens),
        )
        if new != old:
            events.append(
                UsageReport(
                    Usage(
                        input_tokens=new.input_tokens - old.input_tokens,
                        output_tokens=new.output_tokens - old.output_tokens,
                        cache_read_tokens=new.cache_read_tokens - old.cache_read_tokens,
                        cache_write_tokens=new.cache_write_tokens - old.cache_write_tokens,
                        reasoning_tokens=new.reasoning_tokens - old.reasoning_tokens,
                    )
                )
            )
            self._reported = new
