"""Gemini chat: ``generateContent``, or ``streamGenerateContent?alt=sse`` when streaming.

The request translation is in :mod:`.request`, the reading of an answer (shared with streams)
in :mod:`.response`, the stream decoder in :mod:`.stream`.
"""

from __future__ import annotations

from modelyard.llm_types import (
    ChatRequest,
    ChatResponse,
    ReasoningDelta,
    TextDelta,
    ToolCall,
    Usage,
)
from modelyard.providers.base import Target, UpstreamRequest
from modelyard.providers.gemini.common import error_message, load_object, malformed
from modelyard.providers.gemini.request import chat_body
from modelyard.providers.gemini.response import finish_reason, read_chunk
from modelyard.providers.gemini.stream import GeminiStreamDecoder


class GeminiChatWire:
    def build_chat(self, request: ChatRequest, target: Target) -> UpstreamRequest:
        if request.stream:
            url = target.url("streamGenerateContent", stream=True)
        else:
            url = target.url("generateContent")
        return UpstreamRequest(
            url=url, headers=target.headers(), json=chat_body(request), stream=request.stream
        )

    def parse_chat(self, body: bytes) -> ChatResponse:
        chunk = read_chunk(load_object(body))
        if not chunk.has_candidates and chunk.block_reason is None:
            malformed("no candidates")
        text: list[str] = []
        reasoning: list[str] = []
        calls: list[ToolCall] = []
        for piece in chunk.pieces:
            if isinstance(piece, TextDelta):
                text.append(piece.text)
            elif isinstance(piece, ReasoningDelta):
                reasoning.append(piece.text)
            else:
                calls.append(piece)
        return ChatResponse(
            id=chunk.response_id,
            model=chunk.model,
            text="".join(text),
            usage=chunk.usage or Usage(),
            finish_reason=finish_reason(chunk.finish, chunk.block_reason, bool(calls)),
            tool_calls=calls,
            reasoning="".join(reasoning) if reasoning else None,
        )

    def stream_decoder(self) -> GeminiStreamDecoder:
        return GeminiStreamDecoder()

    def error_message(self, body: bytes) -> str | None:
        return error_message(body)
