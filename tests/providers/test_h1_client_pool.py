"""The upstream client's connections: reuse, resending, host policy, limit, expiry, closing,
back-pressure. Raw servers on 127.0.0.1 (``h1_server``) count what really reaches them."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import os
import warnings
from collections.abc import AsyncGenerator
from typing import cast

import pytest

from modelyard.errors import UpstreamError
from modelyard.providers import http
from modelyard.providers.h1_pool import UpstreamRefused
from modelyard.providers.http import UpstreamClient
from tests.providers.h1_server import OK_JSON, Peer, Server, post, run


def test_two_calls_reuse_one_connection() -> None:
    async def scenario() -> Server:
        async with Server(lambda peer: peer.serve(OK_JSON)) as server:
            client = UpstreamClient(["127.0.0.1"])
            try:
                for _ in range(3):
                    assert (await client.send(post(server, json={}))).body == b"{}"
            finally:
                await client.close()
        return server

    server = run(scenario)
    assert (server.accepted, len(server.requests)) == (1, 3)


def test_not_resent_once_part_of_the_answer_arrived() -> None:
    """A reused connection that broke after the first answer byte: the server may have acted."""

    async def answer(peer: Peer) -> None:
        await peer.request()
        await peer.write(OK_JSON)
        await peer.request()
        await peer.write(b"HTTP/1.1 200 OK\r\nContent-Le")  # then closes

    async def scenario() -> Server:
        async with Server(answer) as server:
            client = UpstreamClient(["127.0.0.1"])
            try:
                await client.send(post(server, json={}))
                with pytest.raises(UpstreamError, match="ConnectionBroken"):
                    await client.send(post(server, json={}))
            finally:
                await client.close()
        return server

    server = run(scenario)
    assert (server.accepted, len(server.requests)) == (1, 2)


def test_not_resent_when_a_fresh_connection_breaks() -> None:
    async def answer(peer: Peer) -> None:
        await peer.request()  # and close without a word

    async def scenario() -> Server:
        async with Server(answer) as server:
            client = UpstreamClient(["127.0.0.1"])
            try:
                with pytest.raises(UpstreamError, match="ConnectionBroken"):
                    await client.send(post(server, json={}))
            finally:
                await client.close()
        return server

    server = run(scenario)
    assert (server.accepted, len(server.requests)) == (1, 1)


def test_a_name_resolving_to_a_refused_address_is_never_contacted() -> None:
    async def scenario() -> Server:
        async with Server(lambda peer: peer.serve(OK_JSON)) as server:
            client = UpstreamClient(["10.0.0.0/8", "example.com"])
            try:
                with pytest.raises(UpstreamRefused, match="resolves to a refused address"):
                    await client.send(post(server, host="localhost", json={}))
                with pytest.raises(UpstreamRefused, match=r"'127\.0\.0\.1' is not allowed"):
                    await client.send(post(server, json={}))
            finally:
                await client.close()
            allowed = UpstreamClient(["127.0.0.0/8"])
            try:
                assert (await allowed.send(post(server, json={}))).status == 200
            finally:
                await allowed.close()
        return server

    assert run(scenario).accepted == 1


def test_the_limit_caps_open_connections() -> None:
    async def scenario() -> tuple[Server, list[int]]:
        async with Server(lambda peer: peer.serve(OK_JSON, delay=0.05)) as server:
            client = UpstreamClient(["127.0.0.1"], limit=2)
            try:
                calls = [client.send(post(server, json={"i": i})) for i in range(6)]
                replies = await asyncio.gather(*calls)
            finally:
                await client.close()
        return server, [reply.status for reply in replies]

    server, statuses = run(scenario)
    assert statuses == [200] * 6
    assert len(server.requests) == 6
    assert server.max_open == 2
    # the connection a call finished with goes to a call waiting for one: no new handshake
    assert server.accepted == 2


def test_a_call_cancelled_while_waiting_for_a_slot_gives_it_up() -> None:
    async def scenario() -> Server:
        async with Server(lambda peer: peer.serve(OK_JSON, delay=0.05)) as server:
            client = UpstreamClient(["127.0.0.1"], limit=1)
            try:
                first = asyncio.ensure_future(client.send(post(server, json={})))
                waiting = asyncio.ensure_future(client.send(post(server, json={})))
                await asyncio.sleep(0.01)
                waiting.cancel()
                assert (await first).status == 200
                assert waiting.cancelled()
                assert (await client.send(post(server, json={}))).status == 200
            finally:
                await client.close()
        return server

    server = run(scenario)  # the connection stayed open for the third call
    assert (server.accepted, len(server.requests)) == (1, 2)


def test_an_idle_connection_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http, "KEEPALIVE_S", 0.1)

    async def scenario() -> Server:
        async with Server(lambda peer: peer.serve(OK_JSON)) as server:
            client = UpstreamClient(["127.0.0.1"])
            try:
                await client.send(post(server, json={}))
                await server.settle(1)  # the client closes it by itself
                assert server.peers[0].saw_eof and server.open == 0
                await client.send(post(server, json={}))
            finally:
                await client.close()
        return server

    assert run(scenario).accepted == 2


def test_an_abandoned_stream_closes_its_connection() -> None:
    async def answer(peer: Peer) -> None:
        if peer.index > 0:
            return await peer.serve(OK_JSON)
        await peer.request()
        await peer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n")
        await peer.until_eof()

    async def scenario() -> Server:
        async with Server(answer) as server:
            client = UpstreamClient(["127.0.0.1"])
            try:
                _, chunks = await client.open_stream(post(server, json={}))
                stream = cast(AsyncGenerator[bytes, None], chunks)
                assert await anext(stream) == b"first"
                await stream.aclose()
                await asyncio.wait_for(server.settle(), 1)
                assert server.peers[0].saw_eof
                assert (await client.send(post(server, json={}))).body == b"{}"
            finally:
                await client.close()
        return server

    assert run(scenario).accepted == 2


BIG = os.urandom(5 * 1024 * 1024)


async def _big_answer(peer: Peer) -> None:
    while await peer.request() is not None:
        await peer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(BIG))
        for start in range(0, len(BIG), 256 * 1024):
            await peer.write(BIG[start : start + 256 * 1024])


def test_a_slow_reader_gets_a_big_stream_byte_for_byte() -> None:
    async def scenario() -> tuple[bytes, int]:
        async with Server(_big_answer) as server:
            client = UpstreamClient(["127.0.0.1"])
            digest, pieces = hashlib.sha256(), 0
            try:
                _, chunks = await client.open_stream(post(server, json={}), timeout=1)
                assert chunks is not None
                async for chunk in chunks:
                    digest.update(chunk)
                    pieces += 1
                    await asyncio.sleep(0.002)
                # the connection is still good after the paused reads
                assert (await client.send(post(server, json={}), timeout=1)).body == BIG
            finally:
                await client.close()
        return digest.digest(), pieces

    digest, pieces = run(scenario)
    assert digest == hashlib.sha256(BIG).digest()
    assert pieces > 10


def test_a_big_answer_read_whole_does_not_stall() -> None:
    """More than the back-pressure mark buffered while ``send`` reads: must not pause for good."""

    async def scenario() -> bytes:
        async with Server(_big_answer) as server:
            client = UpstreamClient(["127.0.0.1"])
            try:
                return (await client.send(post(server, json={}), timeout=1)).body
            finally:
                await client.close()

    assert run(scenario) == BIG


def test_close_leaves_no_socket_open() -> None:
    async def scenario() -> Server:
        async with Server(lambda peer: peer.serve(OK_JSON, delay=0.02)) as server:
            client = UpstreamClient(["127.0.0.1"])
            await asyncio.gather(*(client.send(post(server, json={})) for _ in range(3)))
            assert server.open == 3
            await client.close()
            await asyncio.wait_for(server.settle(), 1)
            assert server.open == 0
        return server

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        server = run(scenario)
        gc.collect()
    assert server.accepted == 3
    assert all(peer.saw_eof for peer in server.peers)
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
