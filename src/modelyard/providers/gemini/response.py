"""Reading one ``GenerateContentResponse``: a whole answer, or one chunk of a stream.

Streaming and non-streaming share this: a non-streamed answer is read as a single chunk.

- Parts of ``candidates[0].content``: ``text`` (``thought: true`` makes it reasoning),
  ``functionCall`` (a tool call; Gemini may send no id, so the ``n``-th call of an answer is
  ``call_<responseId>_<n>``, unique across a tool loop's turns, or ``call_<n>`` without a
  ``responseId``; arguments are the compact JSON of ``args``), ``inlineData`` images (only image
  models' answers use those). Other parts (``thoughtSignature``-only, executable code...) are
  skipped. A ``functionCall`` part's ``thoughtSignature`` becomes the call's ``provider_data``
  (``gemini-ts:<signature>``), which :mod:`.request` puts back on that part next turn.
- ``logprobsResult`` (asked with ``responseLogprobs``) becomes OpenAI's ``logprobs`` shape;
  ``read_chunk(..., candidate_index=i)`` reads another candidate (``candidateCount``).
- ``finishReason``: STOP → stop, MAX_TOKENS → length, the safety family → content_filter,
  function-call failures and OTHER → error; a stop with function calls → tool_calls. A prompt
  blocked by ``promptFeedback.blockReason`` → content_filter.
- ``usageMetadata`` (WIRE-FORMATS section 9): input = ``promptTokenCount -
  cachedContentTokenCount`` (+ ``toolUsePromptTokenCount``, tokens of built-in tools' results,
  billed as input), cache read = ``cachedContentTokenCount``, output = ``candidatesTokenCount +
  thoughtsTokenCount``, reasoning = ``thoughtsTokenCount``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from modelyard.errors import UpstreamError
from modelyard.llm_types import ReasoningDelta, TextDelta, ToolCall, Usage
from modelyard.llm_types.chat import FinishReason
from modelyard.providers.gemini.common import SIGNATURE_TAG, count, malformed

_FINISH_REASONS: dict[str, FinishReason] = {
    "STOP": "stop",
    "FINISH_REASON_UNSPECIFIED": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "LANGUAGE": "content_filter",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter",
    "IMAGE_PROHIBITED_CONTENT": "content_filter",
    "IMAGE_RECITATION": "content_filter",
    "MALFORMED_FUNCTION_CALL": "error",
    "UNEXPECTED_TOOL_CALL": "error",
    "TOO_MANY_TOOL_CALLS": "error",
    "OTHER": "error",
}


@dataclass(slots=True)
class Chunk:
    """What one ``GenerateContentResponse`` says, in order of its parts."""

    pieces: list[TextDelta | ReasoningDelta | ToolCall] = field(default_factory=list)
    images: list[tuple[str, str]] = field(default_factory=list)  # (media type, base64)
    finish: str | None = None  # Gemini's finishReason, as sent
    block_reason: str | None = None
    usage: Usage | None = None
    has_candidates: bool = False
    response_id: str = ""
    model: str = ""
    logprobs: dict[str, Any] | None = None  # OpenAI's shape, from ``logprobsResult``
    candidate_count: int = 0

    @property
    def ended(self) -> bool:
        """True on the last chunk of an answer: it has a finishReason or the prompt was blocked."""
        return self.finish is not None or self.block_reason is not None


def read_chunk(document: dict[str, Any], first_call: int = 0, candidate_index: int = 0) -> Chunk:
    """Read one response (its candidate ``candidate_index``); its function calls are numbered
    from ``first_call``."""
    error = document.get("error")
    if error is not None:
        raise stream_error(error)
    chunk = Chunk(
        response_id=_string(document, "responseId"), model=_string(document, "modelVersion")
    )
    feedback = document.get("promptFeedback")
    if isinstance(feedback, dict) and isinstance(feedback.get("blockReason"), str):
        chunk.block_reason = feedback["blockReason"]
    chunk.usage = read_usage(document.get("usageMetadata"))
    candidates = document.get("candidates")
    if candidates is None:
        return chunk
    if not isinstance(candidates, list) or not all(isinstance(c, dict) for c in candidates):
        malformed("candidates is not a list of objects")
    if not candidates:
        return chunk
    chunk.has_candidates = True
    chunk.candidate_count = len(candidates)
    candidate: dict[str, Any] = candidates[min(candidate_index, len(candidates) - 1)]
    if candidate.get("logprobsResult") is not None:
        chunk.logprobs = read_logprobs(candidate["logprobsResult"])
    finish = candidate.get("finishReason")
    if finish is not None and not isinstance(finish, str):
        malformed("finishReason is not a string")
    chunk.finish = finish
    content = candidate.get("content")
    if content is None:
        return chunk
    if not isinstance(content, dict):
        malformed("candidate content is not an object")
    parts = content.get("parts", [])
    if not isinstance(parts, list):
        malformed("content.parts is not a list")
    for part in parts:
        _read_part(part, chunk, first_call)
    return chunk


def _read_part(part: Any, chunk: Chunk, first_call: int) -> None:
    if not isinstance(part, dict):
        malformed("a content part is not an object")
    thought = part.get("thought") is True
    if "text" in part:
        text = part["text"]
        if not isinstance(text, str):
            malformed("a text part's text is not a string")
        if text:
            chunk.pieces.append(ReasoningDelta(text) if thought else TextDelta(text))
    elif "functionCall" in part:
        call = part["functionCall"]
        if not isinstance(call, dict) or not isinstance(call.get("name"), str):
            malformed("a functionCall has no name")
        args = call.get("args", {})
        if not isinstance(args, dict):
            malformed("functionCall.args is not an object")
        number = first_call + sum(isinstance(p, ToolCall) for p in chunk.pieces)
        call_id = call.get("id")
        if not (isinstance(call_id, str) and call_id) and chunk.response_id:
            # Unique per answer, so a tool loop's calls never share an id (not call_0 each turn)
            call_id = f"call_{chunk.response_id[:32]}_{number}"
        signature = part.get("thoughtSignature")
        chunk.pieces.append(
            ToolCall(
                id=call_id if isinstance(call_id, str) and call_id else f"call_{number}",
                name=call["name"],
                arguments=orjson.dumps(args).decode(),
                provider_data=SIGNATURE_TAG + signature
                if isinstance(signature, str) and signature
                else None,
            )
        )
    elif "inlineData" in part and not thought:
        data = part["inlineData"]
        if not isinstance(data, dict) or not isinstance(data.get("data"), str):
            malformed("inlineData has no data")
        media_type = data.get("mimeType")
        chunk.images.append((media_type if isinstance(media_type, str) else "", data["data"]))


def _logprob(entry: Any) -> dict[str, Any]:
    token = entry.get("token") if isinstance(entry, dict) else None
    value = entry.get("logProbability") if isinstance(entry, dict) else None
    token = token if isinstance(token, str) else ""
    return {
        "token": token,
        "logprob": float(value) if isinstance(value, int | float) else 0.0,
        "bytes": list(token.encode()),
    }


def read_logprobs(result: Any) -> dict[str, Any] | None:
    """Gemini's ``logprobsResult`` (chosen tokens, each position's top candidates) in OpenAI's
    ``{"content": [{"token", "logprob", "bytes", "top_logprobs"}]}`` shape."""
    if not isinstance(result, dict):
        return None
    chosen = result.get("chosenCandidates")
    top = result.get("topCandidates")
    chosen = chosen if isinstance(chosen, list) else []
    top = top if isinstance(top, list) else []
    content = []
    for position, entry in enumerate(chosen):
        item = _logprob(entry)
        alternatives = top[position].get("candidates") if position < len(top) else None
        if not isinstance(alternatives, list):
            alternatives = []
        item["top_logprobs"] = [_logprob(alt) for alt in alternatives]
        content.append(item)
    return {"content": content, "refusal": None}


def read_usage(metadata: Any) -> Usage | None:
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        malformed("usageMetadata is not an object")
    prompt = count(metadata, "promptTokenCount")
    cached = count(metadata, "cachedContentTokenCount")
    thoughts = count(metadata, "thoughtsTokenCount")
    return Usage(
        input_tokens=max(prompt - cached, 0) + count(metadata, "toolUsePromptTokenCount"),
        output_tokens=count(metadata, "candidatesTokenCount") + thoughts,
        cache_read_tokens=cached,
        reasoning_tokens=thoughts,
    )


def finish_reason(finish: str | None, block_reason: str | None, called: bool) -> FinishReason:
    """The internal finish reason of an answer that ended with ``finish`` / ``block_reason``."""
    if block_reason is not None and finish is None:
        return "content_filter"
    reason = _FINISH_REASONS.get(finish or "STOP", "stop")
    return "tool_calls" if called and reason == "stop" else reason


def stream_error(error: Any) -> UpstreamError:
    """The error of a ``{"error": {...}}`` document inside a 200 answer."""
    message = error.get("message") if isinstance(error, dict) else None
    status = error.get("status") if isinstance(error, dict) else None
    return UpstreamError(
        f"Gemini reported an error: {message}"
        if isinstance(message, str) and message
        else "Gemini reported an error",
        code=status if isinstance(status, str) else None,
    )


def _string(document: dict[str, Any], key: str) -> str:
    value = document.get(key)
    return value if isinstance(value, str) else ""
