"""``GET /v1/responses/{id}/input_items``: the items a stored response was answered from, as
OpenAI's list object (``data``, ``first_id``, ``last_id``, ``has_more``), paged by ``after``
and ``limit``, in ``order`` (``desc``, the newest first, by default, as OpenAI's).

A response that continued another (``previous_response_id``) was answered from the whole
conversation, so its input items include the earlier turns and their answers. Items the caller
sent without an ``id`` get one derived from the response id and their position: stable across
reads, so ``after`` pages reliably; messages sent with string content are listed with typed
parts (``input_text``, ``output_text``), as OpenAI lists them. Encrypted reasoning is shown
only with ``include=reasoning.encrypted_content``, as on the response itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from modelyard.errors import BadRequest

_PREFIXES = {"message": "msg", "function_call": "fc", "function_call_output": "fco"}
ENCRYPTED = "reasoning.encrypted_content"


def input_of(conversation: list[dict[str, Any]], response: Mapping[str, Any]) -> list[Any]:
    """The stored conversation without the response's own output (stored after its input)."""
    output = response.get("output")
    answered = len(output) if isinstance(output, list) else 0
    return conversation[: len(conversation) - answered] if answered else list(conversation)


def _with_id(item: Any, response_id: str, index: int) -> dict[str, Any]:
    shown = dict(item) if isinstance(item, dict) else {"type": "message", "content": item}
    if not isinstance(shown.get("id"), str) or not shown["id"]:
        kind = shown.get("type") or ("message" if "role" in shown else "item")
        digest = hashlib.sha256(f"{response_id}:{index}".encode()).hexdigest()[:40]
        shown["id"] = f"{_PREFIXES.get(kind, 'item')}_{digest}"
    if "role" in shown and "type" not in shown:
        shown["type"] = "message"
    if shown.get("type") == "message":
        # As OpenAI lists them: content as typed parts (a caller may have sent a string).
        content = shown.get("content")
        if isinstance(content, str):
            kind = "output_text" if shown.get("role") == "assistant" else "input_text"
            shown["content"] = [{"type": kind, "text": content}]
        shown.setdefault("status", "completed")
    return shown


def _limit(raw: str | None) -> int:
    if raw is None:
        return 20
    try:
        limit = int(raw)
    except ValueError:
        raise BadRequest("'limit' must be an integer from 1 to 100.", param="limit") from None
    if not 1 <= limit <= 100:
        raise BadRequest("'limit' must be an integer from 1 to 100.", param="limit")
    return limit


def page(
    items: list[Any], response_id: str, query: Mapping[str, str], include: list[str]
) -> dict[str, Any]:
    """One page of ``items`` as OpenAI's list object; ``query`` holds limit, order, after."""
    order = query.get("order", "desc")
    if order not in ("asc", "desc"):
        raise BadRequest("'order' must be 'asc' or 'desc'.", param="order")
    unknown = [name for name in include if name != ENCRYPTED]
    if unknown:
        raise BadRequest(f"'include' value '{unknown[0]}' is not supported here.", param="include")
    limit = _limit(query.get("limit"))
    shown = [_with_id(item, response_id, index) for index, item in enumerate(items)]
    if ENCRYPTED not in include:
        for item in shown:
            if item.get("type") == "reasoning":
                item.pop("encrypted_content", None)
    if order == "desc":
        shown.reverse()
    after = query.get("after")
    if after is not None:
        position = next((i for i, item in enumerate(shown) if item["id"] == after), None)
        if position is None:
            raise BadRequest(f"No input item with id '{after}' in this response.", param="after")
        shown = shown[position + 1 :]
    data = shown[:limit]
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": len(shown) > limit,
    }
