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


class _Calls:
    """The tool calls of one choice seen so far (which ids and names were already sent)."""

    __slots__ = ("last", "sent_id", "sent_name", "tool_ids")

    def __init__(self) -> None:
        self.tool_ids: dict[str, int] = {}
        self.last = -1
        self.sent_id: set[int] = set()
        self.sent_name: set[int] = set()


class ChatStreamDecoder:
    """``data: {chunk}`` events up to ``data: [DONE]``: text, reasoning and tool-call deltas,
    the finish reason, and usage (the trailing usage-only chunk; servers that repeat cumulative
    usage on several chunks are reported by difference, so the reports still add up).

    Choices other than the first (``n`` > 1) come as events with their ``choice`` index;
    ``choices[].logprobs.content`` entries ride on the chunk's :class:`TextDelta`."""

    def __init__(self) -> None:
        self._sse = SSEParser()
        self._finished = False
        self._finish_sent: set[int] = set()
        self._reported = Usage()
        self._calls: dict[int, _Calls] = {}

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
            if not isinstance(choice, dict):
                continue
            index = choice.get("index", 0)
            if not isinstance(index, int) or isinstance(index, bool) or index < 0:
                index = 0  # servers that send null or leave it out have one choice
            delta = choice.get("delta")
            if isinstance(delta, dict):
                self._delta(delta, choice.get("logprobs"), index, events)
            reason = choice.get("finish_reason")
            if reason is not None and index not in self._finish_sent:
                self._finish_sent.add(index)
                events.append(Finish(finish_reason(reason), choice=index))
        if isinstance(data.get("usage"), dict):
            self._usage(chat_usage(data["usage"]), events)

    def _delta(
        self, delta: dict[str, Any], logprobs: Any, choice: int, events: list[StreamEvent]
    ) -> None:
        text, reasoning = content_pieces(delta.get("content"))
        reasoning = reasoning or reasoning_field(delta)
        if reasoning:
            events.append(ReasoningDelta(reasoning, choice=choice))
        if not text and isinstance(delta.get("refusal"), str):
            text = delta["refusal"]
        entries = _logprob_entries(logprobs) if logprobs is not None else None
        if text or entries:
            events.append(
                TextDelta(text, entries, choice) if entries or choice else TextDelta(text)
            )
        calls = delta.get("tool_calls") or []
        if not isinstance(calls, list):
            raise malformed("a delta's tool_calls is not a list", WHO)
        for call in calls:
            if not isinstance(call, dict):
                raise malformed("a tool-call delta is not an object", WHO)
            events.append(self._tool_delta(call, choice))

    def _tool_delta(self, call: dict[str, Any], choice: int) -> ToolCallDelta:
        seen = self._calls.get(choice)
        if seen is None:
            seen = self._calls[choice] = _Calls()
        given_id = call.get("id")
        call_id = given_id if isinstance(given_id, str) and given_id else None
        index = call.get("index")
        if not isinstance(index, int) or isinstance(index, bool):
            # some servers leave out the index: a new id is a new call, else the last one
            if call_id is not None and call_id not in seen.tool_ids:
                index = max(seen.last + 1, len(seen.tool_ids))
            else:
                index = seen.tool_ids.get(call_id or "", max(seen.last, 0))
        if call_id is not None:
            seen.tool_ids.setdefault(call_id, index)
        seen.last = index
        function = as_object(call.get("function"))
        name = function.get("name") if isinstance(function.get("name"), str) else None
        delta = ToolCallDelta(index=index, arguments=arguments_text(function.get("arguments")))
        delta.choice = choice
        if call_id is not None and index not in seen.sent_id:  # first piece only
            seen.sent_id.add(index)
            delta.id = call_id
        if name and index not in seen.sent_name:
            seen.sent_name.add(index)
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


def _logprob_entries(logprobs: Any) -> list[dict[str, Any]] | None:
    """A chunk's ``logprobs.content`` entries (None when it has none)."""
    content = logprobs.get("content") if isinstance(logprobs, dict) else None
    if content is None:
        return None
    if not isinstance(content, list):
        raise malformed("a chunk's logprobs.content is not a list", WHO)
    return content or None
