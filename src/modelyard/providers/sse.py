"""Incremental server-sent-events parsing shared by every streaming wire format.

Accepts ``\\n`` and ``\\r\\n`` line ends, ignores comment lines, joins multi-line ``data``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class SSEEvent:
    event: str | None
    data: str


class SSEParser:
    """Feed it bytes as they arrive; it returns the events completed so far."""

    __slots__ = ("_buffer", "_data", "_event")

    def __init__(self) -> None:
        self._buffer = b""
        self._event: str | None = None
        self._data: list[str] = []

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        buffer = self._buffer + chunk if self._buffer else chunk
        events: list[SSEEvent] = []
        start = 0
        try:
            while True:  # walk the lines by offset: one slice per line, not one per remainder
                newline = buffer.find(b"\n", start)
                if newline < 0:
                    return events
                line = buffer[start:newline].rstrip(b"\r").decode("utf-8")
                start = newline + 1
                if not line:
                    if self._data or self._event is not None:
                        events.append(SSEEvent(self._event, "\n".join(self._data)))
                    self._event, self._data = None, []
                elif line.startswith(":"):
                    continue
                else:
                    name, _, value = line.partition(":")
                    value = value.removeprefix(" ")
                    if name == "data":
                        self._data.append(value)
                    elif name == "event":
                        self._event = value
        finally:
            self._buffer = buffer[start:]

    @property
    def pending(self) -> bool:
        """True when bytes of an unfinished event are still buffered."""
        return bool(self._buffer.strip()) or bool(self._data)
