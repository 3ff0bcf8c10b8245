"""One log line per ended call (``MODELYARD_LOG_FORMAT`` = ``json`` or ``text``).

The line goes through the stdlib logger ``modelyard.calls`` with its own stderr handler (not
propagated, so other loggers and their formats are untouched). It holds the request id, user
id, model, deployment, status, latency and tokens, and never a prompt, an answer, a key or an
error's free text (an upstream's message may quote the prompt). With no handler installed the
logger is off and the recorder skips building the line at all.

Default: ``json`` when stderr is not a terminal (production: systemd, containers, files),
``text`` on a terminal, where a person reads it.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import queue
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any

import orjson

from modelyard.usage.meter import CallRecord

LOGGER_NAME = "modelyard.calls"
log = logging.getLogger(LOGGER_NAME)

# Lines are built, formatted and written by a thread of their own, not by the request: a
# call only puts its record in a queue (a fraction of a microsecond; formatting and writing a
# line through ``logging`` cost about 20 µs, 7 % of a call). What ``logging.handlers.
# QueueHandler`` does, but without building a LogRecord in the caller.
_ON = False
_PENDING: queue.SimpleQueue[CallRecord | None] = queue.SimpleQueue()
_WRITER: threading.Thread | None = None


def fields(call: CallRecord) -> dict[str, Any]:
    """What the line says about ``call``: identifiers, outcome and counts only."""
    usage = call.usage
    return {
        "request_id": call.request_id,
        "record_id": call.id,
        "workspace_id": call.workspace_id,
        "user_id": call.user_id,
        "api_key_id": call.api_key_id,
        "endpoint": call.endpoint,
        "model": call.model_slug,
        "deployment": call.deployment_id,
        "status": call.status,
        "latency_ms": round(call.latency_ms, 3),
        "stream": call.stream,
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cache_read_tokens": usage.cache_read_tokens,
        "cache_write_tokens": usage.cache_write_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "cost_usd": str(call.cost_usd),
        "attempts": len(call.fallback_path) or 1,
        "pid": os.getpid(),
    }


def emit(call: CallRecord) -> None:
    """Queue the call's line when the call log is on (one global check when it is off)."""
    if _ON:
        _PENDING.put(call)


_JSON_OUT: Any = None  # stderr's binary stream when the format is json


def _json_line(call: CallRecord) -> bytes:
    """The line :class:`JsonFormatter` writes, built straight with orjson (no LogRecord)."""
    line: dict[str, Any] = {
        "time": datetime.now(UTC).isoformat(),
        "level": "info",
        "logger": LOGGER_NAME,
        "message": "call",
    }
    line.update(fields(call))
    return orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE)


# After the first line of a burst the writer waits this long before it writes the burst: a
# thread woken for every call takes the GIL from the event loop ~1,000 times a second under
# load (each hand-over a wait for the loop's thread); woken at most 20 times, it formats and
# writes each burst at once. A line is at most this late.
BURST_WAIT_S = 0.05


def _write_lines() -> None:
    """The writer thread: every queued call's line, the lines of a burst in one write."""
    while (call := _PENDING.get()) is not None:
        with contextlib.suppress(Exception):  # one bad line must not stop the others
            if _JSON_OUT is None:
                log.info("call", extra={"call": fields(call)})
                continue
            time.sleep(BURST_WAIT_S)
            lines = [_json_line(call)]
            while len(lines) < 4096:
                try:
                    more = _PENDING.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    _PENDING.put(None)  # stop after this burst
                    break
                lines.append(_json_line(more))
            _JSON_OUT.write(b"".join(lines))
            _JSON_OUT.flush()


def _stop_writer() -> None:
    """At exit: the lines still queued are written before the process ends."""
    if _WRITER is not None and _WRITER.is_alive():
        _PENDING.put(None)
        _WRITER.join(timeout=5)


class JsonFormatter(logging.Formatter):
    """A record as one JSON object: time, level, logger, message, and the call's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "call", None) or {})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line).decode()


class TextFormatter(logging.Formatter):
    """``<time> call key=value ...`` for a person at a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
        extra = getattr(record, "call", None) or {}
        pairs = " ".join(f"{key}={value}" for key, value in extra.items() if value is not None)
        return f"{when}Z {record.getMessage()} {pairs}".rstrip()


def configure(log_format: str | None) -> None:
    """Turn the call log on, to stderr, as ``json`` or ``text`` (None: json unless a TTY)."""
    chosen = log_format or ("text" if sys.stderr.isatty() else "json")
    if chosen == "off":
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if chosen == "json" else TextFormatter())
    for old in list(log.handlers):
        log.removeHandler(old)
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    global _ON, _WRITER, _JSON_OUT
    _JSON_OUT = getattr(sys.stderr, "buffer", None) if chosen == "json" else None
    if _WRITER is None:
        _WRITER = threading.Thread(target=_write_lines, name="modelyard-call-log", daemon=True)
        _WRITER.start()
        atexit.register(_stop_writer)
    _ON = True
