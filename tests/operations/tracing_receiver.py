"""A real OTLP/HTTP trace receiver for tests: ``POST /v1/traces`` on loopback, each body decoded
with the official ``opentelemetry-proto`` messages (what a collector does)."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span


def value_of(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [value_of(item) for item in value.array_value.values]
    return getattr(value, kind) if kind else None


def attributes(span: Span) -> dict[str, Any]:
    return {item.key: value_of(item.value) for item in span.attributes}


class Receiver:
    """The spans received so far (decoded), and a wait for the ones a test expects."""

    def __init__(self) -> None:
        self.spans: list[Span] = []
        self.content_types: set[str] = set()
        self._lock = threading.Lock()
        self.url = ""

    def add(self, body: bytes, content_type: str) -> None:
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)  # protobuf, or this raises and the export fails
        with self._lock:
            self.content_types.add(content_type)
            for resource in request.resource_spans:
                for scope in resource.scope_spans:
                    self.spans.extend(scope.spans)

    def wait(self, found: Callable[[list[Span]], list[Span]], timeout: float = 15) -> list[Span]:
        """``found(spans)`` once it is non-empty (the batch processor exports within ~1 s)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                spans = found(list(self.spans))
            if spans or time.monotonic() > deadline:
                return spans
            time.sleep(0.05)

    def call_span(self, request_id: str) -> Span:
        """The SERVER span of the call with ``request_id``."""
        spans = self.wait(
            lambda spans: [
                s for s in spans if attributes(s).get("modelyard.request_id") == request_id
            ]
        )
        assert len(spans) == 1, spans
        return spans[0]

    def children(self, parent: Span, count: int) -> list[Span]:
        """The child spans of ``parent`` (in start order), once ``count`` of them arrived."""

        def found(spans: list[Span]) -> list[Span]:
            kids = [s for s in spans if s.parent_span_id == parent.span_id]
            return kids if len(kids) >= count else []

        kids = self.wait(found)
        assert len(kids) >= count, (count, kids)
        return sorted(kids, key=lambda s: s.start_time_unix_nano)


class _Handler(BaseHTTPRequestHandler):
    receiver: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        if self.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        if self.path != "/v1/traces":
            self.send_error(404)
            return
        self.receiver.add(body, self.headers.get("content-type", ""))
        answer = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return


@contextmanager
def otlp_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    handler = type("Handler", (_Handler,), {"receiver": receiver})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
