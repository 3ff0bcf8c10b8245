"""Internal answers -> OpenAI's response shapes (and chunk shapes for streams)."""

from __future__ import annotations

import base64
import struct
import uuid
from typing import Any

import orjson

from modelyard.gateway import tool_call_ids
from modelyard.llm_types import (
    ChatResponse,
    EmbeddingResponse,
    Finish,
    ImageResponse,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)


def usage_dict(usage: Usage) -> dict[str, Any]:
    """OpenAI's ``usage`` block; cache writes ride along in ``prompt_tokens_details``."""
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
        "prompt_tokens_details": {
            "cached_tokens": usage.cache_read_tokens,
            "cache_write_tokens": usage.cache_write_tokens,
        },
        "completion_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
    }


def completion_id(upstream_id: str) -> str:
    """``chatcmpl-...`` always, as streams have: OpenAI's own id is kept, others' (``resp_``,
    ``msg_``, Gemini's bare ids) are replaced, so callers see one shape whatever answered."""
    if upstream_id.startswith("chatcmpl-"):
        return upstream_id
    return f"chatcmpl-{uuid.uuid4().hex}"


def _completion_choice(
    answer: ChatResponse, index: int, show_reasoning: bool, legacy: bool
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": answer.text or None}
    finish: str = answer.finish_reason
    if not answer.tool_calls:
        if message["content"] is None:
            message["content"] = ""
    elif legacy:
        # Asked with legacy ``functions``: answered as ``function_call`` (one call, no id).
        call = answer.tool_calls[0]
        message["function_call"] = {"name": call.name, "arguments": call.arguments}
        finish = "function_call"
    else:
        message["tool_calls"] = [
            {
                "id": tool_call_ids.outbound_call(c),
                "type": "function",
                "function": {"name": c.name, "arguments": c.arguments},
            }
            for c in answer.tool_calls
        ]
    if show_reasoning and answer.reasoning:
        message["reasoning_content"] = answer.reasoning
    return {
        "index": index,
        "message": message,
        "logprobs": answer.logprobs,
        "finish_reason": finish,
    }


def chat_completion(
    answer: ChatResponse,
    model: str,
    created: int,
    *,
    show_reasoning: bool,
    legacy_functions: bool = False,
) -> dict[str, Any]:
    """The ``chat.completion`` body; ``legacy_functions`` when the caller sent ``functions``."""
    choices = [_completion_choice(answer, 0, show_reasoning, legacy_functions)]
    if answer.alternatives:  # n > 1
        choices.extend(
            _completion_choice(other, index, show_reasoning, legacy_functions)
            for index, other in enumerate(answer.alternatives, 1)
        )
    return {
        "id": completion_id(answer.id),
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": choices,
        "usage": usage_dict(answer.usage),
    }


class ChunkWriter:
    """Turns stream events into ``chat.completion.chunk`` objects of one answer.

    An event of another choice (``n`` > 1) goes out as a chunk with that ``index`` (each
    choice's first chunk with the role); a text delta's logprobs as the chunk's
    ``choices[0].logprobs.content``. Plain text deltas of the first choice take the fast path.
    """

    __slots__ = (
        "_base",
        "_legacy",
        "_role_sent",
        "_roles_sent",
        "_show_reasoning",
        "_text_head",
        "_text_tail",
    )

    def __init__(
        self,
        completion_id: str,
        model: str,
        created: int,
        *,
        show_reasoning: bool,
        legacy_functions: bool = False,
    ) -> None:
        self._base = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
        }
        self._role_sent = False
        self._roles_sent: set[int] | None = None  # the other choices' (n > 1)
        self._show_reasoning = show_reasoning
        self._legacy = legacy_functions  # tool calls as legacy ``function_call`` deltas
        # A text chunk (the bulk of a stream) is this answer's constant bytes around the
        # JSON string of its text: cut from a rendered chunk, so it is the same byte for byte.
        mark = uuid.uuid4().hex
        rendered = self.line({**self._base, "choices": [_choice({"content": mark})]})
        self._text_head, self._text_tail = rendered.split(f'"{mark}"'.encode())

    def _chunk(
        self,
        delta: dict[str, Any],
        finish: str | None = None,
        choice: int = 0,
        logprobs: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        if choice:
            return self._other_chunk(delta, finish, choice, logprobs)
        if not self._role_sent:
            delta = {"role": "assistant", **delta}
            self._role_sent = True
        out = _choice(delta, finish)
        if logprobs is not None:
            out["logprobs"] = {"content": logprobs, "refusal": None}
        return {**self._base, "choices": [out]}

    def _other_chunk(
        self,
        delta: dict[str, Any],
        finish: str | None,
        choice: int,
        logprobs: list[dict[str, Any]] | None,
    ) -> dict[str, Any]:
        if self._roles_sent is None:
            self._roles_sent = set()
        if choice not in self._roles_sent:
            delta = {"role": "assistant", **delta}
            self._roles_sent.add(choice)
        out = {**_choice(delta, finish), "index": choice}
        if logprobs is not None:
            out["logprobs"] = {"content": logprobs, "refusal": None}
        return {**self._base, "choices": [out]}

    @staticmethod
    def line(chunk: dict[str, Any]) -> bytes:
        return b"data: " + orjson.dumps(chunk) + b"\n\n"

    def encode(self, event: StreamEvent) -> bytes | None:
        """The SSE line of an event (``data: {chunk}``), or None when it sends nothing."""
        if type(event) is TextDelta and self._role_sent and event.logprobs is None:
            if not event.text:
                return None
            if not event.choice:
                return self._text_head + orjson.dumps(event.text) + self._text_tail
        if type(event) is TextDelta and event.logprobs is not None and not self._began(event):
            # The role in a chunk of its own first, as OpenAI sends it: the SDK's accumulator
            # takes a choice's first chunk whole and then adds its logprobs again.
            role = self.line(self._chunk({"content": ""}, None, event.choice))
            return role + self.line(
                self._chunk({"content": event.text}, None, event.choice, event.logprobs)
            )
        chunk = self.event(event)
        return None if chunk is None else self.line(chunk)

    def _began(self, event: TextDelta) -> bool:
        """Whether the event's choice already had its first chunk (with the role)."""
        if not event.choice:
            return self._role_sent
        return self._roles_sent is not None and event.choice in self._roles_sent

    def event(self, event: StreamEvent) -> dict[str, Any] | None:
        if isinstance(event, TextDelta):
            if event.logprobs is not None:
                delta = {"content": event.text} if event.text else {}
                return self._chunk(delta, None, event.choice, event.logprobs)
            return self._chunk({"content": event.text}, None, event.choice) if event.text else None
        if isinstance(event, ReasoningDelta):
            if not self._show_reasoning or not event.text:
                return None
            return self._chunk({"reasoning_content": event.text}, None, event.choice)
        if isinstance(event, ToolCallDelta) and self._legacy:
            if event.index != 0:
                return None  # function_call is one call
            function: dict[str, Any] = {"arguments": event.arguments}
            if event.name is not None:
                function["name"] = event.name
            return self._chunk({"function_call": function}, None, event.choice)
        if isinstance(event, ToolCallDelta):
            call: dict[str, Any] = {
                "index": event.index,
                "function": {"arguments": event.arguments},
            }
            if event.id is not None:
                call["id"] = tool_call_ids.encode(
                    event.id, event.provider_data, event.provider_origin
                )
                call["type"] = "function"
            if event.name is not None:
                call["function"]["name"] = event.name
            return self._chunk({"tool_calls": [call]}, None, event.choice)
        if isinstance(event, Finish):
            if self._legacy and event.reason == "tool_calls":
                return self._chunk({}, "function_call", event.choice)
            return self._chunk({}, event.reason, event.choice)
        return None  # usage is sent once, at the end

    def usage(self, usage: Usage) -> dict[str, Any]:
        return {**self._base, "choices": [], "usage": usage_dict(usage)}


def _choice(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"index": 0, "delta": delta, "finish_reason": finish}


def embeddings(answer: EmbeddingResponse, model: str, encoding: str) -> dict[str, Any]:
    data = []
    for index, vector in enumerate(answer.vectors):
        value: list[float] | str = vector
        if encoding == "base64":
            value = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
        data.append({"object": "embedding", "index": index, "embedding": value})
    return {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {
            "prompt_tokens": answer.usage.prompt_tokens,
            "total_tokens": answer.usage.prompt_tokens,
        },
    }


def images(answer: ImageResponse, created: int) -> dict[str, Any]:
    data = []
    for image in answer.images:
        item: dict[str, Any] = {}
        if image.b64_json is not None:
            item["b64_json"] = image.b64_json
        if image.url is not None:
            item["url"] = image.url
        if image.revised_prompt is not None:
            item["revised_prompt"] = image.revised_prompt
        data.append(item)
    body: dict[str, Any] = {"created": created, "data": data}
    usage = answer.usage
    if usage.input_tokens or usage.output_tokens:
        body["usage"] = {
            "input_tokens": usage.prompt_tokens,
            "output_tokens": usage.output_tokens,
            "total_tokens": usage.total_tokens,
        }
    return body
