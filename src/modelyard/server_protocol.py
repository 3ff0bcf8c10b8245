"""uvicorn's HTTP protocol with a deadline for request headers.

uvicorn closes a keep-alive connection that stays idle, but once a client has sent a byte of a
request it waits for the rest of the headers for ever, and a connection that never sends a byte
is never closed. This protocol gives every connection ``header_timeout`` seconds from its
opening (and every further request on it as long from its first byte) to complete its headers;
after that it answers 408 when part of a request came, and closes the connection. The same
deadline bounds how long a client may go on sending a body the app answered without reading
(a 413 or a 401): the rest is discarded until then, so the client can still read the answer.

The bodies themselves are bounded in the app (:mod:`modelyard.http_guard`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from modelyard.settings import Settings

_TIMED_OUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 36\r\nconnection: close\r\n\r\nThe request headers came too slowly."
)


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """See the module's docstring. ``header_timeout`` is set once per process, from the
    settings, before the server accepts connections (:func:`server_options`).

    One timer a connection, not one a request: a request only notes when its deadline started
    (``_since``); the timer, when it fires, closes the connection if that deadline has passed
    and otherwise sleeps until it would (or, while none runs, for another ``header_timeout``).
    Arming and cancelling a timer for each keep-alive request cost about 1.5 µs."""

    header_timeout: float = Settings.model_fields["header_timeout"].default
    _timer: asyncio.TimerHandle | None = None
    # When the running deadline started (loop time), None while none runs.
    _since: float | None = None
    _in_headers = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_headers = True
        if self.cycle is not None:  # a further request: its own deadline (the first one's
            self._start_deadline()  # runs from the connection's opening)

    def on_headers_complete(self) -> None:
        self._in_headers = False
        self._since = None
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        cycle = self.cycle
        if cycle is not None and cycle.more_body and not self.transport.is_closing():
            self._start_deadline()  # answered before its body ended: the rest has until then

    def _start_deadline(self) -> None:
        now = self.loop.time()
        self._since = now
        if self._timer is None:
            self._timer = self.loop.call_at(now + self.header_timeout, self._check)

    def _check(self) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        now = self.loop.time()
        since = self._since
        if since is None or now < since + self.header_timeout:
            wake = now + self.header_timeout if since is None else since + self.header_timeout
            self._timer = self.loop.call_at(wake, self._check)
            return
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            self._since = None  # a request is being answered: the app's deadlines hold
            self._timer = self.loop.call_at(now + self.header_timeout, self._check)
            return
        if self._in_headers:
            self.transport.write(_TIMED_OUT)
        self.transport.close()


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for a Modelyard server: the protocol above with the settings'
    deadline. For ``--workers N`` each worker sets it again from its own settings
    (:func:`modelyard.app.create_app_from_environment`)."""
    HeaderDeadlineProtocol.header_timeout = settings.header_timeout
    return {
        "http": HeaderDeadlineProtocol,
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "access_log": False,
        # Nothing here speaks WebSocket: uvicorn need not load its protocol (0.6 MiB).
        "ws": "none",
    }
