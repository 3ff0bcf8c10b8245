"""One keep-alive HTTP/1.1 connection to an upstream: an asyncio protocol around llhttp.

Why not aiohttp's client: the upstream call is the largest single cost of a proxied call, and
against the fake provider over loopback one call through aiohttp cost about twice the CPU of
one through this (222 against 106 µs, with the request's encoding, at one connection) and
0.35 against 0.19 ms of latency (``bench/upstream_client.py``).

llhttp (through ``httptools``, which uvicorn's server side already uses) does the parsing:
status line, headers, ``Content-Length``, chunked transfer coding. What is left here is the
little an API client needs around it: one request at a time, a read timeout between bytes,
decompression, and back-pressure for slow readers.
"""

from __future__ import annotations

import asyncio
import socket
import zlib
from collections.abc import AsyncIterator, Callable
from typing import cast

import httptools

# A reader further behind than this pauses the socket until it catches up.
_HIGH_WATER = 256 * 1024


class ConnectionBroken(ConnectionError):
    """The connection ended before the whole answer arrived.

    ``before_answer`` is true when not one byte of the answer had arrived: on a reused
    connection that means the server had closed it as idle, and the request may be resent.
    """

    def __init__(self, message: str, *, before_answer: bool) -> None:
        super().__init__(message)
        self.before_answer = before_answer


class ReadTimeout(TimeoutError):
    """No byte arrived for the read timeout."""


class _Decoder:
    """``Content-Encoding: gzip`` or ``deflate`` undone chunk by chunk (zlib header or raw)."""

    def __init__(self, encoding: str) -> None:
        self._raw_fallback = encoding == "deflate"
        self._head = b""  # a deflate body's first bytes, kept until its zlib header is checked
        self._inflate = zlib.decompressobj(31 if encoding == "gzip" else 15)

    def __call__(self, data: bytes) -> bytes:
        if not self._raw_fallback:
            return self._inflate.decompress(data)
        self._head += data
        try:
            decoded = self._inflate.decompress(data)
        except zlib.error:
            # Some servers send deflate without the zlib header. Start again from the first
            # byte: zlib took a lone first byte without complaint, then refused the header.
            self._raw_fallback = False
            self._inflate = zlib.decompressobj(-15)
            return self._inflate.decompress(self._head)
        if len(self._head) >= 2:  # the header was checked: a later error is a real one
            self._raw_fallback, self._head = False, b""
        return decoded


class H1Response:
    """The answer to one request: status and headers at once, the body as it arrives."""

    __slots__ = (
        "_chunks",
        "_conn",
        "_done",
        "_error",
        "_size",
        "_waiter",
        "_whole",
        "headers",
        "status",
    )

    def __init__(self, conn: H1Connection) -> None:
        self.status = 0
        self.headers: dict[str, str] = {}
        self._conn = conn
        self._chunks: list[bytes] = []
        self._size = 0
        self._done = False
        self._error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._whole = False  # read() in progress: the body is wanted all at once

    @property
    def complete(self) -> bool:
        return self._done and self._error is None

    async def read(self) -> bytes:
        """The whole body."""
        # Reading it all: holding the socket back would stall the answer for good (nothing
        # else resumes it), so no back-pressure, and resume one paused before this call.
        self._whole = True
        if not self._done:
            self._conn.resume()
        while not self._done:
            await self._wait()
        if self._error is not None:
            raise self._error
        body = b"".join(self._chunks) if len(self._chunks) != 1 else self._chunks[0]
        self._chunks = []
        return body

    async def iter_chunks(self) -> AsyncIterator[bytes]:
        """The body in pieces, each everything that had arrived (never an empty piece)."""
        while True:
            if self._chunks:
                chunks, self._chunks, self._size = self._chunks, [], 0
                if not self._done:
                    self._conn.resume()
                yield chunks[0] if len(chunks) == 1 else b"".join(chunks)
            elif self._done:
                if self._error is not None:
                    raise self._error
                return
            else:
                await self._wait()

    def release(self) -> None:
        """Done with it: a complete answer gives the connection back, anything else closes it."""
        self._conn.finish(self)

    async def _wait(self) -> None:
        self._waiter = self._conn.loop.create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _feed(self, data: bytes) -> None:
        self._chunks.append(data)
        self._size += len(data)
        if self._size > _HIGH_WATER and not self._whole:
            self._conn.pause()
        self._wake()

    def _end(self, error: BaseException | None = None) -> None:
        if not self._done:
            self._done = True
            self._error = error
            self._wake()


class H1Connection(asyncio.Protocol):
    """A connection that carries one request at a time; the pool hands it out and takes it back.

    ``on_idle`` is called when an answer was read to its end on a connection that stays open
    (the pool may reuse it), ``on_lost`` once the connection is gone, whoever closed it.
    ``key`` is the pool's (its origin).
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        key: tuple[str, str, int],
        on_idle: Callable[[H1Connection], None],
        on_lost: Callable[[H1Connection], None],
    ) -> None:
        self.loop = loop
        self.key = key
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.reused = False  # has carried a request before the current one
        self.idle_since = 0.0
        self._on_idle = on_idle
        self._on_lost = on_lost
        self._gone: asyncio.Future[None] | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._response: H1Response | None = None
        self._head_waiter: asyncio.Future[H1Response] | None = None
        self._raw_headers: list[tuple[bytes, bytes]] = []
        self._decode: _Decoder | None = None
        self._until_eof = False
        self._answered = False  # a byte of the current answer arrived
        self._keep_alive = True
        self._paused = False
        self._timeout = 0.0
        self._last_read = 0.0
        self._timer: asyncio.TimerHandle | None = None

    # -- asyncio.Protocol -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self._answered = True
        self._last_read = self.loop.time()
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(ConnectionBroken(f"malformed answer: {exc}", before_answer=False))

    def eof_received(self) -> bool | None:
        self.closed = True  # the server is done with it: not to be taken from the pool again
        return None  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.transport = None
        self._cancel_timer()
        self._on_lost(self)
        if self._gone is not None and not self._gone.done():
            self._gone.set_result(None)
        response = self._response
        if response is None:
            return
        if self._until_eof and self._head_waiter is None and exc is None:
            self._message_done()  # the body ends where the bytes do (a reset is no end)
            return
        reason = f"connection closed ({type(exc).__name__})" if exc else "connection closed"
        self._fail(ConnectionBroken(reason, before_answer=not self._answered))

    # -- llhttp callbacks -------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._raw_headers = []

    def on_header(self, name: bytes, value: bytes) -> None:
        self._raw_headers.append((name, value))

    def on_headers_complete(self) -> None:
        response = self._response
        if response is None:
            return
        status = self._parser.get_status_code()
        if 100 <= status < 200:  # an interim answer (100 Continue): the real one follows
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in self._raw_headers}
        response.status = status
        response.headers = headers
        encoding = headers.get("content-encoding", "").strip().lower()
        self._decode = _Decoder(encoding) if encoding in ("gzip", "deflate") else None
        self._until_eof = (
            "content-length" not in headers
            and "chunked" not in headers.get("transfer-encoding", "").lower()
            and status not in (204, 304)
        )
        waiter, self._head_waiter = self._head_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(response)

    def on_body(self, body: bytes) -> None:
        response = self._response
        if response is None:
            return
        if self._decode is not None:
            try:
                body = self._decode(body)
            except zlib.error as exc:
                self._fail(ConnectionBroken(f"undecodable body: {exc}", before_answer=False))
                return
        if body:
            response._feed(body)

    def on_message_complete(self) -> None:
        if self._response is not None and self._response.status >= 200:
            self._keep_alive = self._parser.should_keep_alive()
            self._message_done()

    # -- used by the pool and the response --------------------------------------------------

    async def request(self, head: bytes, body: bytes, read_timeout: float) -> H1Response:
        """Send one request; the answer once its status and headers arrived."""
        assert self.transport is not None and self._response is None
        self._response = H1Response(self)
        self._answered = False
        self._decode = None
        self._until_eof = False
        waiter: asyncio.Future[H1Response] = self.loop.create_future()
        self._head_waiter = waiter
        self._timeout = read_timeout
        self._last_read = self.loop.time()
        self._timer = self.loop.call_at(self._last_read + read_timeout, self._on_timer)
        if len(body) < 65536:
            self.transport.write(head + body)
        else:
            self.transport.writelines((head, body))
        try:
            return await waiter
        except BaseException:
            self.abort()
            raise

    def finish(self, response: H1Response) -> None:
        if response.complete:
            return  # the connection went back to the pool when the answer ended
        response._end(ConnectionBroken("released unread", before_answer=False))
        if response is self._response:
            self.abort()

    def pause(self) -> None:
        if not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()

    def resume(self) -> None:
        if self._paused and self.transport is not None:
            self._paused = False
            self._last_read = self.loop.time()  # the reader was slow, not the server
            self.transport.resume_reading()

    def abort(self) -> None:
        self.closed = True
        self._cancel_timer()
        if self.transport is not None:
            self.transport.abort()

    def close(self) -> None:
        self.closed = True
        self._cancel_timer()
        if self.transport is not None:
            self.transport.close()

    async def wait_closed(self) -> None:
        """Until the transport is gone (after ``close`` or ``abort``)."""
        if self.transport is None:
            return
        if self._gone is None:
            self._gone = self.loop.create_future()
        await self._gone

    # -- internals --------------------------------------------------------------------------

    def _message_done(self) -> None:
        response, self._response = self._response, None
        self._cancel_timer()
        if response is None:
            return
        if self._head_waiter is not None:  # ended before any status line: nothing to give
            self._fail_waiter(ConnectionBroken("no answer", before_answer=not self._answered))
        response._end()
        if self._paused and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        if self._keep_alive and not self.closed:
            self.reused = True
            self.idle_since = self.loop.time()
            self._on_idle(self)
        else:
            self.close()

    def _fail(self, error: BaseException) -> None:
        response, self._response = self._response, None
        self._fail_waiter(error)
        if response is not None:
            response._end(error)
        self.abort()

    def _fail_waiter(self, error: BaseException) -> None:
        waiter, self._head_waiter = self._head_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)

    def _on_timer(self) -> None:
        self._timer = None
        if self._response is None:
            return
        due = self._last_read + self._timeout
        if self._paused or self.loop.time() < due:
            self._timer = self.loop.call_at(max(due, self.loop.time() + 0.01), self._on_timer)
            return
        self._fail(ReadTimeout(f"no data from the provider for {self._timeout:g} s"))

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
