"""Spans as plain records, batched on a thread and exported over OTLP/HTTP as protobuf.

The OpenTelemetry SDK's spans cost the call path ~45 us for a call's two (each attribute is
validated and copied under a lock) and its OTLP encoder ~45 us a span more on the export
thread: together the whole call's cost again (bench/instructions.py --otlp: +92 %). A call's
spans here are slotted records the request fills in, and the export thread writes a batch's
protobuf bytes (:mod:`modelyard.operations.otlp_wire`). What a collector receives is the same
``ExportTraceServiceRequest``.

Batching follows the SDK's batch processor settings: ``OTEL_BSP_SCHEDULE_DELAY`` (ms, 5000),
``OTEL_BSP_MAX_QUEUE_SIZE`` (2048; spans past it are dropped and counted in a warning) and
``OTEL_BSP_MAX_EXPORT_BATCH_SIZE`` (512). The request carries ``OTEL_EXPORTER_OTLP_HEADERS``
(or ``..._TRACES_HEADERS``), gzip when ``OTEL_EXPORTER_OTLP_COMPRESSION=gzip``, and
``OTEL_EXPORTER_OTLP_TIMEOUT`` (s, 10). A failed export is logged and its batch dropped.
"""

from __future__ import annotations

import gzip
import logging
import os
import threading
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Mapping
from typing import Any

from modelyard.operations import otlp_wire
from modelyard.operations.otlp_wire import SpanRecord as SpanRecord

log = logging.getLogger(__name__)

SERVER = 2  # Span.SPAN_KIND_SERVER
CLIENT = 3  # Span.SPAN_KIND_CLIENT
SCOPE = "modelyard.gateway"


def encode(records: list[SpanRecord], resource: Mapping[str, Any]) -> bytes:
    """The OTLP export request of ``records`` (one resource, one scope), serialized."""
    return otlp_wire.export_request(records, resource, SCOPE)


def _env_int(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, default)))
    except ValueError:
        return default


def _headers() -> dict[str, str]:
    """``OTEL_EXPORTER_OTLP_TRACES_HEADERS`` or ``..._HEADERS``: ``k=v,k2=v2``, URL-encoded."""
    raw = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_HEADERS") or os.environ.get(
        "OTEL_EXPORTER_OTLP_HEADERS", ""
    )
    headers = {}
    for pair in raw.split(","):
        name, _, value = pair.partition("=")
        if name.strip() and value.strip():
            headers[urllib.parse.unquote(name.strip())] = urllib.parse.unquote(value.strip())
    return headers


class SpanExporter:
    """A queue of finished spans and the thread that exports it every schedule delay."""

    def __init__(self, url: str, resource: Mapping[str, Any]) -> None:
        self.url = url
        self.resource = dict(resource)
        self.delay = _env_int("OTEL_BSP_SCHEDULE_DELAY", 5000) / 1000
        self.max_queue = _env_int("OTEL_BSP_MAX_QUEUE_SIZE", 2048)
        self.max_batch = _env_int("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512)
        self.timeout = float(_env_int("OTEL_EXPORTER_OTLP_TIMEOUT", 10))
        self.gzip = os.environ.get("OTEL_EXPORTER_OTLP_COMPRESSION", "").lower() == "gzip"
        self.headers = {"Content-Type": "application/x-protobuf", **_headers()}
        if self.gzip:
            self.headers["Content-Encoding"] = "gzip"
        self._queue: deque[SpanRecord] = deque()
        self._dropped = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="modelyard-traces", daemon=True)
        self._thread.start()

    def add(self, record: SpanRecord) -> None:
        """Queue a finished span (a deque append: no lock on the request path)."""
        if len(self._queue) >= self.max_queue:
            self._dropped += 1
            return
        self._queue.append(record)

    def _run(self) -> None:
        while not self._stop.wait(self.delay):
            self.flush()

    def flush(self) -> None:
        """Export everything queued, a batch at a time."""
        if self._dropped:
            log.warning("dropped %d spans: the trace queue was full", self._dropped)
            self._dropped = 0
        queue = self._queue
        while queue:
            batch = [queue.popleft() for _ in range(min(self.max_batch, len(queue)))]
            self._post(encode(batch, self.resource))

    def _post(self, body: bytes) -> None:
        data = gzip.compress(body) if self.gzip else body
        request = urllib.request.Request(self.url, data=data, headers=self.headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                answer.read()
        except (OSError, ValueError) as exc:  # URLError and HTTPError are OSErrors
            log.warning("exporting spans to %s failed: %s", self.url, exc)

    def shutdown(self) -> None:
        """Stop the thread and export what is left (at the app's shutdown)."""
        self._stop.set()
        self._thread.join(self.timeout + 1)
        self.flush()
