"""The hand-written OTLP bytes parse with the official ``opentelemetry-proto`` messages into
exactly the request those messages build themselves, for every attribute type we send."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import (
    AnyValue,
    ArrayValue,
    InstrumentationScope,
    KeyValue,
)
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

from modelyard.operations import otlp_wire
from modelyard.operations.trace_export import CLIENT, SERVER, SpanRecord

ATTRIBUTES: dict[str, Any] = {
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": "modèle-ü ✓",
    "gen_ai.usage.input_tokens": 1234567,
    "http.response.status_code": 200,
    "a.negative": -42,
    "a.zero": 0,
    "a.true": True,
    "a.false": False,
    "a.one": 1,  # after a.true: the cache must not hand back a bool for it
    "a.float": 0.25,
    "gen_ai.response.finish_reasons": ("stop", "length"),
    "a.empty": "",
}


def _value(value: Any) -> AnyValue:
    if isinstance(value, str):
        return AnyValue(string_value=value)
    if isinstance(value, bool):
        return AnyValue(bool_value=value)
    if isinstance(value, int):
        return AnyValue(int_value=value)
    if isinstance(value, float):
        return AnyValue(double_value=value)
    return AnyValue(array_value=ArrayValue(values=[_value(v) for v in value]))


def _official(records: list[SpanRecord], resource: dict[str, Any]) -> ExportTraceServiceRequest:
    def kvs(found: dict[str, Any]) -> list[KeyValue]:
        return [KeyValue(key=k, value=_value(v)) for k, v in found.items()]

    spans = [
        Span(
            trace_id=r.trace_id.to_bytes(16, "big"),
            span_id=r.span_id.to_bytes(8, "big"),
            parent_span_id=r.parent_id.to_bytes(8, "big") if r.parent_id else b"",
            trace_state=r.trace_state,
            name=r.name,
            kind=r.kind,  # type: ignore[arg-type]
            start_time_unix_nano=r.start_ns,
            end_time_unix_nano=r.end_ns,
            attributes=kvs(r.attributes),
            status=Status(code=Status.STATUS_CODE_ERROR) if r.error else Status(),
            flags=0x101 | (0x200 if r.remote_parent else 0),
        )
        for r in records
    ]
    scope = ScopeSpans(scope=InstrumentationScope(name="modelyard.gateway"), spans=spans)
    resource_spans = ResourceSpans(resource=Resource(attributes=kvs(resource)), scope_spans=[scope])
    return ExportTraceServiceRequest(resource_spans=[resource_spans])


def _records() -> list[SpanRecord]:
    server = SpanRecord(
        (1 << 127) | 5,
        (1 << 63) | 7,
        0xABCDEF,
        "chat my-model",
        SERVER,
        1_700_000_000_123_456_789,
        dict(ATTRIBUTES),
        end_ns=1_700_000_000_987_654_321,
        error=True,
        trace_state="vendor=abc,other=1",
        remote_parent=True,
    )
    client = SpanRecord(
        server.trace_id, 9, server.span_id, "chat gpt-4o", CLIENT, 5, {"a.one": 1}, end_ns=6
    )
    return [server, client]


@pytest.mark.parametrize("repeat", [1, 2])  # the second time from the KeyValue cache
def test_parses_into_the_request_the_official_messages_build(repeat: int) -> None:
    resource = {"service.name": "modelyard", "telemetry.sdk.version": "1.0"}
    records = _records()
    for _ in range(repeat):
        data = otlp_wire.export_request(records, resource, "modelyard.gateway")
    parsed = ExportTraceServiceRequest()
    parsed.ParseFromString(data)
    assert parsed == _official(records, resource)
    assert parsed.resource_spans[0].scope_spans[0].spans[0].attributes[8].value.int_value == 1


def test_varints() -> None:
    assert otlp_wire.varint(0) == b"\x00" and otlp_wire.varint(127) == b"\x7f"
    assert otlp_wire.varint(300) == b"\xac\x02"
    assert otlp_wire.varint(-1) == b"\xff" * 9 + b"\x01"
