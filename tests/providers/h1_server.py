"""A raw HTTP/1.1 server for the upstream client's tests: handlers write exact bytes.

Each accepted connection runs ``handler(peer)``; the server counts connections, the most open
at once, and every request it read, and records for each connection whether the client closed
it (EOF). ``stop`` waits for the handlers to end, so no task or transport outlives a test.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from modelyard.providers.base import UpstreamRequest

Handler = Callable[["Peer"], Awaitable[None]]
T = TypeVar("T")

OK_JSON = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


class Peer:
    """One accepted connection, seen from the server."""

    def __init__(
        self, server: Server, index: int, reader: asyncio.StreamReader, w: asyncio.StreamWriter
    ) -> None:
        self.server = server
        self.index = index  # 0 for the first connection the server accepted
        self.reader = reader
        self.writer = w
        self.saw_eof = False

    async def request(self) -> bytes | None:
        """The next request (head and body), or None once the client closed the connection."""
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if exc.partial:
                raise
            self.saw_eof = True
            return None
        length = 0
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        request = head + await self.reader.readexactly(length)
        self.server.requests.append(request)
        return request

    async def write(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def until_eof(self) -> None:
        """Wait (reading and dropping anything) until the client closes the connection."""
        with contextlib.suppress(ConnectionError):
            while await self.reader.read(65536):
                pass
            self.saw_eof = True

    async def serve(self, answer: bytes, *, delay: float = 0.0) -> None:
        """Answer every request on this connection with ``answer``, until the client closes."""
        while await self.request() is not None:
            if delay:
                await asyncio.sleep(delay)
            await self.write(answer)


class Server:
    def __init__(
        self, handler: Handler, *, tls: ssl.SSLContext | None = None, bind: str = "127.0.0.1"
    ) -> None:
        self.handler = handler
        self.bind = bind
        self.tls = tls
        self.requests: list[bytes] = []
        self.peers: list[Peer] = []
        self.open = 0
        self.max_open = 0
        self.port = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None

    @property
    def accepted(self) -> int:
        return len(self.peers)

    def url(self, path: str = "/v1/x", host: str = "127.0.0.1") -> str:
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}{path}"

    async def __aenter__(self) -> Server:
        self._server = await asyncio.start_server(self._serve, self.bind, 0, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()
        await self.settle()
        for task in list(self._tasks):  # a handler still waiting: the test is over
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def settle(self, timeout: float = 2.0) -> None:
        """Until every handler ended (each ends once the client closed its connection)."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        peer = Peer(self, len(self.peers), reader, writer)
        self.peers.append(peer)
        self.open += 1
        self.max_open = max(self.max_open, self.open)
        try:
            await self.handler(peer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the client went away (or the test ended): nothing more to serve
        finally:
            self.open -= 1
            writer.close()
            with contextlib.suppress(OSError, asyncio.CancelledError):
                await writer.wait_closed()
            self._tasks.discard(task)


def run(scenario: Callable[[], Awaitable[T]]) -> T:
    """``asyncio.run`` with a bound: a hung client fails the test instead of the suite."""

    async def bounded() -> T:
        return await asyncio.wait_for(scenario(), 5)

    return asyncio.run(bounded())


def post(server: Server, host: str = "127.0.0.1", **kwargs: Any) -> UpstreamRequest:
    """A request to ``server`` (JSON, form... as keyword arguments of ``UpstreamRequest``)."""
    url = server.url(host=host)
    return UpstreamRequest(url=url, headers=kwargs.pop("headers", {}), **kwargs)
