"""The gateway reads a body sent in pieces whole, refuses one over the limit as soon as it is
seen to be, and treats a caller who leaves mid-body as gone (499), never as a 500."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from starlette.requests import Request
from starlette.types import Message

from modelyard.errors import CallerLeft, PayloadTooLarge
from modelyard.gateway import http_io
from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model
from tests.support import Workspace


def _pieces(text: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(text), size):
        yield text[start : start + size]


def test_a_body_sent_in_pieces_is_read_whole(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake, identifier="fake-model")
    body = b'{"model": "%s", "messages": [{"role": "user", "content": "%s"}]}' % (
        model["slug"].encode(),
        b"pieces " * 2000,
    )
    with ws.server.client(ws.owner_key) as api:  # a generator: sent with chunked coding
        response = api.post(
            "/v1/chat/completions",
            content=_pieces(body, 1000),
            headers={"content-type": "application/json"},
        )
    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["message"]["content"].startswith("Echo: pieces")


def test_a_body_over_the_limit_is_refused(
    ws: Workspace, fake: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = add_model(ws, fake, identifier="fake-model")
    monkeypatch.setattr(http_io, "MAX_BODY_BYTES", 4096)
    body = b'{"model": "%s", "messages": [{"role": "user", "content": "%s"}]}' % (
        model["slug"].encode(),
        b"x" * 8000,
    )
    with ws.server.client(ws.owner_key) as api:
        for content in (body, _pieces(body, 1000)):  # one message, and several
            response = api.post(
                "/v1/chat/completions",
                content=content,
                headers={"content-type": "application/json"},
            )
            assert response.status_code == 413, response.text
            assert "larger than 32 MB" in response.json()["error"]["message"]


def _request(messages: list[Message]) -> tuple[Request, list[Message]]:
    left = list(messages)

    async def receive() -> Message:
        return left.pop(0)

    return Request({"type": "http", "method": "POST", "headers": []}, receive), left


async def _read(messages: list[Message]) -> tuple[bytes, int]:
    request, left = _request(messages)
    return await http_io.read_body(request), len(left)


def test_pieces_are_joined_and_nothing_past_the_body_is_read() -> None:
    messages: list[Message] = [
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.request", "body": b"", "more_body": True},
        {"type": "http.request", "body": b"cd", "more_body": False},
        {"type": "http.disconnect"},  # for the stream's watcher, later
    ]
    assert asyncio.run(_read(messages)) == (b"abcd", 1)


def test_a_caller_leaving_mid_body_is_caller_left_and_oversize_stops_reading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gone: list[Message] = [
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.disconnect"},
    ]
    with pytest.raises(CallerLeft):
        asyncio.run(_read(gone))
    monkeypatch.setattr(http_io, "MAX_BODY_BYTES", 3)
    big: list[Message] = [
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.request", "body": b"cd", "more_body": True},
        {"type": "http.request", "body": b"ef", "more_body": False},
    ]
    request, left = _request(big)
    with pytest.raises(PayloadTooLarge):
        asyncio.run(http_io.read_body(request))
    assert len(left) == 1  # refused at the second piece, the third never read
