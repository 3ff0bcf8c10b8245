"""The fake's small raw-ASGI toolkit: the parsed request, the reply, and how a reply is sent.

The fake is the "instant upstream" of the benchmarks, so it skips a web framework on the hot
path: a request is read once into a ``FakeRequest`` (JSON parsed with orjson), a wire module
turns it into a ``Reply`` (a JSON body or a list of server-sent events), and ``send_reply``
writes it, optionally damaged: cut in the middle (the connection is dropped) or garbled.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl

import orjson
from starlette.datastructures import UploadFile
from starlette.requests import Request

from modelyard.testing.content import digest

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Header = tuple[bytes, bytes]
Event = tuple[str | None, bytes]
Damage = Literal["cut", "garbage"]

JSON = b"application/json"
SSE = b"text/event-stream"

_dropping: contextvars.ContextVar[bool] = contextvars.ContextVar("fake_dropping", default=False)


class BadRequest(Exception):
    """Raised by a wire module for a request the real API would refuse with a 400."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


@dataclass(frozen=True, slots=True)
class FormFile:
    """An uploaded file of a multipart request (only its name, type and size are kept)."""

    filename: str
    content_type: str
    size: int

    def describe(self) -> dict[str, Any]:
        return {"filename": self.filename, "content_type": self.content_type, "size": self.size}


class FakeRequest:
    """One HTTP request, read whole: lower-case headers, query, raw body, parsed JSON or form."""

    __slots__ = (
        "_digest",
        "body",
        "form",
        "form_error",
        "headers",
        "json",
        "method",
        "path",
        "query",
    )

    def __init__(self, scope: Scope, body: bytes) -> None:
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        raw_query: bytes = scope.get("query_string", b"")
        self.query: dict[str, str] = (
            dict(parse_qsl(raw_query.decode("latin-1"))) if raw_query else {}
        )
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:
            key = name.decode("latin-1").lower()
            text = value.decode("latin-1")
            headers[key] = f"{headers[key]}, {text}" if key in headers else text
        self.headers = headers
        self.body = body
        self.json: Any = None
        self.form: dict[str, list[str | FormFile]] | None = None
        self.form_error: str | None = None
        self._digest: str | None = None
        if body and "json" in headers.get("content-type", "application/json"):
            try:
                self.json = orjson.loads(body)
            except orjson.JSONDecodeError:
                self.json = None

    @property
    def digest(self) -> str:
        """A digest of the body (and path): the seed of the ids in the answer."""
        if self._digest is None:
            self._digest = digest(self.path.encode() + b"\0" + self.body)
        return self._digest

    def form_value(self, name: str) -> str | None:
        values = (self.form or {}).get(name) or []
        return next((v for v in values if isinstance(v, str)), None)

    def form_files(self, *names: str) -> list[FormFile]:
        form = self.form or {}
        return [v for n in names for v in form.get(n, []) if isinstance(v, FormFile)]

    def log_entry(self) -> dict[str, Any]:
        """What the request log keeps: method, path, query, headers and the body."""
        body: Any
        if self.form is not None:
            body = {
                name: [_describe(v) for v in values] if len(values) > 1 else _describe(values[0])
                for name, values in self.form.items()
            }
        elif self.json is not None:
            body = self.json
        elif self.body:
            body = self.body.decode("utf-8", "replace")
        else:
            body = None
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "body": body,
        }


def _describe(value: str | FormFile) -> Any:
    return value if isinstance(value, str) else value.describe()


async def read_request(scope: Scope, receive: Receive) -> FakeRequest:
    """Read the whole body; parse a multipart or url-encoded form when there is one.

    A form that does not parse leaves ``form_error`` set, for a 400 in the provider's shape.
    """
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    request = FakeRequest(scope, body)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        try:
            request.form = await _parse_form(scope, body)
        except BadRequest as exc:
            request.form_error = exc.message
    return request


async def _parse_form(scope: Scope, body: bytes) -> dict[str, list[str | FormFile]]:
    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    fields: dict[str, list[str | FormFile]] = {}
    try:
        form = await Request(scope, replay).form()
    except Exception as exc:
        raise BadRequest(f"Could not parse the form body: {exc}") from exc
    try:
        for name, value in form.multi_items():
            item: str | FormFile
            if isinstance(value, UploadFile):
                size = len(await value.read())
                item = FormFile(value.filename or "", value.content_type or "", size)
            else:
                item = value
            fields.setdefault(name, []).append(item)
    finally:
        await form.close()
    return fields


@dataclass(slots=True)
class Reply:
    """An answer: a JSON body, or (when ``events`` is set) a stream of server-sent events."""

    status: int
    body: bytes = b""
    headers: list[Header] = field(default_factory=list)
    content_type: bytes = JSON
    events: list[Event] | None = None
    newline: bytes = b"\n"


def json_reply(status: int, data: Any, headers: list[Header] | None = None) -> Reply:
    return Reply(status, orjson.dumps(data), headers or [])


def sse_reply(
    events: list[Event],
    headers: list[Header] | None = None,
    content_type: bytes = SSE,
    newline: bytes = b"\n",
) -> Reply:
    return Reply(200, b"", headers or [], content_type, events, newline)


def frame(event: Event, newline: bytes) -> bytes:
    """One server-sent event: an optional ``event:`` line, a ``data:`` line, a blank line."""
    name, data = event
    if name is None:
        return b"data: " + data + newline + newline
    return b"event: " + name.encode() + newline + b"data: " + data + newline + newline


async def send_reply(
    send: Send, reply: Reply, damage: Damage | None = None, event_gap_ms: int = 0
) -> None:
    """Write ``reply``; ``cut`` drops the connection halfway, ``garbage`` breaks the JSON."""
    headers = [(b"content-type", reply.content_type), *reply.headers]
    if reply.events is None:
        body = reply.body[: len(reply.body) // 2] if damage == "garbage" else reply.body
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        if damage == "cut":
            await send(
                {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
            )
            _drop()
            return
        await send({"type": "http.response.body", "body": body})
        return
    headers.append((b"cache-control", b"no-cache"))
    frames = [frame(event, reply.newline) for event in reply.events]
    if damage == "garbage":
        middle = next(
            (i for i in range(len(frames) // 2, len(frames)) if reply.events[i][1][:1] == b"{"), 0
        )
        frames[middle] = frame((reply.events[middle][0], b'{"type": "garbage", '), reply.newline)
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    if damage == "cut":
        for chunk in frames[: max(1, len(frames) // 2)]:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        _drop()
        return
    for chunk in frames:
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
        if event_gap_ms:
            await asyncio.sleep(event_gap_ms / 1000)
    await send({"type": "http.response.body", "body": b""})


def _drop() -> None:
    """Mark this request as deliberately cut; the server then closes the connection."""
    _dropping.set(True)


class DroppedResponseFilter(logging.Filter):
    """Silence uvicorn's complaint about a response the fake cut on purpose (and only that)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _dropping.get()


def install_log_filter() -> None:
    """Add ``DroppedResponseFilter`` to uvicorn's error logger, once."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, DroppedResponseFilter) for f in logger.filters):
        logger.addFilter(DroppedResponseFilter())
