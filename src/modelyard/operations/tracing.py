"""The gateway's hooks into OpenTelemetry traces, free when tracing is off.

Nothing here imports ``opentelemetry``: :func:`wrap_gateway` imports
:mod:`modelyard.operations.tracing_otel` only when ``MODELYARD_OTLP_ENDPOINT`` is set, and flips
:data:`ON`. Every hook on the call path is guarded by ``if tracing.ON:`` at its call site (one
attribute check per call when off); the hooks themselves find the call's trace in a context
variable the traced gateway sets, so a process serving an untraced app as well (tests) traces
only the calls of the traced one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from modelyard.llm_types import ChatRequest, ChatResponse, Usage
    from modelyard.operations.tracing_otel import CallTrace
    from modelyard.routing.snapshot import DeploymentConfig, ModelConfig
    from modelyard.settings import Settings

T = TypeVar("T")

# True once an app of this process traces its calls: the one check the hooks cost when off.
ON = False

# The trace of the call being served (set by the traced gateway's edge for each request).
CURRENT: ContextVar[CallTrace | None] = ContextVar("modelyard_call_trace", default=None)


def wrap_gateway(gateway: ASGIApp, settings: Settings, shutdown: AsyncExitStack) -> ASGIApp:
    """``gateway`` itself when tracing is off; else behind the edge that makes each request a
    span (continuing the caller's ``traceparent``) and exports it over OTLP/HTTP. The spans
    still queued are exported when ``shutdown`` (the app's lifespan) closes: uvicorn ends on
    SIGTERM by re-raising it, so no ``atexit`` handler would run."""
    if not settings.otlp_endpoint:
        return gateway
    from modelyard.operations.tracing_otel import TracingEdge

    global ON
    ON = True
    edge = TracingEdge(gateway, settings.otlp_endpoint, settings.otlp_capture_content)
    shutdown.push_async_callback(edge.aclose)
    return edge


def started(operation: str, request_model: str, chat: ChatRequest | None = None) -> None:
    """The call is a GenAI ``operation`` for ``request_model`` (as the caller named it)."""
    trace = CURRENT.get()
    if trace is not None:
        trace.started(operation, request_model, chat)


def answered(
    model: ModelConfig,
    deployment: DeploymentConfig,
    usage: Usage,
    response_model: str | None = None,
    answer: ChatResponse | str | None = None,
) -> None:
    """Which model and deployment answered, with what usage (and, captured, the answer)."""
    trace = CURRENT.get()
    if trace is not None:
        trace.answered(model, deployment, usage, response_model, answer)


def failed(error: BaseException) -> None:
    """The call failed with ``error`` (its code names the failure on the span)."""
    trace = CURRENT.get()
    if trace is not None:
        trace.failed(error)


def capturing() -> list[str] | None:
    """A list to collect a stream's answer text into when content is captured, else None."""
    trace = CURRENT.get()
    return trace.capture_list() if trace is not None else None


def traced_attempt(
    attempt: Callable[[ModelConfig, DeploymentConfig], Awaitable[T]],
) -> Callable[[ModelConfig, DeploymentConfig], Awaitable[T]]:
    """``attempt`` as a child span of the call's per upstream attempt (deployment, provider,
    outcome): fallbacks show as sibling attempts."""
    trace = CURRENT.get()
    if trace is None:
        return attempt

    async def traced(model: ModelConfig, deployment: DeploymentConfig) -> T:
        span: Any = trace.attempt_started(model, deployment)
        try:
            value = await attempt(model, deployment)
        except BaseException as exc:
            trace.attempt_ended(span, exc)
            raise
        trace.attempt_ended(span, None)
        return value

    return traced
