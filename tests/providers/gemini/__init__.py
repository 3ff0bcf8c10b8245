"""The Gemini wire format: pure translation, then round trips through the fake provider."""

from __future__ import annotations

from typing import Any

from modelyard.llm_types import ChatRequest, ImagePart, Message, TextPart, ToolSpec, Usage
from modelyard.providers.base import Target
from tests.providers import roundtrip

MODEL = "gemini-2.5-flash"
SECRET = roundtrip.KEYS["google"]
PNG_URL = "data:image/png;base64,iVBORw0KGgo="
WEATHER = ToolSpec(
    "get_weather",
    "Weather of a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
ANSWER = {
    "candidates": [
        {
            "content": {
                "role": "model",
                "parts": [
                    {"text": "Considering the image…", "thought": True},
                    {"text": "A cat on a sofa."},
                ],
            },
            "finishReason": "STOP",
            "index": 0,
        }
    ],
    "usageMetadata": {
        "promptTokenCount": 1290,
        "candidatesTokenCount": 7,
        "totalTokenCount": 1345,
        "cachedContentTokenCount": 1024,
        "thoughtsTokenCount": 48,
    },
    "modelVersion": "gemini-2.5-flash",
    "responseId": "mAitaLmkHPPlz7IPvtfUqQ4",
}
ANSWER_USAGE = Usage(
    input_tokens=266, output_tokens=55, cache_read_tokens=1024, reasoning_tokens=48
)


def target(model: str = MODEL, base_url: str | None = None) -> Target:
    return roundtrip.target("google", model, base_url)


def user(*parts: str | ImagePart) -> Message:
    return Message("user", [TextPart(p) if isinstance(p, str) else p for p in parts])


def chat(*messages: Message, **options: Any) -> ChatRequest:
    return ChatRequest(MODEL, list(messages), **options)
