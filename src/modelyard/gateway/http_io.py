"""Reading JSON bodies and writing JSON responses on the gateway's hot path."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from modelyard.errors import (
    BadRequest,
    CallerLeft,
    ModelyardError,
    PayloadTooLarge,
    RateLimited,
    Unauthenticated,
    Unavailable,
)
from modelyard.gateway.duplicate_keys import find_duplicate

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 32 * 1024 * 1024


async def read_body(request: Request) -> bytes:
    """The whole body, read straight from ASGI ``receive``.

    Starlette's ``Request.body()`` cost ~8 µs more a call (a generator and a chunk list for
    what is one message); and here a body over the limit is refused as soon as its size is
    seen, before the rest is read. A caller that leaves mid-body is a 499 like any other.
    """
    receive = request.receive
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "http.disconnect":
            raise CallerLeft("The caller left before the request body arrived.")
        if kind != "http.request":
            continue
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise PayloadTooLarge("The request body is larger than 32 MB.", code="body_too_large")
        if not message.get("more_body", False):
            return b"".join([*chunks, chunk]) if chunks else chunk
        chunks.append(chunk)


def parse_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object; a key repeated in any object is a 400 naming it (orjson
    would keep the last one silently)."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BadRequest("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    try:
        duplicate = find_duplicate(raw, body)
    except RecursionError:
        raise BadRequest("The request body is nested too deeply.") from None
    if duplicate is not None:
        shown = duplicate if len(duplicate) <= 64 else duplicate[:64] + "..."
        raise BadRequest(
            f"The request body has the key '{shown}' twice in one object: JSON keys must be "
            "unique.",
            param=shown,
            code="duplicate_key",
        )
    return body


async def json_body(request: Request) -> dict[str, Any]:
    return parse_object(await read_body(request))


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(orjson.dumps(payload), status, headers, media_type="application/json")


# RFC 6750 §3: every 401 names the scheme; ``invalid_token`` only when a key was sent and refused
# (a request without credentials gets no error code).
WWW_AUTHENTICATE = 'Bearer realm="modelyard"'
WWW_AUTHENTICATE_INVALID = 'Bearer realm="modelyard", error="invalid_token"'


def www_authenticate(error: ModelyardError) -> str:
    return WWW_AUTHENTICATE_INVALID if error.code == "invalid_api_key" else WWW_AUTHENTICATE


def error_response(error: ModelyardError, *, detailed: bool = False) -> Response:
    """The OpenAI-shaped error body with its status, plus ``retry-after`` for limits and
    503s that know when to come back, and ``www-authenticate`` on every 401.

    An error's detail (internals) is in the body only when ``detailed`` (admins, owners), and
    always in the log."""
    if error.detail is not None:
        log.warning("%s %s: %s", error.status, error.code or error.type, error.admin_message)
    headers = None
    if isinstance(error, RateLimited):
        if error.retry_after is not None:
            headers = {"retry-after": str(max(1, math.ceil(error.retry_after)))}
    elif isinstance(error, Unauthenticated):
        headers = {"www-authenticate": www_authenticate(error)}
    elif isinstance(error, Unavailable) and error.retry_after is not None:
        headers = {"retry-after": str(max(1, error.retry_after))}
    return json_response(error.body(detailed=detailed), error.status, headers)


class EventStream(Response):
    """A ``text/event-stream`` answer written straight to the ASGI ``send``.

    Starlette's ``StreamingResponse`` runs each stream in an anyio task group just to notice a
    caller who leaves; here one plain task waits for ``http.disconnect`` and cancels the relay,
    so the events' generator still sees the departure at once (and records it) at a fraction of
    the cost per call.
    """

    def __init__(self, events: AsyncIterator[bytes], headers: dict[str, str]) -> None:
        self.events = events
        self.status_code = 200
        self.background = None
        self.raw_headers = [(b"content-type", b"text/event-stream; charset=utf-8")]
        self.raw_headers += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        relay = asyncio.current_task()
        assert relay is not None
        finished = False
        left = False

        async def watch() -> None:
            while True:
                message: Message = await receive()
                if message["type"] == "http.disconnect":
                    return

        def on_disconnect(watcher: asyncio.Task[None]) -> None:
            nonlocal left
            if not finished and not watcher.cancelled() and watcher.exception() is None:
                left = True
                relay.cancel()

        watcher = asyncio.ensure_future(watch())
        watcher.add_done_callback(on_disconnect)
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            async for chunk in self.events:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            finished = True
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except asyncio.CancelledError:
            if not left:
                raise
            relay.uncancel()  # our own doing: the caller is gone, nothing more to send
        finally:
            finished = True
            watcher.cancel()
            aclose = getattr(self.events, "aclose", None)
            if aclose is not None:  # cancelled between events: the generator still records it
                await aclose()
