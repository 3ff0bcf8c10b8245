"""A cheap prompt-size estimate, used to refuse prompts that cannot fit before any upstream call.

About four characters a token for text, a fixed 85 per image (the low-detail cost); it tends to
underestimate, so a refusal means the prompt surely does not fit. No tokenizer download needed.
"""

from __future__ import annotations

import orjson

from modelyard.llm_types import ChatRequest, ImagePart, TextPart

CHARS_PER_TOKEN = 4
TOKENS_PER_MESSAGE = 4
TOKENS_PER_IMAGE = 85


def estimate_prompt_tokens(request: ChatRequest) -> int:
    chars = 0
    tokens = 0
    for message in request.messages:
        tokens += TOKENS_PER_MESSAGE
        for part in message.parts:
            if isinstance(part, TextPart):
                chars += len(part.text)
            elif isinstance(part, ImagePart):
                tokens += TOKENS_PER_IMAGE
        for call in message.tool_calls:
            chars += len(call.name) + len(call.arguments)
    for tool in request.tools or ():
        chars += len(tool.name) + len(tool.description or "") + len(orjson.dumps(tool.parameters))
    return tokens + chars // CHARS_PER_TOKEN


def estimate_text_tokens(texts: list[str]) -> int:
    return sum(len(text) for text in texts) // CHARS_PER_TOKEN + len(texts)
