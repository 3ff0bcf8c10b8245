"""Faults on request: a model identifier's prefix tells the fake how to misbehave.

Routing, retries, fallbacks and timeouts can only be tested against an upstream that fails on
cue. The cue is the model identifier (the ``model`` field, the Azure deployment name or the
Gemini path model) because that is what a test configures on a deployment anyway:

``slow-<ms>-...``   answer after ``<ms>`` milliseconds (so does an ``x-fake-delay-ms`` header)
``fail-<status>``   an error with that HTTP status in the provider's error shape (429 adds
                    ``retry-after: 1``; 529 is Anthropic's ``overloaded_error``); a 401 and
                    a 404 quote the caller as real providers do (the masked key, the model)
``fail-hang``       never answer (until the client disconnects)
``fail-cut``        start the answer, then drop the connection in the middle
``fail-garbage``    200 with a malformed body (truncated JSON / an event with broken JSON)

``drip-<ms>-...``   stream the answer with ``<ms>`` milliseconds between events (a caller can
                    then leave in the middle of a stream)

``slow-`` may precede ``fail-`` (``slow-200-fail-500``: a 500 after 200 ms).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from modelyard.testing.asgi import Damage

_SLOW = re.compile(r"slow-(\d{1,7})(?:-|$)")
_DRIP = re.compile(r"drip-(\d{1,5})(?:-|$)")
_FAIL = re.compile(r"fail-(\d{3}|hang|cut|garbage)(?:-|$)")


@dataclass(frozen=True, slots=True)
class Fault:
    """What to do wrong with one request."""

    delay_ms: int = 0
    status: int | None = None
    hang: bool = False
    damage: Damage | None = None
    event_gap_ms: int = 0


NO_FAULT = Fault()


def fault_for(model: str, delay_header: str | None = None) -> Fault:
    """The fault a model identifier (and the optional delay header) asks for."""
    drip = _DRIP.match(model)
    if drip:
        return Fault(event_gap_ms=int(drip.group(1)))
    if delay_header is None and not model.startswith(("slow-", "fail-")):
        return NO_FAULT
    delay = 0
    if delay_header is not None and delay_header.strip().isdigit():
        delay = int(delay_header.strip())
    rest = model
    slow = _SLOW.match(rest)
    if slow:
        delay += int(slow.group(1))
        rest = rest[slow.end() :]
    fail = _FAIL.match(rest)
    if not fail:
        return Fault(delay_ms=delay)
    kind = fail.group(1)
    if kind == "hang":
        return Fault(delay_ms=delay, hang=True)
    if kind == "cut":
        return Fault(delay_ms=delay, damage="cut")
    if kind == "garbage":
        return Fault(delay_ms=delay, damage="garbage")
    return Fault(delay_ms=delay, status=int(kind))


STATUS_TEXT = {
    400: "Bad request.",
    401: "Invalid API key.",
    403: "Permission denied.",
    404: "Not found.",
    408: "Request timed out.",
    409: "Conflict.",
    413: "Request too large.",
    422: "Unprocessable request.",
    429: "Rate limit reached. Please try again in 1s.",
    500: "The server had an error while processing your request.",
    502: "Bad gateway.",
    503: "The service is temporarily unavailable.",
    504: "Gateway timeout.",
    529: "Overloaded",
}


def quoted_text(status: int, model: str, headers: dict[str, str]) -> str | None:
    """What real providers reflect in an error: OpenAI's 401 quotes the key it got (masked),
    every provider's 404 the model identifier. None for the other statuses (the plain text)."""
    if status == 404:
        return f"The model `{model}` does not exist or you do not have access to it."
    if status != 401:
        return None
    key = headers.get("authorization", "").removeprefix("Bearer ").strip()
    key = key or headers.get("x-api-key") or headers.get("api-key") or ""
    key = key or headers.get("x-goog-api-key") or ""
    masked = f"{key[:3]}{'*' * max(0, len(key) - 7)}{key[-4:]}" if len(key) > 8 else "***"
    return (
        f"Incorrect API key provided: {masked}. You can find your API key at "
        "https://platform.openai.com/account/api-keys."
    )


def status_text(status: int) -> str:
    return STATUS_TEXT.get(status, f"Fake error {status}.")


def retry_headers(status: int) -> list[tuple[bytes, bytes]]:
    """``retry-after: 1`` on a 429, nothing otherwise."""
    return [(b"retry-after", b"1")] if status == 429 else []
