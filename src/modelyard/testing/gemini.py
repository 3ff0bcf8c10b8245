"""Google Gemini (``/v1beta/models/{model}:method``), as the fake speaks it.

``generateContent`` and ``streamGenerateContent`` (SSE with ``alt=sse``, ``\\r\\n`` line ends, the
complete ``usageMetadata`` on the last chunk), ``embedContent``, ``batchEmbedContents`` and
``countTokens``. Zero ``cachedContentTokenCount`` / ``thoughtsTokenCount`` are left out, as
Gemini does, so adapters must cope with their absence. A thinking model's function calls carry
a ``thoughtSignature``, and a follow-up must send it back, as Gemini 3 demands
(:mod:`.signatures`). Function arguments follow ``parameters`` or ``parametersJsonSchema``;
``responseMimeType: application/json`` answers JSON that fits ``responseSchema`` /
``responseJsonSchema``; ``responseLogprobs`` adds ``logprobsResult`` (``logprobs``
alternatives a position) and ``candidateCount`` gives that many candidates. Documents and
audio (``inlineData`` of any media type) count as an image does.
"""

from __future__ import annotations

from typing import Any

import orjson

from modelyard.testing.asgi import BadRequest, FakeRequest, Reply, json_reply, sse_reply
from modelyard.testing.content import (
    count_words,
    echo_answer,
    int_or_none,
    is_cache_model,
    is_reasoning_model,
    message_tokens,
    pieces,
    reasoning_text,
    text_tokens,
    tool_arguments,
    truncate,
    wants_tool,
)
from modelyard.testing.faults import status_text
from modelyard.testing.images import colour_for, png_base64
from modelyard.testing.signatures import check_gemini, thought_signature
from modelyard.testing.vectors import dimensions_for, embed

IMAGE_OUTPUT_TOKENS = 1290
_STATUSES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
    529: "UNAVAILABLE",
}
_RETRY_INFO = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1s"}


def error(
    request: FakeRequest, status: int, message: str | None = None, param: str | None = None
) -> Reply:
    """``{"error": {"code", "message", "status"}}``; a 429 adds RetryInfo and ``retry-after``."""
    body: dict[str, Any] = {
        "code": status,
        "message": message or status_text(status),
        "status": _STATUSES.get(status, "UNKNOWN"),
    }
    extra = []
    if status == 429:
        body["details"] = [_RETRY_INFO]
        extra = [(b"retry-after", b"1")]
    return json_reply(status, {"error": body}, extra)


def check(request: FakeRequest) -> Reply | None:
    """403 without an ``x-goog-api-key`` header or ``key`` query parameter."""
    if request.headers.get("x-goog-api-key") or request.query.get("key"):
        return None
    return error(
        request,
        403,
        "Method doesn't allow unregistered callers (callers without established identity). "
        "Please use API Key or other form of API consumer identity to call this API.",
    )


def _read_contents(body: dict[str, Any]) -> tuple[int, str, bool]:
    """Prompt tokens, the last user text, and whether that turn was a plain user message."""
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise BadRequest("* GenerateContentRequest.contents: contents is not specified", "contents")
    turns = list(contents)
    system = body.get("systemInstruction") or body.get("system_instruction")
    if isinstance(system, dict):
        turns.insert(0, system)
    prompt, last_text, plain = 0, "", False
    for turn in turns:
        if not isinstance(turn, dict):
            raise BadRequest("* GenerateContentRequest.contents: invalid value", "contents")
        texts: list[str] = []
        images = 0
        answered = False
        for part in turn.get("parts") or []:
            if not isinstance(part, dict):
                continue
            if isinstance(part.get("text"), str):
                texts.append(part["text"])
            elif "inlineData" in part or "fileData" in part or "inline_data" in part:
                images += 1
            elif isinstance(part.get("functionCall"), dict):
                texts.append(orjson.dumps(part["functionCall"].get("args", {})).decode())
            elif isinstance(part.get("functionResponse"), dict):
                texts.append(orjson.dumps(part["functionResponse"].get("response", {})).decode())
                answered = True
        prompt += message_tokens(texts, images)
        if turn is not system and turn.get("role", "user") == "user":
            last_text, plain = " ".join(texts), not answered
    return prompt, last_text, plain


def _function(body: dict[str, Any], user_text: str) -> dict[str, Any] | None:
    declarations = [
        d
        for tool in body.get("tools") or []
        if isinstance(tool, dict)
        for d in tool.get("functionDeclarations") or tool.get("function_declarations") or []
        if isinstance(d, dict)
    ]
    tool_config = body.get("toolConfig")
    config = tool_config.get("functionCallingConfig") if isinstance(tool_config, dict) else None
    config = config if isinstance(config, dict) else {}
    mode = str(config.get("mode", "AUTO")).upper()
    if not declarations or mode == "NONE":
        return None
    allowed = config.get("allowedFunctionNames") or []
    if mode == "ANY" and allowed:
        declarations = [d for d in declarations if d.get("name") in allowed] or declarations
    return declarations[0] if wants_tool(user_text, mode == "ANY") else None


def build_response(request: FakeRequest, model: str) -> dict[str, Any]:
    body: dict[str, Any] = request.json
    prompt, last_text, plain = _read_contents(body)
    config = body.get("generationConfig") or {}
    thinking = config.get("thinkingConfig") or {}
    parts: list[dict[str, Any]] = []
    thoughts = 0
    thinks = bool(
        is_reasoning_model(model)
        or thinking.get("includeThoughts")
        or (int_or_none(thinking.get("thinkingBudget")) or 0) > 0
    )
    check_gemini(body["contents"], thinks, model)
    if thinks:
        reasoning = reasoning_text(last_text)
        thoughts = count_words(reasoning)
        if thinking.get("includeThoughts"):
            parts.append({"text": reasoning, "thought": True})
    candidates = 0
    finish = "STOP"
    function = _function(body, last_text if plain else "")
    if function is not None:
        args = tool_arguments(function.get("parameters") or function.get("parametersJsonSchema"))
        name = function.get("name", "")
        call: dict[str, Any] = {"functionCall": {"name": name, "args": args}}
        if thinks:
            call["thoughtSignature"] = thought_signature(name, args, model)
        parts.append(call)
        candidates += text_tokens(len(orjson.dumps(args)))
    else:
        answer = _json_answer(config, echo_answer(last_text))
        cut = False
        if answer is None:
            limit = int_or_none(config.get("maxOutputTokens"))
            answer, cut = truncate(echo_answer(last_text), limit)
        parts.append({"text": answer})
        candidates += count_words(answer)
        finish = "MAX_TOKENS" if cut else "STOP"
        if "image" in model and not cut:
            image = {"mimeType": "image/png", "data": png_base64(colour_for(request.digest))}
            parts.append({"inlineData": image})
            candidates += IMAGE_OUTPUT_TOKENS
    usage: dict[str, Any] = {
        "promptTokenCount": prompt,
        "candidatesTokenCount": candidates,
        "totalTokenCount": prompt + candidates + thoughts,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}],
    }
    if is_cache_model(model) and prompt // 2:
        usage["cachedContentTokenCount"] = prompt // 2
    if thoughts:
        usage["thoughtsTokenCount"] = thoughts
    count = int_or_none(config.get("candidateCount")) or 1
    if count > 1:
        usage["candidatesTokenCount"] = candidates * count
        usage["totalTokenCount"] = prompt + candidates * count + thoughts
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}}
    candidate["finishReason"] = finish
    if config.get("responseLogprobs") is True:
        text = "".join(p["text"] for p in parts if "text" in p and not p.get("thought"))
        candidate["logprobsResult"] = _logprobs(text, int_or_none(config.get("logprobs")) or 0)
    return {
        "candidates": [{**candidate, "index": index} for index in range(count)],
        "usageMetadata": usage,
        "modelVersion": model,
        "responseId": request.digest,
    }


def _json_answer(config: dict[str, Any], fallback: str) -> str | None:
    """JSON text fitting the response schema, when the request asks for JSON (else None)."""
    if config.get("responseMimeType") != "application/json":
        return None
    schema = config.get("responseJsonSchema") or config.get("responseSchema")
    if isinstance(schema, dict):
        return orjson.dumps(tool_arguments(schema)).decode()
    return orjson.dumps({"answer": fallback}).decode()


def _logprobs(text: str, top: int) -> dict[str, Any]:
    """``logprobsResult``: a chosen candidate a word (the i-th -0.01 * (i + 1)), and ``top``
    candidates a position (the chosen word first)."""
    chosen = []
    tops = []
    for index, piece in enumerate(pieces(text)):
        value = -0.01 * (index + 1)
        chosen.append({"token": piece, "logProbability": value})
        alternatives = [{"token": piece, "logProbability": value}]
        alternatives += [{"token": f"alt{n}", "logProbability": value - n} for n in range(1, top)]
        tops.append({"candidates": alternatives[:top]})
    return {"topCandidates": tops, "chosenCandidates": chosen}


def stream_chunks(response: dict[str, Any]) -> list[dict[str, Any]]:
    """One chunk per word of text (and per other part); the last has finishReason and usage.
    With ``logprobsResult`` asked, each answer-text chunk has its own word's (as Gemini streams)."""
    candidate = response["candidates"][0]
    usage = response["usageMetadata"]
    logprobs = candidate.get("logprobsResult")
    split: list[tuple[dict[str, Any], int | None]] = []  # (part, its answer-text word number)
    words = 0
    for part in candidate["content"]["parts"]:
        if "text" in part:
            for piece in pieces(part["text"]):
                split.append(({**part, "text": piece}, None if part.get("thought") else words))
                words += not part.get("thought")
        else:
            split.append((part, None))
    partial_usage = {
        "promptTokenCount": usage["promptTokenCount"],
        "totalTokenCount": usage["promptTokenCount"],
    }
    chunks = []
    for number, (part, word) in enumerate(split, 1):
        last = number == len(split)
        chunk_candidate: dict[str, Any] = {
            "content": {"role": "model", "parts": [part]},
            "index": 0,
        }
        if logprobs is not None and word is not None:
            chunk_candidate["logprobsResult"] = {
                "topCandidates": logprobs["topCandidates"][word : word + 1],
                "chosenCandidates": logprobs["chosenCandidates"][word : word + 1],
            }
        if last:
            chunk_candidate["finishReason"] = candidate["finishReason"]
        chunks.append(
            {
                "candidates": [chunk_candidate],
                "usageMetadata": usage if last else partial_usage,
                "modelVersion": response["modelVersion"],
                "responseId": response["responseId"],
            }
        )
    return chunks


def generate(request: FakeRequest, model: str) -> Reply:
    return json_reply(200, build_response(request, model))


def stream(request: FakeRequest, model: str) -> Reply:
    """SSE with ``alt=sse`` (what clients should ask for), else one JSON array of the chunks."""
    chunks = stream_chunks(build_response(request, model))
    if request.query.get("alt") == "sse":
        return sse_reply([(None, orjson.dumps(chunk)) for chunk in chunks], newline=b"\r\n")
    return json_reply(200, chunks)


def _embedding(content: Any, model: str, dimensions: Any) -> dict[str, list[float]]:
    if not isinstance(content, dict):
        raise BadRequest("* EmbedContentRequest.content: content is not specified", "content")
    text = "".join(
        p["text"]
        for p in content.get("parts") or []
        if isinstance(p, dict) and isinstance(p.get("text"), str)
    )
    return {"values": embed(text, dimensions_for(model, dimensions))}


def embed_content(request: FakeRequest, model: str) -> Reply:
    body: dict[str, Any] = request.json
    vector = _embedding(body.get("content"), model, body.get("outputDimensionality"))
    return json_reply(200, {"embedding": vector})


def batch_embed_contents(request: FakeRequest, model: str) -> Reply:
    requests = request.json.get("requests")
    if not isinstance(requests, list) or not requests:
        raise BadRequest(
            "* BatchEmbedContentsRequest.requests: requests is not specified", "requests"
        )
    embeddings = [
        _embedding(r.get("content"), model, r.get("outputDimensionality"))
        for r in requests
        if isinstance(r, dict)
    ]
    return json_reply(200, {"embeddings": embeddings})


def count_tokens(request: FakeRequest, model: str) -> Reply:
    body: dict[str, Any] = request.json
    inner = body.get("generateContentRequest")
    prompt = _read_contents(inner if isinstance(inner, dict) else body)[0]
    return json_reply(200, {"totalTokens": prompt})


METHODS = {
    "generateContent": generate,
    "streamGenerateContent": stream,
    "embedContent": embed_content,
    "batchEmbedContents": batch_embed_contents,
    "countTokens": count_tokens,
}
