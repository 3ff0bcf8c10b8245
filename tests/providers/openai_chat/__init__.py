"""The Chat Completions wire: pure translation, then round trips through the fake provider.

Hand-written answers and chunks are first checked against the official ``openai`` SDK's types,
so they are shapes the real API can send.
"""

from __future__ import annotations

from typing import Any

from modelyard.llm_types import ChatRequest, Message
from modelyard.providers.base import Target
from tests.providers import roundtrip

MODEL = "gpt-4.1-mini"
MALFORMED = r"^The OpenAI-compatible provider sent a malformed response: "
FULL_USAGE = {
    "prompt_tokens": 1210,
    "completion_tokens": 90,
    "total_tokens": 1300,
    "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
    "completion_tokens_details": {
        "reasoning_tokens": 64,
        "audio_tokens": 0,
        "accepted_prediction_tokens": 0,
        "rejected_prediction_tokens": 0,
    },
}


def target(provider: str = "openai", base_url: str | None = None, model: str = MODEL) -> Target:
    return roundtrip.target(provider, model, base_url)


def chat(*messages: Message, **options: Any) -> ChatRequest:
    return ChatRequest(model=options.pop("model", MODEL), messages=list(messages), **options)
