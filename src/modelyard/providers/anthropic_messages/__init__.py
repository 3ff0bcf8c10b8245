"""Anthropic's Messages API wire format (``POST {base}/v1/messages``, operation ``messages``).

``WIRE`` implements :class:`~modelyard.providers.base.ChatWire`; URL and auth headers come from
the target's connection (``connections.ANTHROPIC``). The pieces:

- :mod:`.request` builds the body (system lifted to ``system``, alternating merged turns,
  ``tool_use`` / ``tool_result`` blocks, ``max_tokens`` defaulting to 4096, ``thinking``),
- :mod:`.response` parses a ``message`` body, its usage and stop reason, and error bodies,
- :mod:`.stream` decodes the event stream into internal stream events.

Signed thinking blocks travel on the tool calls they preceded (``ToolCall.provider_data``) and
go back with them while thinking is on. Known limits: thinking before a plain text answer is not
kept; thinking is left off where Anthropic would refuse it (a tool loop whose last tool calls
came back without their thinking block, a prefilled assistant message, a forced tool choice);
``seed`` and ``ImagePart.detail`` have no Messages API equivalent and are not sent.
``response_format`` is structured output (``output_config.format``); ``cache_control`` markers
of text parts and tools go on their blocks; ``top_k`` is carried; PDFs are ``document`` blocks.
"""

from __future__ import annotations

from modelyard.llm_types import ChatRequest, ChatResponse
from modelyard.providers.anthropic_messages.request import DEFAULT_MAX_TOKENS, build_request
from modelyard.providers.anthropic_messages.response import error_message, parse_message
from modelyard.providers.anthropic_messages.stream import MessagesStreamDecoder
from modelyard.providers.base import ChatWire, Target, UpstreamRequest


class AnthropicMessagesWire:
    """The Messages API as a :class:`~modelyard.providers.base.ChatWire`."""

    # The answer-changing options this wire carries (ChatRequest.uncarried refuses the rest:
    # the Messages API has no logprobs, penalties, logit_bias, n, seed or audio input).
    carries = frozenset({"stop", "top_k", "file"})

    def build_chat(self, request: ChatRequest, target: Target) -> UpstreamRequest:
        return build_request(request, target)

    def parse_chat(self, body: bytes) -> ChatResponse:
        return parse_message(body)

    def stream_decoder(self) -> MessagesStreamDecoder:
        return MessagesStreamDecoder()

    def error_message(self, body: bytes) -> str | None:
        return error_message(body)


WIRE: ChatWire = AnthropicMessagesWire()

__all__ = ["DEFAULT_MAX_TOKENS", "WIRE", "AnthropicMessagesWire", "MessagesStreamDecoder"]
