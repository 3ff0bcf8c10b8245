"""The Anthropic Messages wire: pure translation, then round trips through the fake provider.

Hand-written bodies and events are first checked against the official ``anthropic`` SDK's types,
so they are shapes the real API can send; where the SDK parses the same bytes, its usage numbers
are compared with ours.
"""

from __future__ import annotations

from typing import Any

from modelyard.llm_types import ChatRequest, Message, Usage
from modelyard.providers.base import Target
from tests.providers import roundtrip

MODEL = "claude-sonnet-4-5"
SECRET = roundtrip.KEYS["anthropic"]
MALFORMED = r"^Anthropic sent a malformed response: "


def target(base_url: str | None = None, model: str = MODEL) -> Target:
    return roundtrip.target("anthropic", model, base_url)


def chat(*messages: Message, **options: Any) -> ChatRequest:
    return ChatRequest(model=options.pop("model", MODEL), messages=list(messages), **options)


def sdk_usage(usage: Any) -> Usage:
    """The internal usage as WIRE-FORMATS.md section 9 maps the SDK's parsed usage."""
    details = usage.output_tokens_details
    return Usage(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_read_tokens=usage.cache_read_input_tokens or 0,
        cache_write_tokens=usage.cache_creation_input_tokens or 0,
        reasoning_tokens=details.thinking_tokens if details else 0,
    )
