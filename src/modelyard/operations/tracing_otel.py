"""Each ``/v1`` call as an OpenTelemetry span, exported over OTLP/HTTP (protobuf).

Imported only when ``MODELYARD_OTLP_ENDPOINT`` is set (see :mod:`modelyard.operations.tracing`).
The edge opens a SERVER span per request (the caller's W3C ``traceparent`` continued), the
call path fills in the GenAI semantic-convention attributes, and each upstream attempt is a
CLIENT child span, so fallbacks are visible. A batch processor exports on its own thread; the
tracer provider belongs to the app (not the process-global one). Prompts and answers go into
spans only with ``MODELYARD_OTLP_CAPTURE_CONTENT=true``; error messages never do (codes only).
"""

from __future__ import annotations

import asyncio
from typing import Any

import anyio.to_thread
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer, set_span_in_context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelyard.llm_types import ChatRequest, ChatResponse, Usage
from modelyard.operations import tracing
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


def traces_url(endpoint: str) -> str:
    """The collector's traces URL: ``endpoint`` as given when it names ``/v1/traces``, else
    with it appended (the OTLP convention for a base endpoint)."""
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith("/v1/traces") else endpoint + "/v1/traces"


def tracer_provider(endpoint: str) -> TracerProvider:
    """An app's own provider: a batch processor exporting protobuf over OTLP/HTTP, every 5 s
    (the SDK's default; ``OTEL_BSP_SCHEDULE_DELAY`` and the other ``OTEL_BSP_*`` apply): one
    export's HTTP request is shared by all the calls of its interval."""
    provider = TracerProvider(resource=Resource.create({"service.name": "modelyard"}))
    exporter = OTLPSpanExporter(endpoint=traces_url(endpoint), timeout=10)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


class CallTrace:
    """One request's span and what the call path tells it: attributes gathered in a plain
    dict and set on the span once, at its end (each ``set_attribute`` takes a lock and
    validates)."""

    __slots__ = ("attributes", "capture", "name", "operation", "span", "tracer")

    def __init__(self, tracer: Tracer, span: Span, capture: bool) -> None:
        self.tracer = tracer
        self.span = span
        self.capture = capture
        self.operation = "chat"
        self.name: str | None = None
        self.attributes: dict[str, Any] = {}

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

    def attempt_started(self, model: ModelConfig, deployment: DeploymentConfig) -> Span:
        target = deployment.target
        return self.tracer.start_span(
            f"{self.operation} {target.model}",
            context=set_span_in_context(self.span),
            kind=SpanKind.CLIENT,
            attributes={
                "gen_ai.operation.name": self.operation,
                "gen_ai.provider.name": provider_name(target.provider),
                "gen_ai.request.model": target.model,
                "modelyard.model": model.slug,
                "modelyard.deployment.id": deployment.id,
            },
        )

    def attempt_ended(self, span: Span, error: BaseException | None) -> None:
        if error is None:
            span.set_attribute("modelyard.attempt.outcome", "ok")
        else:
            left = isinstance(error, asyncio.CancelledError)
            outcome = "cancelled" if left else "error"
            span.set_attributes(
                {"modelyard.attempt.outcome": outcome, "error.type": error_type(error)}
            )
            span.set_status(Status(StatusCode.ERROR))
        span.end()

    def end(self, scope: Scope, status: list[int]) -> None:
        """Name the span after the call, set what was gathered, and end it."""
        span, found = self.span, self.attributes
        if self.name is not None:
            span.update_name(self.name)
        request_id: Any = scope.get(SCOPE_KEY)
        if request_id is not None:
            found["modelyard.request_id"] = request_id
        if status:
            found["http.response.status_code"] = status[0]
            if status[0] >= 500:
                found.setdefault("error.type", str(status[0]))
                span.set_status(Status(StatusCode.ERROR))
        span.set_attributes(found)
        span.end()


class TracingEdge:
    """Pure ASGI in front of the gateway: a SERVER span per request, the call's
    :class:`CallTrace` in :data:`tracing.CURRENT` while the gateway serves it (streams
    included: the span ends after the last byte)."""

    def __init__(self, app: ASGIApp, endpoint: str, capture: bool) -> None:
        self.app = app
        self.provider = tracer_provider(endpoint)
        self.tracer = self.provider.get_tracer("modelyard.gateway")
        self.capture = capture

    async def aclose(self) -> None:
        """Export what is queued and stop the exporter (off the event loop: it may wait)."""
        await anyio.to_thread.run_sync(self.provider.shutdown)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        carrier: dict[str, str] = {}
        for name, value in scope["headers"]:
            if name in _TRACE_HEADERS:
                carrier[name.decode("latin-1")] = value.decode("latin-1")
        parent = _PROPAGATOR.extract(carrier) if carrier else None
        method, path = scope["method"], scope["path"]
        span = self.tracer.start_span(
            f"{method} {path}",
            context=parent,
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "url.path": path},
        )
        if not span.is_recording():  # sampled out (OTEL_TRACES_SAMPLER): the hooks skip it
            await self.app(scope, receive, send)
            return
        status: list[int] = []

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        trace = CallTrace(self.tracer, span, self.capture)
        token = tracing.CURRENT.set(trace)
        try:
            await self.app(scope, receive, send_status)
        except BaseException as exc:
            trace.failed(exc)
            span.set_status(Status(StatusCode.ERROR))
            raise
        finally:
            tracing.CURRENT.reset(token)
            trace.end(scope, status)
