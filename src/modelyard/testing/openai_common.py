"""What every OpenAI endpoint of the fake shares: bearer auth, response headers, error bodies."""

from __future__ import annotations

from typing import Any

import orjson

from modelyard.testing.asgi import FakeRequest, Header, Reply, json_reply
from modelyard.testing.content import pieces, tool_arguments
from modelyard.testing.faults import retry_headers, status_text

_RATE_LIMIT_HEADERS: list[Header] = [
    (b"openai-version", b"2020-10-01"),
    (b"openai-processing-ms", b"1"),
    (b"x-ratelimit-limit-requests", b"10000"),
    (b"x-ratelimit-limit-tokens", b"10000000"),
    (b"x-ratelimit-remaining-requests", b"9999"),
    (b"x-ratelimit-remaining-tokens", b"9999000"),
    (b"x-ratelimit-reset-requests", b"6ms"),
    (b"x-ratelimit-reset-tokens", b"6ms"),
]

_ERRORS: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "unsupported_country_region_territory"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
}


def headers(request: FakeRequest) -> list[Header]:
    """OpenAI's response headers: a request id and a generous rate-limit set."""
    return [(b"x-request-id", b"req_" + request.digest.encode()), *_RATE_LIMIT_HEADERS]


def error(
    request: FakeRequest,
    status: int,
    message: str | None = None,
    param: str | None = None,
    code: str | None = None,
) -> Reply:
    """``{"error": {"message", "type", "param", "code"}}`` with OpenAI's types per status."""
    kind, default_code = _ERRORS.get(status, ("server_error", None))
    body = {
        "error": {
            "message": message or status_text(status),
            "type": kind,
            "param": param,
            "code": code or default_code,
        }
    }
    return json_reply(status, body, headers(request) + retry_headers(status))


def check_auth(request: FakeRequest) -> Reply | None:
    """401 without ``Authorization: Bearer <key>`` (any key is accepted)."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer ") and auth[7:].strip():
        return None
    return error(
        request,
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization "
        "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
    )


def content_parts(content: Any) -> tuple[list[str], int]:
    """The texts and the number of images of a Chat or Responses message ``content``."""
    if isinstance(content, str):
        return [content], 0
    texts: list[str] = []
    images = 0
    if isinstance(content, list):
        for part in content:
            if not isinstance(part, dict):
                continue
            kind = part.get("type")
            if kind in _IMAGE_PARTS or kind in _MEDIA_PARTS:
                images += 1  # documents and audio count as an image does
            elif isinstance(part.get("text"), str):
                texts.append(part["text"])
            elif isinstance(part.get("refusal"), str):
                texts.append(part["refusal"])
    return texts, images


_IMAGE_PARTS = frozenset({"image_url", "input_image", "image"})
_MEDIA_PARTS = frozenset({"file", "input_audio"})


def named_tool(tool_choice: Any) -> str | None:
    """The function name a ``tool_choice`` object forces (Chat or Responses style), if any."""
    if not isinstance(tool_choice, dict):
        return None
    function = tool_choice.get("function")
    name = function.get("name") if isinstance(function, dict) else tool_choice.get("name")
    return name if isinstance(name, str) else None


def schema_answer(response_format: Any, fallback: str) -> str | None:
    """The JSON text a ``response_format`` asks for (None for plain text): an object that fits
    a ``json_schema`` (one value per property), or ``{"answer": fallback}`` for json_object."""
    if not isinstance(response_format, dict):
        return None
    kind = response_format.get("type")
    if kind == "json_schema":
        wrapper = response_format.get("json_schema")
        schema = wrapper.get("schema") if isinstance(wrapper, dict) else None
        return orjson.dumps(tool_arguments(schema)).decode()
    if kind == "json_object":
        return orjson.dumps({"answer": fallback}).decode()
    return None


def logprobs_of(text: str, top: int) -> dict[str, Any]:
    """Chat Completions ``logprobs`` for ``text``: one entry per word, deterministic values
    (the i-th word -0.01 * (i + 1)), each with ``top`` alternatives (the word first)."""
    content = []
    for index, piece in enumerate(pieces(text)):
        value = -0.01 * (index + 1)
        alternatives = [
            {"token": piece, "logprob": value, "bytes": list(piece.encode())},
            *(
                {"token": f"alt{n}", "logprob": value - n, "bytes": list(f"alt{n}".encode())}
                for n in range(1, top)
            ),
        ][:top]
        content.append(
            {
                "token": piece,
                "logprob": value,
                "bytes": list(piece.encode()),
                "top_logprobs": alternatives,
            }
        )
    return {"content": content, "refusal": None}
