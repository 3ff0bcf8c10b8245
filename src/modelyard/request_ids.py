"""``x-request-id``: the caller's own when it is a sane token, else a new one.

One id names a call everywhere: the response header, the log lines, the usage record, audit
rows and error bodies. The gateway and the admin API set it once, at their ASGI edge, and keep
it in the scope under ``SCOPE_KEY`` so that whatever handles the call can read it without
passing it around.
"""

from __future__ import annotations

import os
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
HEADER_BYTES = b"x-request-id"
SCOPE_KEY = "modelyard.request_id"
_VALID = re.compile(r"[A-Za-z0-9._-]{1,128}")


def new_request_id() -> str:
    """``req_`` and 24 hex digits: unique enough across replicas, cheap (no uuid object)."""
    return "req_" + os.urandom(12).hex()


def accepted(given: str | None) -> str:
    """The caller's id when it is 1-128 of ``A-Za-z0-9._-``, else a fresh one."""
    if given is not None and _VALID.fullmatch(given):
        return given
    return new_request_id()


def assign(scope: Scope) -> str:
    """The id of this request (from its ``x-request-id`` header or new), kept in the scope.
    One pass over the raw headers: no ``Headers`` object on the hot path."""
    for name, value in scope["headers"]:
        if name == HEADER_BYTES:
            request_id = accepted(value.decode("latin-1"))
            break
    else:
        request_id = new_request_id()
    scope[SCOPE_KEY] = request_id
    return request_id


def request_id_of(scope: Scope) -> str | None:
    """The id the gateway or the admin API gave this request (None outside them)."""
    value: str | None = scope.get(SCOPE_KEY)
    return value


class RequestIds:
    """Pure ASGI: assigns the id and adds ``x-request-id`` to the response's headers (for the
    admin API; the gateway does the same inline)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = (HEADER_BYTES, assign(scope).encode("latin-1"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                if not any(name.lower() == HEADER_BYTES for name, _ in headers):
                    headers.append(header)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_id)
