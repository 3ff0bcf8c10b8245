"""The tracing work of one call, OpenTelemetry SDK against Modelyard's span records: two spans
(the call's SERVER span, one CLIENT attempt) made, filled in as the gateway fills them, ended,
then encoded as the OTLP export request, in one process, alternating, median of ``--rounds``.

    .venv/bin/python bench/trace_spans.py [--calls 500] [--rounds 7]

It prints microseconds per call for each and their ratio (read the ratio on a busy machine).
The whole call's cost with tracing on is measured by ``bench/instructions.py --otlp``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import SpanKind, set_span_in_context

from modelyard.operations.trace_export import CLIENT, SERVER, SpanRecord, encode
from modelyard.operations.tracing_otel import _new_id

SERVER_START = {"http.request.method": "POST", "url.path": "/v1/chat/completions"}
ATTEMPT = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o",
    "modelyard.model": "gpt-4o",
    "modelyard.deployment.id": "dep_0123456789abcdef",
}


def _call_attributes(number: int) -> dict[str, Any]:
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.provider.name": "openai",
        "gen_ai.response.model": "gpt-4o-2024-08-06",
        "gen_ai.usage.input_tokens": 100 + number % 50,
        "gen_ai.usage.output_tokens": 20 + number % 30,
        "modelyard.model": "gpt-4o",
        "modelyard.deployment.id": "dep_0123456789abcdef",
        "gen_ai.response.finish_reasons": ("stop",),
        "modelyard.request_id": f"req_{number:024d}",
        "http.response.status_code": 200,
    }


class _Keep(SpanExporter):
    def __init__(self) -> None:
        self.spans: list[ReadableSpan] = []

    def export(self, spans: Any) -> SpanExportResult:
        self.spans.extend(spans)
        return SpanExportResult.SUCCESS


def sdk_round(calls: int) -> float:
    kept = _Keep()
    provider = TracerProvider(resource=Resource.create({"service.name": "modelyard"}))
    provider.add_span_processor(SimpleSpanProcessor(kept))
    tracer = provider.get_tracer("modelyard.gateway")
    started = time.perf_counter()
    for number in range(calls):
        call = tracer.start_span(
            "POST /v1/chat/completions", kind=SpanKind.SERVER, attributes=SERVER_START
        )
        attempt = tracer.start_span(
            "chat gpt-4o",
            context=set_span_in_context(call),
            kind=SpanKind.CLIENT,
            attributes=ATTEMPT,
        )
        attempt.set_attribute("modelyard.attempt.outcome", "ok")
        attempt.end()
        call.update_name("chat gpt-4o")
        call.set_attributes(_call_attributes(number))
        call.end()
    encode_spans(kept.spans).SerializePartialToString()
    return (time.perf_counter() - started) / calls * 1e6


def records_round(calls: int) -> float:
    kept: list[SpanRecord] = []
    resource = dict(Resource.create({"service.name": "modelyard"}).attributes)
    started = time.perf_counter()
    for number in range(calls):
        call = SpanRecord(
            _new_id(128),
            _new_id(64),
            0,
            "POST /v1/chat/completions",
            SERVER,
            time.time_ns(),
            dict(SERVER_START),
        )
        attempt = SpanRecord(
            call.trace_id,
            _new_id(64),
            call.span_id,
            "chat gpt-4o",
            CLIENT,
            time.time_ns(),
            dict(ATTEMPT),
        )
        attempt.attributes["modelyard.attempt.outcome"] = "ok"
        attempt.end_ns = time.time_ns()
        kept.append(attempt)
        call.name = "chat gpt-4o"
        call.attributes.update(_call_attributes(number))
        call.end_ns = time.time_ns()
        kept.append(call)
    encode(kept, resource)
    return (time.perf_counter() - started) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    rounds: dict[str, list[float]] = {"sdk": [], "records": []}
    ways: dict[str, Callable[[int], float]] = {"sdk": sdk_round, "records": records_round}
    for _ in range(args.rounds):
        for name, way in ways.items():
            rounds[name].append(way(args.calls))
    sdk, ours = (statistics.median(rounds[name]) for name in ("sdk", "records"))
    print(f"OpenTelemetry SDK spans + OTLP encoder: {sdk:8.1f} us per call (median)")
    print(f"Modelyard span records + otlp_wire:     {ours:8.1f} us per call (median)")
    print(f"ratio: {sdk / ours:.1f}x")


if __name__ == "__main__":
    main()
