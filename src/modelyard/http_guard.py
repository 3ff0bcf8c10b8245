"""Bounds on what one request may make the server wait for: its body's size and arrival time.

A client that declares a body and sends it slowly (or never) would otherwise hold a task and a
connection for as long as it likes. So, on every path:

- a ``Content-Length`` over the path's limit is refused at once with 413, before a byte of the
  body is read; a chunked body is refused with 413 as soon as it passes the limit;
- the whole body must arrive within ``body_timeout`` seconds of the headers, else 408.

``/v1`` reads its own body (the gateway, the hot path): :func:`guard_stream` only compares the
declared size and wraps ``receive`` with a byte counter and the deadline, whose errors the
gateway answers in its usual shape. The admin API and the web UI are not the hot path:
:class:`BufferedBody` reads their body here, whole, before the app runs (after a check that
needs no body, e.g. authentication), so FastAPI never waits on a client.

Headers that arrive slowly are the server's business: see :mod:`modelyard.server_protocol`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelyard.errors import ModelyardError, PayloadTooLarge, RequestTimeout
from modelyard.gateway.http_io import MAX_BODY_BYTES, error_response
from modelyard.request_ids import HEADER_BYTES, assign

# The admin API's and the web UI's bodies are configuration: small.
API_MAX_BODY_BYTES = 4 * 1024 * 1024
# Knowledge documents (JSON or multipart); ``read_upload`` holds them to its own, finer bound.
UPLOAD_MAX_BODY_BYTES = 16 * 1024 * 1024
_UPLOAD_PREFIXES = ("/api/knowledge/", "/settings/knowledge/")

# A check run before the body is read: the refusal to send, or None to go on.
BeforeBody = Callable[[Scope], Awaitable[Response | None]]


def body_limit(path: str) -> int:
    """The largest body ``path`` accepts, in bytes."""
    if path.startswith("/v1/"):
        return MAX_BODY_BYTES
    if path.startswith(_UPLOAD_PREFIXES) and path.rstrip("/").endswith("/documents"):
        return UPLOAD_MAX_BODY_BYTES
    return API_MAX_BODY_BYTES


def declared_body(scope: Scope) -> tuple[int | None, bool]:
    """The declared ``Content-Length`` (None without one) and whether the body is chunked.
    The server has already refused a malformed length (400)."""
    length: int | None = None
    chunked = False
    for name, value in scope["headers"]:
        if name == b"content-length":
            length = int(value) if value.isdigit() else None
        elif name == b"transfer-encoding":
            chunked = True
    return length, chunked


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The request body is larger than {limit // (1024 * 1024)} MB.", code="body_too_large"
    )


def too_slow(seconds: float) -> RequestTimeout:
    return RequestTimeout(
        f"The request body did not arrive within {seconds:g} seconds.", code="body_timeout"
    )


async def refuse(error: ModelyardError, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer ``error`` in the OpenAI shape, with the request's id, without reading the body."""
    response = error_response(error)
    response.raw_headers.append((HEADER_BYTES, assign(scope).encode("latin-1")))
    if isinstance(error, RequestTimeout):  # what is left of the body is not worth waiting for
        response.raw_headers.append((b"connection", b"close"))
    await response(scope, receive, send)


class _CountedReceive:
    """``receive`` with a byte counter and a deadline until the body's last message; then the
    plain ``receive`` (the gateway waits on it for the caller leaving a stream).

    The deadline is one timer a request, not ``asyncio.timeout`` around each read (that cost
    about 5 µs a call on the hot path): when it fires while a read waits, it cancels that read
    (and only that: between reads it just marks the body late, for the next read to refuse).
    """

    __slots__ = (
        "_deadline",
        "_done",
        "_late",
        "_limit",
        "_receive",
        "_seconds",
        "_size",
        "_timer",
        "_waiting",
    )

    def __init__(self, receive: Receive, seconds: float, limit: int) -> None:
        self._receive = receive
        self._seconds = seconds
        self._deadline = asyncio.get_running_loop().time() + seconds
        self._limit = limit
        self._size = 0
        self._done = False
        self._late = False
        self._waiting: asyncio.Task[Any] | None = None
        self._timer: asyncio.TimerHandle | None = None

    async def __call__(self) -> Message:
        if self._done:
            return await self._receive()
        if self._late:
            raise too_slow(self._seconds)
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_at(self._deadline, self._expire)
        self._waiting = asyncio.current_task()
        try:
            message = await self._receive()
        except asyncio.CancelledError:
            if self._late and self._waiting is not None:
                self._waiting.uncancel()
                self._waiting = None
                raise too_slow(self._seconds) from None
            raise
        finally:
            self._waiting = None
        if message["type"] != "http.request":
            self._finish()
            return message
        self._size += len(message.get("body", b""))
        if self._size > self._limit:
            self._finish()
            raise too_large(self._limit)
        if not message.get("more_body", False):
            self._finish()
        return message

    def _expire(self) -> None:
        self._late = True
        if self._waiting is not None:
            self._waiting.cancel()

    def _finish(self) -> None:
        self._done = True
        if self._timer is not None:
            self._timer.cancel()


def guard_stream(scope: Scope, receive: Receive, seconds: float) -> Receive | ModelyardError:
    """For an app that reads its own body: the refusal of a declared size over the limit, or
    the ``receive`` to use (the same one when there is no body)."""
    length, chunked = declared_body(scope)
    if not chunked and not length:
        return receive
    limit = body_limit(scope["path"])
    if length is not None and length > limit:
        return too_large(limit)
    return _CountedReceive(receive, seconds, limit)


class BufferedBody:
    """Pure ASGI in front of an app that is not the hot path: refuses a declared size over
    the limit, runs ``before_body``, then reads the body here under the limit and the
    deadline and hands it to the app as one message."""

    def __init__(self, app: ASGIApp, seconds: float, before_body: BeforeBody | None = None):
        self.app = app
        self.seconds = seconds
        self.before_body = before_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length, chunked = declared_body(scope)
        if not chunked and not length:
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["path"])
        if length is not None and length > limit:
            await refuse(too_large(limit), scope, receive, send)
            return
        if self.before_body is not None:
            refusal = await self.before_body(scope)
            if refusal is not None:
                refusal.raw_headers.append((HEADER_BYTES, assign(scope).encode("latin-1")))
                await refusal(scope, receive, send)
                return
        try:
            async with asyncio.timeout(self.seconds):
                body = await _read(receive, limit)
        except TimeoutError:
            await refuse(too_slow(self.seconds), scope, receive, send)
            return
        except PayloadTooLarge as exc:
            await refuse(exc, scope, receive, send)
            return
        if body is None:  # the caller left: nobody to answer
            return
        await self.app(scope, _replay(body, receive), send)


async def _read(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None when the caller left first."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body as one message, then the real ``receive`` (for a disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed
