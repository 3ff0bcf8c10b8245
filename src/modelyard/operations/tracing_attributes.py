"""GenAI semantic-convention values for spans: provider names, error types, and (only when
content capture is on) the messages as the convention's JSON documents."""

from __future__ import annotations

import json

from modelyard.errors import ModelyardError
from modelyard.llm_types import ChatRequest, ChatResponse, TextPart

# Our provider ids as the convention's ``gen_ai.provider.name`` values (others: as they are).
_PROVIDERS = {
    "azure": "azure.ai.openai",
    "google": "gcp.gemini",
    "mistral": "mistral_ai",
    "xai": "x_ai",
}


def provider_name(provider: str) -> str:
    return _PROVIDERS.get(provider, provider)


def error_type(error: BaseException) -> str:
    """A failure's low-cardinality name: its code, else its class (never its message, which
    may quote the caller's input)."""
    if isinstance(error, ModelyardError) and error.code:
        return error.code
    return type(error).__qualname__


def input_messages(chat: ChatRequest) -> str:
    """``gen_ai.input.messages``: role and text parts of each message (other parts by kind)."""
    messages = []
    for message in chat.messages:
        parts: list[dict[str, str]] = []
        for part in message.parts:
            if isinstance(part, TextPart):
                parts.append({"type": "text", "content": part.text})
            else:
                parts.append({"type": type(part).__name__.removesuffix("Part").lower()})
        messages.append({"role": message.role, "parts": parts})
    return json.dumps(messages, ensure_ascii=False)


def output_messages(answer: ChatResponse | str) -> str:
    """``gen_ai.output.messages``: the answer's text (a stream's relayed text as a string)."""
    if isinstance(answer, ChatResponse):
        text, finish = answer.text, answer.finish_reason
    else:
        text, finish = answer, "stop"
    message = {"role": "assistant", "parts": [{"type": "text", "content": text}]}
    return json.dumps([{**message, "finish_reason": finish}], ensure_ascii=False)
