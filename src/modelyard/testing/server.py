"""Running the fake provider: in a background thread for tests, or in the foreground for the CLI.

Tests need a real HTTP server on loopback (no mocks of our own seams), started in well under a
second and stopped cleanly even when a ``fail-hang`` request is still open.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from modelyard.testing.app import FakeApp, create_fake_app
from modelyard.testing.asgi import install_log_filter
from modelyard.testing.request_log import DEFAULT_LIMIT

START_TIMEOUT = 20.0
GRACEFUL_SHUTDOWN_SECONDS = 1


class FakeProvider:
    """The fake provider served by uvicorn in a daemon thread, as a context manager.

    ``with FakeProvider() as fake:`` listens on a free loopback port (or ``port``); ``fake.url``
    is ``http://127.0.0.1:PORT``, ``fake.requests()`` the request log, ``fake.clear()`` empties it.
    With ``tls=(certificate_pem, key_pem)`` it speaks HTTPS and ``fake.url`` starts ``https://``
    (the egress-proxy and CA-bundle tests make a throw-away CA for it).
    """

    def __init__(
        self,
        port: int | None = None,
        host: str = "127.0.0.1",
        app: FakeApp | None = None,
        log_limit: int = DEFAULT_LIMIT,
        tls: tuple[Path, Path] | None = None,
    ) -> None:
        self.app = app or create_fake_app(log_limit)
        self.tls = tls
        self.host = host
        self.port = port or 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def requests(self) -> list[dict[str, Any]]:
        """The logged requests, oldest first: method, path, query, headers, body."""
        return self.app.log.entries()

    def clear(self) -> None:
        """Forget the logged requests."""
        self.app.log.clear()

    def set_fault(self, model: str, fault: str | None) -> None:
        """Make requests for ``model`` fail as ``fault`` asks (``"fail-429"``...); None ends it."""
        self.app.set_fault(model, fault)

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
            self.port = int(sock.getsockname()[1])
            config = uvicorn.Config(
                self.app,
                log_config=None,
                log_level="warning",
                access_log=False,
                lifespan="off",
                timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
                ssl_certfile=str(self.tls[0]) if self.tls else None,
                ssl_keyfile=str(self.tls[1]) if self.tls else None,
            )
            install_log_filter()
            server = uvicorn.Server(config)
            thread = threading.Thread(
                target=server.run, kwargs={"sockets": [sock]}, name="fake-provider", daemon=True
            )
            thread.start()
            deadline = time.monotonic() + START_TIMEOUT
            while not server.started:
                if time.monotonic() > deadline or not thread.is_alive():
                    server.should_exit = True
                    raise RuntimeError("the fake provider did not start")
                time.sleep(0.005)
        except BaseException:
            sock.close()
            raise
        self._server, self._thread, self._socket = server, thread, sock

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self.app.release()
        server.should_exit = True
        thread.join(GRACEFUL_SHUTDOWN_SECONDS + 5)
        if thread.is_alive():
            server.force_exit = True
            thread.join(5)
        if self._socket is not None:
            self._socket.close()
        self._server, self._thread, self._socket = None, None, None

    def __enter__(self) -> FakeProvider:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def run_fake_provider(host: str = "127.0.0.1", port: int = 9999) -> None:
    """Serve the fake provider in the foreground until interrupted (``modelyard fake-provider``)."""
    install_log_filter()
    uvicorn.run(
        create_fake_app(),
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
