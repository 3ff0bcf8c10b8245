"""Decoding ``streamGenerateContent?alt=sse``: every ``data:`` is a whole response chunk.

Gemini sends no end marker: the connection closes after the chunk that has a ``finishReason``
(or a ``promptFeedback.blockReason``), so :attr:`finished` turns true on that chunk.

Usage: ``usageMetadata`` is cumulative and repeated (intermediate chunks may carry only the
prompt count), so the decoder keeps the latest one and reports it once, as one
:class:`UsageReport` right after the :class:`Finish` event. Should a chunk after that carry a
different ``usageMetadata``, the difference is reported, so the reports always add up to the
last usage Gemini sent. A stream cut before its finishing chunk reports no usage.

A chunk's ``logprobsResult`` (asked with ``responseLogprobs``) rides on its first
:class:`TextDelta`, in OpenAI's ``logprobs.content`` shape (an empty delta when it has no text).
Several candidates (``candidateCount``) are not read from a stream: the wire refuses ``n`` > 1
with ``stream`` (see :mod:`.chat`).

A ``data: {"error": ...}`` chunk raises :class:`UpstreamError` with Google's message.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from modelyard.llm_types import (
    Finish,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    Usage,
    UsageReport,
)
from modelyard.providers.gemini.common import load_object
from modelyard.providers.gemini.response import finish_reason, read_chunk
from modelyard.providers.sse import SSEParser


class GeminiStreamDecoder:
    __slots__ = ("_calls", "_finished", "_parser", "_reported", "_usage")

    def __init__(self) -> None:
        self._parser = SSEParser()
        self._calls = 0
        self._usage: Usage | None = None
        self._reported = Usage()
        self._finished = False

    @property
    def finished(self) -> bool:
        return self._finished

    def feed(self, chunk: bytes) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        for sse in self._parser.feed(chunk):
            if sse.data.strip():
                self._read(sse.data, events)
        return events

    def _read(self, data: str, events: list[StreamEvent]) -> None:
        chunk = read_chunk(load_object(data), self._calls)
        for piece in chunk.pieces:
            if isinstance(piece, ToolCall):
                events.append(
                    ToolCallDelta(
                        self._calls, piece.id, piece.name, piece.arguments, piece.provider_data
                    )
                )
                self._calls += 1
            else:
                events.append(piece)
        if chunk.logprobs is not None and chunk.logprobs["content"]:
            _attach(chunk.logprobs["content"], events, len(events) - len(chunk.pieces))
        if chunk.usage is not None:
            self._usage = chunk.usage
        if chunk.ended and not self._finished:
            self._finished = True
            events.append(Finish(finish_reason(chunk.finish, chunk.block_reason, self._calls > 0)))
        if self._finished and self._usage is not None:
            difference = _difference(self._usage, self._reported)
            if difference != Usage():
                events.append(UsageReport(difference))
                self._reported = replace(self._usage)


def _attach(entries: list[dict[str, Any]], events: list[StreamEvent], start: int) -> None:
    """Put a chunk's logprobs entries on its first text delta (from ``start`` in ``events``)."""
    for event in events[start:]:
        if type(event) is TextDelta:
            event.logprobs = entries
            return
    events.append(TextDelta("", entries))


def _difference(total: Usage, reported: Usage) -> Usage:
    return Usage(
        input_tokens=total.input_tokens - reported.input_tokens,
        output_tokens=total.output_tokens - reported.output_tokens,
        cache_read_tokens=total.cache_read_tokens - reported.cache_read_tokens,
        cache_write_tokens=total.cache_write_tokens - reported.cache_write_tokens,
        reasoning_tokens=total.reasoning_tokens - reported.reasoning_tokens,
        images=total.images - reported.images,
    )
