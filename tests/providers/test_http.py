"""The upstream client: dead pooled connections are retried once, refused hosts never reached,
no cookie carried from one call to the next."""

from __future__ import annotations

import asyncio

import pytest

from modelyard.errors import UpstreamError
from modelyard.providers.base import UpstreamRequest
from modelyard.providers.http import UpstreamClient

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


async def _one_answer_then_close(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """Answer one request with keep-alive; drop the connection when a second one arrives on
    it, as a server does that closed an idle connection just as the client reused it."""
    try:
        await reader.readuntil(b"\r\n\r\n")
        await reader.readexactly(7)  # the JSON body
        writer.write(RESPONSE)
        await writer.drain()
        await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        pass  # the client closed its (second, fresh) connection: nothing more will come
    finally:
        writer.close()
        await writer.wait_closed()


async def _run_twice(client: UpstreamClient, url: str) -> list[int]:
    request = UpstreamRequest(url=url, headers={}, json={"x": 1})
    first = await client.send(request)
    second = await client.send(request)
    return [first.status, second.status]


def test_a_connection_the_server_closed_is_retried_once() -> None:
    async def scenario() -> list[int]:
        server = await asyncio.start_server(_one_answer_then_close, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client = UpstreamClient(["127.0.0.1"])
        try:
            return await _run_twice(client, f"http://127.0.0.1:{port}/v1/x")
        finally:
            await client.close()
            await asyncio.sleep(0.1)  # let the handlers finish closing their side
            server.close()
            await server.wait_closed()

    assert asyncio.run(scenario()) == [200, 200]


def test_refused_addresses_are_never_contacted() -> None:
    async def scenario() -> None:
        client = UpstreamClient([])  # loopback not allowed
        try:
            await client.send(UpstreamRequest(url="http://127.0.0.1:9/v1/x", headers={}, json={}))
        finally:
            await client.close()

    with pytest.raises(UpstreamError, match="not allowed"):
        asyncio.run(scenario())


def test_a_cookie_an_upstream_sets_is_never_sent_back() -> None:
    """One pooled client serves every workspace: a cookie must not ride along on later calls."""
    seen: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break
            await reader.readexactly(7)
            seen.append(head)
            writer.write(
                b"HTTP/1.1 200 OK\r\nSet-Cookie: session=workspace-a; Path=/\r\n"
                b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
            )
            await writer.drain()
        writer.close()

    async def scenario() -> list[int]:
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client = UpstreamClient(["localhost", "127.0.0.1"])
        try:  # a host name: aiohttp's default jar would ignore cookies of an IP address
            return await _run_twice(client, f"http://localhost:{port}/v1/x")
        finally:
            await client.close()
            server.close()
            await server.wait_closed()

    assert asyncio.run(scenario()) == [200, 200]
    assert len(seen) == 2
    assert b"cookie" not in seen[1].lower(), seen[1]
