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
from modelyard.providers.gemini.response import Chunk, finish_reason, read_chunk
from modelyard.providers.gemini.stream import GeminiStreamDecoder


class GeminiChatWire:
    # The answer-changing options this wire carries (ChatRequest.uncarried refuses the rest:
    # Gemini has no logit_bias).
    carries = frozenset(
        {
            "logprobs",
            "top_logprobs",
            "presence_penalty",
            "frequency_penalty",
            "n",
            "seed",
            "stop",
            "file",
            "input_audio",
        }
    )

    def build_chat(self, request: ChatRequest, target: Target) -> UpstreamRequest:
        if request.stream:
            url = target.url("streamGenerateContent", stream=True)
        else:
            url = target.url("generateContent")
        return UpstreamRequest(
            url=url, headers=target.headers(), json=chat_body(request), stream=request.stream
        )

    def parse_chat(self, body: bytes) -> ChatResponse:
        document = load_object(body)
        chunk = read_chunk(document)
        if not chunk.has_candidates and chunk.block_reason is None:
            malformed("no candidates")
        answer = _answer(chunk)
        answer.usage = chunk.usage or Usage()
        if chunk.candidate_count > 1:  # candidateCount (n > 1): the other candidates
            answer.alternatives = [
                _answer(read_chunk(document, candidate_index=index))
                for index in range(1, chunk.candidate_count)
            ]
        return answer

    def stream_decoder(self) -> GeminiStreamDecoder:
        return GeminiStreamDecoder()

    def error_message(self, body: bytes) -> str | None:
        return error_message(body)


def _answer(chunk: Chunk) -> ChatResponse:
    """One candidate's answer (usage is the caller's: it covers every candidate)."""
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
        usage=Usage(),
        finish_reason=finish_reason(chunk.finish, chunk.block_reason, bool(calls)),
        tool_calls=calls,
        reasoning="".join(reasoning) if reasoning else None,
        logprobs=chunk.logprobs,
    )
