"""OpenAI's Responses API as a chat wire (operation ``responses``).

``WIRE`` implements :class:`~modelyard.providers.base.ChatWire` for the models flagged "use
Responses API": callers still speak Chat Completions, so :mod:`.request` translates a
:class:`ChatRequest` into a ``POST responses`` body (``instructions``, ``input`` items,
flat function tools, ``max_output_tokens``, ``reasoning``, ``store: false``), :mod:`.response`
reads the ``response`` object back into a :class:`ChatResponse`, and :mod:`.stream` decodes the
typed event stream. URL and auth come from the target's connection (OpenAI, or Azure's
``/openai/v1/responses``). Error bodies are OpenAI's (``openai_chat.common.error_message``).
"""

from __future__ import annotations

from modelyard.llm_types import ChatRequest, ChatResponse
from modelyard.providers.base import Target, UpstreamRequest
from modelyard.providers.openai_chat.common import error_message
from modelyard.providers.openai_responses.request import OPERATION, build_responses
from modelyard.providers.openai_responses.response import parse_responses, responses_usage
from modelyard.providers.openai_responses.stream import ResponsesStreamDecoder


class OpenAIResponsesWire:
    """The Responses API as a :class:`~modelyard.providers.base.ChatWire`."""

    # Of ChatRequest.uncarried's answer-changing options only logprobs has a Responses form
    # (``include``); stop, seed, n, penalties, file and audio parts: the router refuses them.
    carries: frozenset[str] = frozenset({"logprobs", "top_logprobs"})

    def build_chat(self, request: ChatRequest, target: Target) -> UpstreamRequest:
        return build_responses(request, target)

    def parse_chat(self, body: bytes) -> ChatResponse:
        return parse_responses(body)

    def stream_decoder(self) -> ResponsesStreamDecoder:
        return ResponsesStreamDecoder()

    def error_message(self, body: bytes) -> str | None:
        return error_message(body)


WIRE = OpenAIResponsesWire()

__all__ = [
    "OPERATION",
    "WIRE",
    "OpenAIResponsesWire",
    "ResponsesStreamDecoder",
    "parse_responses",
    "responses_usage",
]
