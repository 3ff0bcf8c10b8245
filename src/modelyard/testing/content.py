"""The fake's deterministic content: answers, token counts, tool arguments and ids.

Every wire module builds its answers from these few rules, so one request gives the same
answer byte for byte, and a test can compute the expected text and usage numbers itself
(the rules are listed in the package docstring).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable
from typing import Any

import orjson

CREATED = 1_735_689_600
"""The fixed ``created`` timestamp (2025-01-01T00:00:00Z) of every answer."""

IMAGE_TOKENS = 85
"""Prompt tokens counted for each input image."""

MESSAGE_OVERHEAD = 4
"""Prompt tokens counted for each message, on top of its text."""

ECHO_LIMIT = 200
REASONING_LIMIT = 100

_PIECE = re.compile(r"\S+\s*")


def digest(data: bytes) -> str:
    """A short hex digest of a request body: the seed of every id in its answer."""
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def text_tokens(chars: int) -> int:
    """Tokens of ``chars`` characters of text: one per four characters, rounded up."""
    return -(-chars // 4)


def message_tokens(texts: Iterable[str], images: int = 0) -> int:
    """Prompt tokens of one message: 4, plus its text, plus 85 per image."""
    return MESSAGE_OVERHEAD + text_tokens(sum(len(t) for t in texts)) + IMAGE_TOKENS * images


def pieces(text: str) -> list[str]:
    """Split an answer into its "tokens" (a word with its trailing spaces); they join back to it."""
    return _PIECE.findall(text)


def count_words(text: str) -> int:
    """Completion tokens of a generated text: its number of words."""
    return len(_PIECE.findall(text))


def echo_answer(last_text: str) -> str:
    """The answer to a request whose last user (or tool result) text is ``last_text``."""
    return "Echo: " + (last_text[:ECHO_LIMIT].strip() or "(no text)")


def reasoning_text(last_text: str) -> str:
    """The reasoning ("thinking") of reasoning models."""
    return "Reasoning about: " + (last_text[:REASONING_LIMIT].strip() or "(no text)")


def truncate(answer: str, max_tokens: int | None) -> tuple[str, bool]:
    """Cut ``answer`` to ``max_tokens`` words; return the text and whether it was cut."""
    if max_tokens is None:
        return answer, False
    words = pieces(answer)
    if len(words) <= max_tokens:
        return answer, False
    return "".join(words[: max(max_tokens, 0)]).rstrip(), True


def int_or_none(value: Any) -> int | None:
    """An integer request field (``max_tokens`` and friends), ignoring anything else."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def is_reasoning_model(model: str) -> bool:
    return "reason" in model


def is_cache_model(model: str) -> bool:
    return "cache" in model


def wants_tool(last_text: str, forced: bool) -> bool:
    """Call a tool when forced, or when the last user text mentions the weather."""
    return forced or "weather" in last_text.lower()


def tool_arguments(schema: Any) -> dict[str, Any]:
    """Arguments for a tool call, one value per property of its JSON schema."""
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        return {}
    return {name: _example_value(name, spec) for name, spec in properties.items()}


def _example_value(name: str, spec: Any) -> Any:
    spec = spec if isinstance(spec, dict) else {}
    enum = spec.get("enum")
    if isinstance(enum, list) and enum:
        return enum[0]
    kind = spec.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if isinstance(kind, str):
        kind = kind.lower()  # Gemini writes "STRING", "OBJECT"...
    if kind in ("integer", "number"):
        return 1
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if kind == "object":
        return tool_arguments(spec)
    return "Paris" if name.lower() in ("city", "location", "place", "town") else "fake"


def tool_arguments_json(schema: Any) -> str:
    return orjson.dumps(tool_arguments(schema)).decode()


def split_json(text: str, parts: int = 3) -> list[str]:
    """Split a JSON text into a few pieces, as streamed tool-call arguments arrive."""
    size = max(1, math.ceil(len(text) / parts))
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]
