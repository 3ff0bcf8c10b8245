"""Responses API streams: typed events up to ``response.completed`` (or ``.incomplete``).

Text comes from ``response.output_text.delta`` (and ``.refusal.delta``), reasoning from
``response.reasoning_summary_text.delta`` / ``response.reasoning_text.delta`` (a blank line
between summary parts, as in the parsed body), tool calls from ``response.output_item.added``
(call id and name) and ``response.function_call_arguments.delta``. The final event carries the
whole response: its finish reason and usage. ``response.failed`` and ``error`` events raise
:class:`UpstreamError` with the provider's message. A finished reasoning item with
``encrypted_content`` (asked through ``include``) comes as an empty :class:`ReasoningDelta`
holding the item. A text delta's ``logprobs`` (asked through ``include``) ride on its
:class:`TextDelta` in Chat Completions' shape.
"""

from __future__ import annotations

from typing import Any

from modelyard.llm_types import (
    Finish,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    UsageReport,
)
from modelyard.providers.openai_chat.common import as_object, load_object, malformed
from modelyard.providers.openai_responses.response import (
    REASONING_SEPARATOR,
    WHO,
    chat_logprobs,
    finish_reason,
    raise_failed,
    responses_usage,
)
from modelyard.providers.sse import SSEParser

_TEXT = frozenset({"response.output_text.delta", "response.refusal.delta"})
_REASONING = frozenset({"response.reasoning_summary_text.delta", "response.reasoning_text.delta"})
_FINAL = frozenset({"response.completed", "response.incomplete"})


class ResponsesStreamDecoder:
    def __init__(self) -> None:
        self._sse = SSEParser()
        self._finished = False
        self._reasoned = False  # some reasoning was sent (the next part needs a separator)
        self._calls: dict[Any, int] = {}  # output_index and item id -> tool call index
        self._arguments: dict[int, int] = {}  # tool call index -> argument characters sent

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
            if not payload or payload == "[DONE]":
                continue
            data = load_object(payload.encode(), WHO, "a stream event")
            kind = data.get("type", sse_event.event)
            self._event(kind, data, events)
        return events

    def _event(self, kind: Any, data: dict[str, Any], events: list[StreamEvent]) -> None:
        if kind in _TEXT:
            logprobs = data.get("logprobs")
            if logprobs:
                events.append(TextDelta(_delta(data), chat_logprobs(logprobs)))
            elif _delta(data):
                events.append(TextDelta(_delta(data)))
        elif kind in _REASONING:
            if _delta(data):
                events.append(ReasoningDelta(_delta(data)))
                self._reasoned = True
        elif kind == "response.reasoning_summary_part.added":
            if self._reasoned:
                events.append(ReasoningDelta(REASONING_SEPARATOR))
                self._reasoned = False
        elif kind == "response.output_item.added":
            self._item_added(data, events)
        elif kind == "response.function_call_arguments.delta":
            self._arguments_piece(data, _delta(data), events)
        elif kind == "response.function_call_arguments.done":
            self._arguments_done(data, data.get("arguments"), events)
        elif kind == "response.output_item.done":
            item = as_object(data.get("item"))
            if item.get("type") == "function_call":
                self._arguments_done(data, item.get("arguments"), events)
            elif item.get("type") == "reasoning" and item.get("encrypted_content"):
                events.append(ReasoningDelta("", item))  # for a Responses caller to send back
        elif kind in _FINAL:
            self._final(as_object(data.get("response")), events)
        elif kind in ("response.failed", "error"):
            failed = data.get("response") if kind == "response.failed" else data
            raise_failed(as_object(failed))

    def _item_added(self, data: dict[str, Any], events: list[StreamEvent]) -> None:
        item = as_object(data.get("item"))
        if item.get("type") != "function_call":
            return
        call_id, name = item.get("call_id"), item.get("name")
        if not isinstance(call_id, str) or not isinstance(name, str):
            raise malformed("a function_call item has no call_id or name", WHO)
        index = len(self._arguments)
        self._arguments[index] = 0
        self._calls[("output", data.get("output_index"))] = index
        if isinstance(item.get("id"), str):
            self._calls[("item", item["id"])] = index
        events.append(ToolCallDelta(index=index, id=call_id, name=name))
        self._arguments_piece(data, item.get("arguments"), events)

    def _call_index(self, data: dict[str, Any]) -> int:
        index = self._calls.get(("output", data.get("output_index")))
        if index is None:
            index = self._calls.get(("item", data.get("item_id")))
        if index is None:
            raise malformed("function call arguments for an unknown item", WHO)
        return index

    def _arguments_piece(self, data: dict[str, Any], piece: Any, events: list[StreamEvent]) -> None:
        if isinstance(piece, str) and piece:
            index = self._call_index(data)
            self._arguments[index] += len(piece)
            events.append(ToolCallDelta(index=index, arguments=piece))

    def _arguments_done(self, data: dict[str, Any], whole: Any, events: list[StreamEvent]) -> None:
        """Send what the deltas left out (servers that send the arguments only when done)."""
        if isinstance(whole, str):
            sent = self._arguments[self._call_index(data)]
            self._arguments_piece(data, whole[sent:], events)

    def _final(self, response: dict[str, Any], events: list[StreamEvent]) -> None:
        events.append(Finish(finish_reason(response, bool(self._arguments))))
        usage = responses_usage(response.get("usage"))
        events.append(UsageReport(usage))
        self._finished = True


def _delta(data: dict[str, Any]) -> str:
    delta = data.get("delta")
    return delta if isinstance(delta, str) else ""
