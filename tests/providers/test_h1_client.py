"""The upstream HTTP/1.1 client on the wire: framing, encodings, timeouts, broken answers.

Every case runs against a raw server on 127.0.0.1 that writes exact bytes (``h1_server``), so
what is tested is what a real socket carries. Connection reuse, limits and closing are in
``test_h1_client_pool.py``, TLS in ``test_h1_client_tls.py``.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import struct
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import pytest

from modelyard.errors import UpstreamError, UpstreamTimeout
from modelyard.llm_types import InputFile
from modelyard.providers.base import UpstreamRequest
from modelyard.providers.h1_pool import InvalidUpstreamRequest
from modelyard.providers.http import UpstreamClient
from tests.providers.h1_server import OK_JSON, Peer, Server, post, run


async def collect(chunks: AsyncIterator[bytes] | None) -> list[bytes]:
    assert chunks is not None
    return [chunk async for chunk in chunks]


async def exchange(answer: Callable[[Peer], Awaitable[None]], request: dict[str, Any]) -> Any:
    """One ``send`` against a server whose connections run ``answer``: (server, reply)."""
    async with Server(answer) as server:
        client = UpstreamClient(["127.0.0.1"])
        try:
            return server, await client.send(post(server, **request))
        finally:
            await client.close()


def test_content_length_answer_with_header_names_in_lower_case() -> None:
    async def answer(peer: Peer) -> None:
        await peer.serve(b"HTTP/1.1 200 OK\r\nX-Request-ID: Ab1\r\nContent-Length: 5\r\n\r\nhello")

    server, reply = run(lambda: exchange(answer, {"json": {"x": 1}, "headers": {"A": "b"}}))
    assert (reply.status, reply.body) == (200, b"hello")
    assert reply.headers == {"x-request-id": "Ab1", "content-length": "5"}
    head, body = server.requests[0].split(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /v1/x HTTP/1.1"
    assert f"host: 127.0.0.1:{server.port}".encode() in lines
    assert {b"A: b", b"content-length: 7", b"content-type: application/json"} <= set(lines)
    assert body == b'{"x":1}'


CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


def test_chunked_answer_read_whole() -> None:
    async def answer(peer: Peer) -> None:
        await peer.serve(CHUNKED_HEAD + b"4\r\nabcd\r\n3;ext=1\r\nefg\r\n0\r\nTrailer: x\r\n\r\n")

    _, reply = run(lambda: exchange(answer, {"json": {}}))
    assert reply.body == b"abcdefg"


def test_chunked_stream_yields_each_piece_as_it_arrives() -> None:
    first_seen = asyncio.Event()

    async def answer(peer: Peer) -> None:
        await peer.request()
        await peer.write(CHUNKED_HEAD + b"5\r\nhello\r\n")
        await first_seen.wait()  # the rest only once the client had the first piece
        await peer.write(b"6\r\n world\r\n0\r\n\r\n")
        await peer.until_eof()

    async def scenario() -> list[bytes]:
        async with Server(answer) as server:
            client = UpstreamClient(["127.0.0.1"])
            try:
                reply, chunks = await client.open_stream(post(server, json={}, stream=True))
                assert reply.status == 200 and chunks is not None
                pieces = [await anext(chunks)]
                first_seen.set()
                return pieces + await collect(chunks)
            finally:
                await client.close()

    assert run(scenario) == [b"hello", b" world"]


def test_close_delimited_body_is_read_to_the_end_and_not_reused() -> None:
    async def answer(peer: Peer) -> None:
        await peer.request()
        await peer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nfirst part, ")
        await asyncio.sleep(0.02)
        await peer.write(b"second part")

    async def scenario() -> tuple[Server, list[bytes]]:
        async with Server(answer) as server:
            client = UpstreamClient(["127.0.0.1"])
            try:
                bodies = [(await client.send(post(server, json={}))).body for _ in range(2)]
            finally:
                await client.close()
        return server, bodies

    server, bodies = run(scenario)
    assert bodies == [b"first part, second part"] * 2
    assert server.accepted == 2


def test_a_reset_in_a_close_delimited_body_is_an_error_not_its_end() -> None:
    async def answer(peer: Peer) -> None:
        await peer.request()
        await peer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\npart")
        await asyncio.sleep(0.02)
        sock = peer.writer.get_extra_info("socket")  # linger 0: closing sends a reset
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        peer.writer.transport.abort()

    with pytest.raises(UpstreamError, match="Could not reach the provider"):
        run(lambda: exchange(answer, {"json": {}}))


DATA = b"The quick brown fox jumps over the lazy dog. " * 200


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-15)
    return compressor.compress(data) + compressor.flush()


ENCODED = {
    "gzip": ("gzip", gzip.compress(DATA)),
    "deflate-zlib": ("deflate", zlib.compress(DATA)),
    "deflate-raw": ("deflate", _raw_deflate(DATA)),
}


def _chunked(body: bytes, sizes: list[int]) -> list[bytes]:
    """``body`` as chunk frames of these sizes (the rest in one) and the last chunk."""
    frames, start = [], 0
    for size in [*sizes, len(body)]:
        piece = body[start : start + size]
        start += len(piece)
        if piece:
            frames.append(b"%x\r\n%s\r\n" % (len(piece), piece))
    return [*frames, b"0\r\n\r\n"]


@pytest.mark.parametrize("case", ENCODED)
@pytest.mark.parametrize("streamed", [False, True], ids=["send", "stream"])
def test_compressed_answers_are_decoded(case: str, streamed: bool) -> None:
    encoding, body = ENCODED[case]

    async def answer(peer: Peer) -> None:
        await peer.request()
        await peer.write(CHUNKED_HEAD[:-2] + f"Content-Encoding: {encoding}\r\n\r\n".encode())
        for frame in _chunked(body, [1, 2, 50]):  # tiny first pieces: header bytes split up
            await peer.write(frame)
            await asyncio.sleep(0.005)
        await peer.until_eof()

    async def scenario() -> bytes:
        async with Server(answer) as server:
            client = UpstreamClient(["127.0.0.1"])
            try:
                if not streamed:
                    return (await client.send(post(server, json={}))).body
                _, chunks = await client.open_stream(post(server, json={}))
                return b"".join(await collect(chunks))
            finally:
                await client.close()

    assert run(scenario) == DATA


@pytest.mark.parametrize("where", ["before-status", "mid-body"])
@pytest.mark.parametrize("streamed", [False, True], ids=["send", "stream"])
def test_read_timeout_between_bytes(where: str, streamed: bool) -> None:
    async def answer(peer: Peer) -> None:
        if peer.index > 0:
            return await peer.serve(OK_JSON)
        await peer.request()
        if where == "mid-body":
            await peer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        await peer.until_eof()  # stalls; ends when the client gives up on the connection

    async def scenario() -> tuple[Server, float, bytes]:
        async with Server(answer) as server:
            client = UpstreamClient(["127.0.0.1"])
            try:
                started = time.monotonic()
                with pytest.raises(UpstreamTimeout):
                    if streamed and where == "mid-body":
                        _, chunks = await client.open_stream(post(server, json={}), timeout=0.2)
                        await collect(chunks)
                    elif streamed:
                        await client.open_stream(post(server, json={}), timeout=0.2)
                    else:
                        await client.send(post(server, json={}), timeout=0.2)
                elapsed = time.monotonic() - started
                await server.settle(1)  # the stalled connection was closed by the client
                assert server.peers[0].saw_eof
                body = (await client.send(post(server, json={}))).body
            finally:
                await client.close()
        return server, elapsed, body

    server, elapsed, body = run(scenario)
    assert 0.18 <= elapsed < 0.6
    assert body == b"{}"
    assert server.accepted == 2


async def _close_mid_body(peer: Peer) -> None:
    await peer.request()
    await peer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")


def test_a_body_cut_short_is_an_error_not_a_shorter_body() -> None:
    with pytest.raises(UpstreamError):
        run(lambda: exchange(_close_mid_body, {"json": {}}))


def test_a_stream_cut_short_raises_after_what_arrived() -> None:
    async def scenario() -> list[bytes]:
        async with Server(_close_mid_body) as server:
            client = UpstreamClient(["127.0.0.1"])
            pieces: list[bytes] = []
            try:
                _, chunks = await client.open_stream(post(server, json={}))
                assert chunks is not None
                with pytest.raises(UpstreamError, match="stream broke off"):
                    async for chunk in chunks:
                        pieces.append(chunk)
            finally:
                await client.close()
            return pieces

    assert b"".join(run(scenario)) == b"abc"


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 abc OK\r\n\r\n",
        b"SMTP ready\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
        CHUNKED_HEAD + b"zz\r\nabc\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 9\r\n\r\nnot gzip!",
    ],
    ids=["status", "protocol", "length", "two-lengths", "chunk-size", "gzip"],
)
def test_malformed_answers_are_errors(answer: bytes) -> None:
    async def serve(peer: Peer) -> None:
        await peer.request()
        await peer.write(answer)
        await peer.until_eof()

    with pytest.raises(UpstreamError, match="ConnectionBroken"):
        run(lambda: exchange(serve, {"json": {}}))


@pytest.mark.parametrize(
    ("url_suffix", "headers"),
    [
        ("", {"x-a": "1\r\nx-injected: 1"}),
        ("", {"x-a": "1\nx-injected: 1"}),
        ("", {"x-a\r\nx-injected": "1"}),
        ("", {"x-a": "1\x00"}),
        ("", {"x a": "1"}),
        ("?q=1\r\nx-injected: 1", {}),
        ("/a\nb", {}),
        ("/a b", {}),
    ],
    ids=[
        "value-crlf",
        "value-lf",
        "name-crlf",
        "value-nul",
        "name-space",
        "url-crlf",
        "url-lf",
        "url-space",
    ],
)
def test_line_breaks_in_a_header_or_url_never_reach_the_wire(
    url_suffix: str, headers: dict[str, str]
) -> None:
    async def scenario() -> Server:
        async with Server(lambda peer: peer.serve(OK_JSON)) as server:
            client = UpstreamClient(["127.0.0.1"])
            request = UpstreamRequest(url=server.url() + url_suffix, headers=headers, json={})
            try:
                with pytest.raises(InvalidUpstreamRequest):
                    await client.send(request)
            finally:
                await client.close()
        return server

    assert run(scenario).accepted == 0


@pytest.mark.parametrize("split", [False, True])
def test_an_interim_100_continue_is_skipped(split: bool) -> None:
    interim = b"HTTP/1.1 100 Continue\r\n\r\n"
    final = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"

    async def answer(peer: Peer) -> None:
        while await peer.request() is not None:
            await peer.write(interim)
            if split:
                await asyncio.sleep(0.02)
            await peer.write(final)

    async def scenario() -> list[tuple[int, bytes]]:
        async with Server(answer) as server:
            client = UpstreamClient(["127.0.0.1"])
            try:  # twice: the parser is ready for the next answer on the same connection
                replies = [await client.send(post(server, json={})) for _ in range(2)]
            finally:
                await client.close()
        return [(reply.status, reply.body) for reply in replies]

    assert run(scenario) == [(200, b"hello")] * 2


def test_429_with_retry_after() -> None:
    answer = b'HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Length: 7\r\n\r\n{"e":1}'

    async def scenario() -> list[Any]:
        async with Server(lambda peer: peer.serve(answer)) as server:
            client = UpstreamClient(["127.0.0.1"])
            try:
                reply = await client.send(post(server, json={}))
                streamed, chunks = await client.open_stream(post(server, json={}))
            finally:
                await client.close()
        return [reply, streamed, chunks]

    reply, streamed, chunks = run(scenario)
    for got in (reply, streamed):
        assert (got.status, got.headers["retry-after"], got.body) == (429, "7", b'{"e":1}')
    assert chunks is None


def test_a_multipart_form_arrives_as_valid_multipart() -> None:
    image = InputFile(filename="cat.png", content_type="image/png", data=b"\x89PNG\r\n\x00\xff")

    async def scenario() -> bytes:
        async with Server(lambda peer: peer.serve(OK_JSON)) as server:
            client = UpstreamClient(["127.0.0.1"])
            try:
                await client.send(post(server, form=[("prompt", "hi"), ("image", image)]))
            finally:
                await client.close()
        return server.requests[0]

    head, _, body = run(scenario).partition(b"\r\n\r\n")
    content_type = next(
        line.split(b":", 1)[1].strip()
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-type:")
    )
    assert content_type.startswith(b"multipart/form-data; boundary=")
    whole = b"Content-Type: " + content_type + b"\r\n\r\n" + body
    message = BytesParser(policy=HTTP).parsebytes(whole)
    assert message.is_multipart() and not message.defects
    parts = {p.get_param("name", header="content-disposition"): p for p in message.iter_parts()}
    assert list(parts) == ["prompt", "image"]
    assert parts["prompt"].get_payload(decode=True) == b"hi"
    assert parts["image"].get_filename() == "cat.png"
    assert parts["image"].get_content_type() == "image/png"
    assert parts["image"].get_payload(decode=True) == image.data
