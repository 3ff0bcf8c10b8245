"""Thinking signatures, as Anthropic and Gemini issue and check them, for the fake.

The real APIs sign the model's reasoning and want it back while a tool loop goes on: Anthropic's
``thinking`` block (with ``signature``) first in the last assistant message that called tools,
Gemini 3's ``thoughtSignature`` on the first ``functionCall`` part of each model step of the
current turn. They refuse a follow-up without it (400) and a signature that does not match,
including one another model issued (signatures are valid only for the model that wrote them).
The fake does the same, deterministically: a signature is a digest of what it signs and of the
model identifier it was asked as, so a test can prove that an adapter sent the data back
unmodified, and only to the model that issued it.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson

from modelyard.testing.asgi import BadRequest
from modelyard.testing.content import digest

GEMINI_PLACEHOLDER = "skip_thought_signature_validator"
"""Google's documented stand-in for histories without signatures (accepted, as by Gemini)."""

_THINKING_DOCS = "https://docs.claude.com/en/docs/build-with-claude/extended-thinking"
_SIGNATURE_DOCS = "https://ai.google.dev/gemini-api/docs/thought-signatures"


def thinking_signature(thinking: str, model: str) -> str:
    """The signature ``model`` gives an Anthropic ``thinking`` block's text."""
    return "sig_" + digest(orjson.dumps(["thinking", model, thinking]))


def thought_signature(name: str, args: Any, model: str) -> str:
    """Gemini's ``thoughtSignature`` of ``model``'s function call (base64, like the real ones)."""
    signed = orjson.dumps({"model": model, "name": name, "args": args}, option=orjson.OPT_SORT_KEYS)
    return base64.b64encode(b"fake-thought:" + digest(signed).encode()).decode()


def _blocks(content: Any) -> list[dict[str, Any]]:
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


def check_anthropic(messages: list[Any], thinking: bool, model: str) -> None:
    """Refuse what the Messages API refuses: a ``thinking`` block anywhere that is tampered with
    or was signed by another model, and with thinking on, a tool loop whose last assistant
    message does not start with its thinking."""
    for number, message in enumerate(messages):
        content = _blocks(message.get("content")) if isinstance(message, dict) else []
        for place, block in enumerate(content):
            if block.get("type") == "thinking" and block.get("signature") != thinking_signature(
                str(block.get("thinking", "")), model
            ):
                raise BadRequest(
                    f"messages.{number}.content.{place}: Invalid `signature` in `thinking` block",
                    f"messages.{number}.content.{place}.signature",
                )
    if not thinking or len(messages) < 2 or not isinstance(messages[-2], dict):
        return
    last, assistant = _blocks(messages[-1].get("content")), messages[-2]
    if assistant.get("role") != "assistant" or not any(
        b.get("type") == "tool_result" for b in last
    ):
        return
    blocks = _blocks(assistant.get("content"))
    if not any(b.get("type") == "tool_use" for b in blocks):
        return
    first = blocks[0].get("type")
    if first not in ("thinking", "redacted_thinking"):
        number = len(messages) - 2
        raise BadRequest(
            f"messages.{number}.content.0.type: Expected `thinking` or `redacted_thinking`, but "
            f"found `{first}`. When `thinking` is enabled, a final `assistant` message must start "
            "with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` "
            "blocks). We recommend you include thinking blocks from previous turns. To avoid "
            f"this requirement, disable `thinking`. Please consult our documentation at "
            f"{_THINKING_DOCS}",
            f"messages.{number}.content.0.type",
        )


def _parts(turn: Any) -> list[dict[str, Any]]:
    parts = turn.get("parts") if isinstance(turn, dict) else None
    return [p for p in parts if isinstance(p, dict)] if isinstance(parts, list) else []


def check_gemini(contents: list[Any], thinking: bool, model: str) -> None:
    """Refuse what Gemini 3 refuses: a signature that is not the one ``model`` issued (or the
    placeholder), and with thinking on, a model step of the current turn (since the last user
    message that is not only function responses) whose first function call has none."""
    start = 0
    for position, turn in enumerate(contents):
        parts = _parts(turn)
        user = isinstance(turn, dict) and turn.get("role", "user") == "user"
        if user and any("functionResponse" not in p for p in parts):
            start = position
        for part in parts:
            signature, call = part.get("thoughtSignature"), part.get("functionCall")
            if signature is None or signature == GEMINI_PLACEHOLDER or not isinstance(call, dict):
                continue
            if signature != thought_signature(str(call.get("name")), call.get("args", {}), model):
                raise BadRequest(
                    f"Unable to submit request because Thought signature is not valid "
                    f"(function call `{call.get('name')}`, position {position + 1}).",
                    "contents",
                )
    if not thinking:
        return
    for position in range(start, len(contents)):
        calls = [p for p in _parts(contents[position]) if "functionCall" in p]
        if calls and not calls[0].get("thoughtSignature"):
            call = calls[0]["functionCall"]
            name = call.get("name") if isinstance(call, dict) else None
            raise BadRequest(
                "Function call is missing a thought_signature in functionCall parts. This is "
                "required for tools to work correctly, and missing thought_signature may lead to "
                f"degraded model performance. Additional data, function call `default_api:{name}`"
                f" , position {position + 1}. Please refer to {_SIGNATURE_DOCS} for more details.",
                "contents",
            )
