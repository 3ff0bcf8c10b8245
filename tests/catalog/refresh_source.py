"""A local HTTP server that serves a catalog the test can change, and counts the downloads."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any


def bundled_data() -> dict[str, Any]:
    """The bundled catalog as plain JSON data (prices are strings), to change and serve."""
    raw = resources.files("modelyard.catalog").joinpath("data", "catalog.json").read_bytes()
    data: dict[str, Any] = json.loads(raw)
    return data


class CatalogSource:
    """``url`` serves ``body``; ``delay`` seconds before answering; ``hits`` counts GETs."""

    def __init__(self) -> None:
        self.body = json.dumps(bundled_data()).encode()
        self.delay = 0.0
        self.declare_length = True  # False: no content-length, the body ends with the connection
        self.hits = 0
        handler = self._handler()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/catalog.json"

    def serve(self, data: dict[str, Any] | bytes) -> None:
        self.body = data if isinstance(data, bytes) else json.dumps(data).encode()
        self.declare_length = True

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        source = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                source.hits += 1
                time.sleep(source.delay)
                body = source.body
                self.send_response(200)
                self.send_header("content-type", "application/json")
                if source.declare_length:
                    self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    @contextmanager
    def running(self) -> Iterator[CatalogSource]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()


def changed(data: dict[str, Any], entry_id: str, version: str, **fields: Any) -> dict[str, Any]:
    """``data`` with a new version and ``fields`` set on one entry."""
    out = json.loads(json.dumps(data))
    out["version"] = version
    (entry,) = [e for e in out["entries"] if e["id"] == entry_id]
    entry.update(fields)
    return out
