"""Each ``/v1`` call as an OpenTelemetry span, exported over OTLP/HTTP (protobuf).

Imported only when ``MODELYARD_OTLP_ENDPOINT`` is set (see :mod:`modelyard.operations.tracing`).
The edge opens a SERVER span per request (the caller's W3C ``traceparent`` continued, through
OpenTelemetry's propagator; sampled by the SDK's sampler as ``OTEL_TRACES_SAMPLER`` sets it),
the call path fills in the GenAI semantic-convention attributes, and each upstream attempt is
a CLIENT child span, so fallbacks are visible. Spans are plain records
(:mod:`modelyard.operations.trace_export`: the SDK's span objects and encoder cost a call its
whole cost again), exported by a thread of the app's own. Prompts and answers go into spans
only with ``MODELYARD_OTLP_CAPTURE_CONTENT=true``; error messages never do (codes only).
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from typing import Any

import anyio.to_thread
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import Decision
from opentelemetry.trace import SpanKind, get_current_span
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelyard.llm_types import ChatRequest, ChatResponse, Usage
from modelyard.operations import tracing
from modelyard.operations.trace_export import CLIENT, SERVER, SpanExporter, SpanRecord
from modelyard.operations.tracing_attributes import (
    error_type,
    input_messages,
    output_messages,
    provider_name,
)
from modelyard.request_ids import SCOPE_KEY
from modelyard.routing.snapshot import DeploymentConfig, ModelConfig

_PROPAGATOR = TraceContextTextMapPropagator()
_TRACE_HEADERS = (b"traceparent", b"tracestate")
_ids = random.Random()  # span and trace ids, as the SDK's RandomIdGenerator makes them


def traces_url(endpoint: str) -> str:
    """The collector's traces URL: ``endpoint`` as given when it names ``/v1/traces``, else
    with it appended (the OTLP convention for a base endpoint)."""
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith("/v1/traces") else endpoint + "/v1/traces"


def _new_id(bits: int) -> int:
    found = 0
    while not found:  # 0 is the invalid id
        found = _ids.getrandbits(bits)
    return found


class CallTrace:
    """One request's span and what the call path tells it, gathered in the record's dict."""

    __slots__ = ("attributes", "capture", "exporter", "name", "operation", "span")

    def __init__(self, exporter: SpanExporter, span: SpanRecord, capture: bool) -> None:
        self.exporter = exporter
        self.span = span
        self.capture = capture
        self.operation = "chat"
        self.name: str | None = None
        self.attributes: dict[str, Any] = span.attributes

    def started(self, operation: str, request_model: str, chat: ChatRequest | None) -> None:
        self.operation = operation
        self.name = f"{operation} {request_model}"
        found = self.attributes
        found["gen_ai.operation.name"] = operation
        found["gen_ai.request.model"] = request_model
        if chat is not None and self.capture:
            found["gen_ai.input.messages"] = input_messages(chat)

    def answered(
        self,
        model: ModelConfig,
        deployment: DeploymentConfig,
        usage: Usage,
        response_model: str | None,
        answer: ChatResponse | str | None,
    ) -> None:
        target = deployment.target
        found = self.attributes
        found["gen_ai.provider.name"] = provider_name(target.provider)
        found["gen_ai.response.model"] = response_model or target.model
        found["gen_ai.usage.input_tokens"] = usage.input_tokens
        found["gen_ai.usage.output_tokens"] = usage.output_tokens
        found["modelyard.model"] = model.slug
        found["modelyard.deployment.id"] = deployment.id
        if isinstance(answer, ChatResponse):
            found["gen_ai.response.finish_reasons"] = (answer.finish_reason,)
        if self.capture and answer is not None:
            found["gen_ai.output.messages"] = output_messages(answer)

    def failed(self, error: BaseException) -> None:
        self.attributes["error.type"] = error_type(error)

    def capture_list(self) -> list[str] | None:
        return [] if self.capture else None

    def attempt_started(self, model: ModelConfig, deployment: DeploymentConfig) -> SpanRecord:
        target = deployment.target
        call = self.span
        return SpanRecord(
            call.trace_id,
            _new_id(64),
            call.span_id,
            f"{self.operation} {target.model}",
            CLIENT,
            time.time_ns(),
            {
                "gen_ai.operation.name": self.operation,
                "gen_ai.provider.name": provider_name(target.provider),
                "gen_ai.request.model": target.model,
                "modelyard.model": model.slug,
                "modelyard.deployment.id": deployment.id,
            },
            trace_state=call.trace_state,
        )

    def attempt_ended(self, span: SpanRecord, error: BaseException | None) -> None:
        if error is None:
            span.attributes["modelyard.attempt.outcome"] = "ok"
        else:
            left = isinstance(error, asyncio.CancelledError)
            span.attributes["modelyard.attempt.outcome"] = "cancelled" if left else "error"
            span.attributes["error.type"] = error_type(error)
            span.error = True
        span.end_ns = time.time_ns()
        self.exporter.add(span)

    def end(self, scope: Scope, status: list[int]) -> None:
        """Name the span after the call, note the status, and hand it to the exporter."""
        span, found = self.span, self.attributes
        if self.name is not None:
            span.name = self.name
        request_id: Any = scope.get(SCOPE_KEY)
        if request_id is not None:
            found["modelyard.request_id"] = request_id
        if status:
            found["http.response.status_code"] = status[0]
            if status[0] >= 500:
                found.setdefault("error.type", str(status[0]))
                span.error = True
        span.end_ns = time.time_ns()
        self.exporter.add(span)


class TracingEdge:
    """Pure ASGI in front of the gateway: a SERVER span per request, the call's
    :class:`CallTrace` in :data:`tracing.CURRENT` while the gateway serves it (streams
    included: the span ends after the last byte)."""

    def __init__(self, app: ASGIApp, endpoint: str, capture: bool) -> None:
        self.app = app
        # The SDK's sampler as its environment variables choose it, and its resource (service
        # name, OTEL_RESOURCE_ATTRIBUTES...): read once here, never on a call.
        self.sampler = TracerProvider().sampler
        # Unset, the SDK's default is parentbased_always_on: decided here without a call.
        self.default_sampler = not os.environ.get("OTEL_TRACES_SAMPLER")
        resource = Resource.create({"service.name": "modelyard"})
        self.exporter = SpanExporter(traces_url(endpoint), resource.attributes)
        self.capture = capture

    async def aclose(self) -> None:
        """Export what is queued and stop the exporter (off the event loop: it may wait)."""
        await anyio.to_thread.run_sync(self.exporter.shutdown)

    def _span(self, scope: Scope) -> SpanRecord | None:
        """The request's SERVER span, continuing the caller's trace; None when sampled out."""
        carrier: dict[str, str] = {}
        for name, value in scope["headers"]:
            if name in _TRACE_HEADERS:
                carrier[name.decode("latin-1")] = value.decode("latin-1")
        parent = _PROPAGATOR.extract(carrier) if carrier else None
        remote = get_current_span(parent).get_span_context() if parent is not None else None
        if remote is not None and remote.is_valid:
            trace_id, parent_id, state = remote.trace_id, remote.span_id, remote.trace_state
        else:
            trace_id, parent_id, state = _new_id(128), 0, None
        method, path = scope["method"], scope["path"]
        name = f"{method} {path}"
        attributes = {"http.request.method": method, "url.path": path}
        if self.default_sampler:  # parent-based, always on: as the caller's trace flags say
            if remote is not None and remote.is_valid and not remote.trace_flags.sampled:
                return None
            trace_state = state
        else:
            decision = self.sampler.should_sample(
                parent, trace_id, name, SpanKind.SERVER, attributes
            )
            if decision.decision is not Decision.RECORD_AND_SAMPLE:  # RECORD_ONLY: not exported
                return None
            trace_state = decision.trace_state or state
        return SpanRecord(
            trace_id,
            _new_id(64),
            parent_id,
            name,
            SERVER,
            time.time_ns(),
            attributes,
            trace_state=trace_state.to_header() if trace_state else "",
            remote_parent=bool(parent_id),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        span = self._span(scope)
        if span is None:  # sampled out (OTEL_TRACES_SAMPLER): the hooks skip it
            await self.app(scope, receive, send)
            return
        status: list[int] = []

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        trace = CallTrace(self.exporter, span, self.capture)
        token = tracing.CURRENT.set(trace)
        try:
            await self.app(scope, receive, send_status)
        except BaseException as exc:
            trace.failed(exc)
            span.error = True
            raise
        finally:
            tracing.CURRENT.reset(token)
            trace.end(scope, status)
