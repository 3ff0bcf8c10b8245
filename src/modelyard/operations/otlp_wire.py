"""The protobuf wire bytes of an OTLP ``ExportTraceServiceRequest`` for our span records.

Written by hand for speed, and measured: building the official ``opentelemetry-proto``
messages from Python costs ~1 us per attribute (each ``KeyValue`` and ``AnyValue`` a new upb
object), most of a call's tracing cost; the bytes of a ``KeyValue`` that repeats (the
operation, the provider, a model's slug, a deployment id: most of them) are cached here, so a
span costs a few concatenations. Only the fields our spans use are written, with the field
numbers of ``opentelemetry/proto/trace/v1/trace.proto``; tests/operations/test_otlp_wire.py
parses the bytes with the official messages and compares them with the same request built
through those messages.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

_FIXED64 = struct.Struct("<Q")
_FIXED32 = struct.Struct("<I")
_DOUBLE = struct.Struct("<d")
_CACHE_MAX = 8192  # KeyValue bytes kept; past it the cache starts again
# (field number, key, type, value) -> the attribute field's bytes; by type too: True == 1.
_cache: dict[tuple[int, str, type, Any], bytes] = {}
_SMALL = [bytes([n]) for n in range(0x80)]  # most varints (lengths, tags) are one byte


@dataclass(slots=True)
class SpanRecord:
    """One span as the call path fills it in: ids as integers, times in epoch nanoseconds."""

    trace_id: int
    span_id: int
    parent_id: int
    name: str
    kind: int  # Span.SpanKind: 2 SERVER, 3 CLIENT
    start_ns: int
    attributes: dict[str, Any] = field(default_factory=dict)
    end_ns: int = 0
    error: bool = False
    trace_state: str = ""
    remote_parent: bool = False  # the parent came in a caller's traceparent


def varint(value: int) -> bytes:
    """An unsigned varint; a negative int64 as its 64-bit two's complement (10 bytes)."""
    if 0 <= value < 0x80:
        return _SMALL[value]
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (wire type 2)."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def _any_value(value: Any) -> bytes:
    if isinstance(value, str):
        return _field(1, value.encode())
    if isinstance(value, bool):
        return b"\x10" + (b"\x01" if value else b"\x00")
    if isinstance(value, int):
        return b"\x18" + varint(value)
    if isinstance(value, float):
        return b"\x21" + _DOUBLE.pack(value)
    if isinstance(value, list | tuple):
        return _field(5, b"".join(_field(1, _any_value(item)) for item in value))
    return _field(1, str(value).encode())


def _attribute(number: int, key: str, value: Any) -> bytes:
    """Field ``number`` holding a ``KeyValue`` (cached for values that can repeat)."""
    if not isinstance(value, str | int | float):  # lists: not hashable, rare
        return _field(number, _field(1, key.encode()) + _field(2, _any_value(value)))
    cache_key = (number, key, type(value), value)
    found = _cache.get(cache_key)
    if found is None:
        found = _field(number, _field(1, key.encode()) + _field(2, _any_value(value)))
        if len(_cache) >= _CACHE_MAX:
            _cache.clear()
        _cache[cache_key] = found
    return found


def _attributes(number: int, found: Mapping[str, Any]) -> bytes:
    return b"".join([_attribute(number, key, value) for key, value in found.items()])


_STATUS_ERROR = _field(15, b"\x18\x02")  # Status{code: STATUS_CODE_ERROR}
_STATUS_UNSET = _field(15, b"")


def span(record: SpanRecord) -> bytes:
    """A ``Span`` message's bytes."""
    flags = 0x101 | (0x200 if record.remote_parent else 0)  # sampled; parent remote known
    parts = [
        b"\x0a\x10" + record.trace_id.to_bytes(16, "big"),
        b"\x12\x08" + record.span_id.to_bytes(8, "big"),
    ]
    if record.trace_state:
        parts.append(_field(3, record.trace_state.encode()))
    if record.parent_id:
        parts.append(b"\x22\x08" + record.parent_id.to_bytes(8, "big"))
    parts += [
        _field(5, record.name.encode()),
        b"\x30" + varint(record.kind),
        b"\x39" + _FIXED64.pack(record.start_ns),
        b"\x41" + _FIXED64.pack(record.end_ns),
        _attributes(9, record.attributes),
        _STATUS_ERROR if record.error else _STATUS_UNSET,
        b"\x85\x01" + _FIXED32.pack(flags),
    ]
    return b"".join(parts)


def export_request(records: Sequence[SpanRecord], resource: Mapping[str, Any], scope: str) -> bytes:
    """``ExportTraceServiceRequest{resource_spans: [{resource, scope_spans: [{scope, spans}]}]}``
    of ``records``."""
    scope_spans = _field(1, _field(1, scope.encode())) + b"".join(
        _field(2, span(record)) for record in records
    )
    resource_spans = _field(1, _attributes(1, resource)) + _field(2, scope_spans)
    return _field(1, resource_spans)
