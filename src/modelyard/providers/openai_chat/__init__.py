"""OpenAI's Chat Completions wire format (operation ``chat/completions``).

``WIRE`` implements :class:`~modelyard.providers.base.ChatWire` for every provider speaking it
(OpenAI, Azure, Mistral, DeepSeek, xAI, any OpenAI-compatible server); the target's connection
decides URL and auth. The pieces:

- :mod:`.request` builds the body. The few per-provider differences are data (``_DIALECTS``):
  OpenAI and Azure take ``max_completion_tokens``, the others ``max_tokens``; Mistral refuses
  ``stream_options``, ``user`` and message ``name`` (422 "extra inputs are not permitted";
  it reports stream usage unasked) and calls the seed ``random_seed``. Streams ask for
  ``stream_options: {"include_usage": true}``, without which there is no usage to meter.
- :mod:`.response` parses a ``chat.completion`` body, read leniently where servers differ:
  reasoning from ``reasoning_content`` (DeepSeek, vLLM), ``reasoning`` (newer vLLM, OpenRouter)
  or Mistral's ``thinking`` content parts; cached prompt tokens from
  ``prompt_tokens_details.cached_tokens`` or DeepSeek's ``prompt_cache_hit_tokens``; xAI's
  reasoning tokens, counted outside ``completion_tokens``, added back to the output (seen from
  its ``total_tokens``).
- :mod:`.stream` decodes the chunk stream (``[DONE]``, tool-call deltas by index, the trailing
  usage-only chunk, an in-stream ``{"error": ...}``).
- :mod:`.common` holds the JSON and error-body helpers every OpenAI wire module shares.

Carried besides the basics: ``logprobs``/``top_logprobs`` (the answer's ``choices[].logprobs``
comes back), ``presence_penalty``, ``frequency_penalty``, ``logit_bias``, ``n`` (every choice
is read), ``file`` and ``input_audio`` parts; the pure hints (``store``, ``metadata``,
``service_tier``, ``prompt_cache_key``, ``safety_identifier``, ``verbosity``) only to OpenAI
and Azure, as other servers refuse fields they do not know.

Known limits: earlier reasoning is not sent back (DeepSeek refuses ``reasoning_content`` in
input messages).
"""

from __future__ import annotations

from modelyard.llm_types import ChatRequest, ChatResponse
from modelyard.providers.base import Target, UpstreamRequest
from modelyard.providers.openai_chat.common import error_message
from modelyard.providers.openai_chat.request import OPERATION, build_chat
from modelyard.providers.openai_chat.response import chat_usage, finish_reason, parse_chat
from modelyard.providers.openai_chat.stream import ChatStreamDecoder


class OpenAIChatWire:
    """Chat Completions as a :class:`~modelyard.providers.base.ChatWire`."""

    # The answer-changing options this wire carries (ChatRequest.uncarried refuses the rest).
    carries = frozenset(
        {
            "logprobs",
            "top_logprobs",
            "presence_penalty",
            "frequency_penalty",
            "logit_bias",
            "n",
            "stream_n",  # n > 1 streamed too: chunks name their choice's index
            "seed",
            "stop",
            "file",
            "input_audio",
        }
    )

    def build_chat(self, request: ChatRequest, target: Target) -> UpstreamRequest:
        return build_chat(request, target)

    def parse_chat(self, body: bytes) -> ChatResponse:
        return parse_chat(body)

    def stream_decoder(self) -> ChatStreamDecoder:
        return ChatStreamDecoder()

    def error_message(self, body: bytes) -> str | None:
        return error_message(body)


WIRE = OpenAIChatWire()

__all__ = [
    "OPERATION",
    "WIRE",
    "ChatStreamDecoder",
    "OpenAIChatWire",
    "chat_usage",
    "finish_reason",
    "parse_chat",
]
