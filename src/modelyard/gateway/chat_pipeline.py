"""One completion call through the hub, whatever API it came in by.

Chat Completions, Responses and Messages differ only at their edges: an inbound module
translates the caller's body into one :class:`~modelyard.llm_types.ChatRequest`, this module
runs it (assistants, model rules, budgets, routing over deployments and fallbacks, TPM,
metering, settling), and an outbound module renders the :class:`ChatResponse` or the stream of
internal events in the caller's format. Adding an inbound format is a translator, never a
second copy of the call.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import anyio

from modelyard.errors import CallerLeft, ModelyardError, UpstreamError
from modelyard.gateway.assistants import resolve_chat
from modelyard.gateway.context import CallMeter, GatewayContext, routed_headers
from modelyard.llm_types import (
    ChatRequest,
    ChatResponse,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
    UsageReport,
)
from modelyard.operations import tracing
from modelyard.routing import dispatch
from modelyard.routing.config_store import Caller
from modelyard.routing.policy import shape_chat
from modelyard.routing.router import Routed
from modelyard.routing.snapshot import DeploymentConfig, ModelConfig
from modelyard.routing.tokens import CHARS_PER_TOKEN

_CONTENT = (TextDelta, ReasoningDelta, ToolCallDelta)


class _OpenStream:
    """An upstream stream whose first events already arrived (so it is safe to commit to)."""

    def __init__(self, first: list[StreamEvent], rest: AsyncIterator[list[StreamEvent]]) -> None:
        self._first = first
        self._rest = rest

    async def batches(self) -> AsyncIterator[list[StreamEvent]]:
        if self._first:
            yield self._first
        async for batch in self._rest:
            yield batch


async def _open(
    ctx: GatewayContext, model: ModelConfig, deployment: DeploymentConfig, request: ChatRequest
) -> _OpenStream:
    """Open the stream and wait for its first real event: a failure before that may still go
    to another deployment or fallback, since nothing has reached the caller yet."""
    batches = await dispatch.chat_stream(ctx.upstream, model, deployment, request)
    first: list[StreamEvent] = []
    async for batch in batches:
        first.extend(batch)
        if any(isinstance(event, _CONTENT) for event in batch):
            break
    return _OpenStream(first, batches)


@dataclass
class ChatCall:
    """A call admitted by its budgets, ready to route: ``chat`` is the request after
    assistants resolved it, ``primary`` the model it is for."""

    ctx: GatewayContext
    chat: ChatRequest
    primary: ModelConfig
    meter: CallMeter
    chain: list[ModelConfig]
    prepared: dict[str, tuple[ChatRequest, int]] = field(default_factory=dict)

    def prepare(self, model: ModelConfig) -> int:
        """The request shaped for ``model`` (once per model: budget admission and the router
        both ask) and the tokens the router reserves for it (``n`` choices: ``n`` outputs)."""
        done = self.prepared.get(model.id)
        choices = max(1, self.chat.n)  # every choice may write max_tokens
        if done is None:
            done = shape_chat(model, self.chat)
            self.prepared[model.id] = done
            self.meter.expect(done[1], (done[0].max_tokens or 0) * choices, model=model)
        return done[1] + (done[0].max_tokens or 0) * choices


async def start(
    ctx: GatewayContext,
    caller: Caller,
    chat: ChatRequest,
    *,
    endpoint: str = "chat",
    request_id: str | None = None,
) -> ChatCall:
    """Resolve the model (or assistant), start the meter and pass the budgets (a 429, or the
    budget's fallback model as the chain's first)."""
    started, started_at = time.perf_counter(), datetime.now(UTC)
    if tracing.ON:
        tracing.started("chat", chat.model, chat)
    config = await ctx.config.workspace(caller.workspace_id)
    chat, primary = await resolve_chat(ctx, config, caller, chat)
    meter = CallMeter(
        ctx,
        caller,
        endpoint,
        primary,
        started,
        started_at,
        stream=chat.stream,
        request_id=request_id,
    )
    call = ChatCall(ctx, chat, primary, meter, chain=[])
    call.chain = ctx.router.chain(config, await meter.admit(config, primary, call.prepare))
    return call


async def complete(call: ChatCall) -> tuple[Routed[ChatResponse], ChatResponse]:
    """Route the call to its answer; recorded and settled when this returns."""
    ctx, meter = call.ctx, call.meter

    async def attempt(model: ModelConfig, deployment: DeploymentConfig) -> ChatResponse:
        return await dispatch.chat(ctx.upstream, model, deployment, call.prepared[model.id][0])

    try:
        routed = await ctx.router.route(
            call.chain, call.prepare, meter.upstream(attempt), meter.path
        )
    except ModelyardError as exc:
        meter.failed(exc)
        if tracing.ON:
            tracing.failed(exc)
        raise
    answer = routed.value
    meter.done(routed, answer.usage)
    if tracing.ON:
        tracing.answered(routed.model, routed.deployment, answer.usage, answer.model, answer)
    await ctx.router.settle(routed, answer.usage.total_tokens)
    return routed, answer


@dataclass
class ChatStream:
    """An answer that streams: ``model`` answered (after fallbacks), ``headers`` say so.

    Iterate :meth:`events` (inside ``contextlib.aclosing``) for the content events; the usage
    reports are summed into ``usage`` instead. When the upstream's stream ends the call is
    recorded before the iteration returns, so the renderer's last bytes go out after it; an
    upstream failure is recorded, then raised (a :class:`ModelyardError`) for the renderer to
    end its stream with its own error event; a caller who leaves is recorded as such.
    """

    call: ChatCall
    opened: Routed[_OpenStream]
    usage: Usage = field(default_factory=Usage)

    @property
    def model(self) -> ModelConfig:
        return self.opened.model

    @property
    def headers(self) -> dict[str, str]:
        return routed_headers(self.opened)

    @property
    def prompt_estimate(self) -> int:
        return self.call.prepared[self.model.id][1]

    def _traced(
        self, usage: Usage, error: ModelyardError | None, captured: list[str] | None
    ) -> None:
        opened = self.opened
        answer = "".join(captured) if captured is not None else None
        tracing.answered(opened.model, opened.deployment, usage, None, answer)
        if error is not None:
            tracing.failed(error)

    async def events(self) -> AsyncGenerator[list[StreamEvent], None]:
        meter, usage = self.call.meter, self.usage
        relayed_chars = 0
        error: ModelyardError | None = None
        completed = False
        captured = tracing.capturing() if tracing.ON else None
        try:
            async for batch in self.opened.value.batches():
                content: list[StreamEvent] = []
                for event in batch:
                    if isinstance(event, UsageReport):
                        usage.add(event.usage)
                        continue
                    if isinstance(event, TextDelta | ReasoningDelta):
                        relayed_chars += len(event.text)
                        if captured is not None and type(event) is TextDelta and not event.choice:
                            captured.append(event.text)
                    content.append(event)
                if content:
                    if meter.first_token_at is None:  # what time-to-first-token measures
                        meter.first_token_at = time.perf_counter()
                    yield content
            # Complete: recorded before the renderer's last bytes, so no kill or departure
            # from here on can lose the record.
            completed = True
            meter.done(self.opened, usage)
        except ModelyardError as exc:
            error = exc
            completed = True
            raise
        except Exception:
            error = UpstreamError("The stream failed unexpectedly.", code="stream_failed")
            completed = True
            raise error from None
        finally:
            if not completed:
                error = CallerLeft("The caller left before the answer was complete.")
            if error is not None:
                if usage.total_tokens == 0:
                    # No usage report arrived (cut or abandoned stream): count what was relayed.
                    usage.input_tokens = self.prompt_estimate
                    usage.output_tokens = relayed_chars // CHARS_PER_TOKEN
                meter.done(self.opened, usage, error)
            if tracing.ON:
                self._traced(usage, error, captured)
            with anyio.CancelScope(shield=True):  # the caller may have left: settle regardless
                await self.call.ctx.router.settle(self.opened, usage.total_tokens)


async def open_stream(call: ChatCall) -> ChatStream:
    """Route the call to a stream whose first content already arrived."""
    ctx, meter = call.ctx, call.meter

    async def attempt(model: ModelConfig, deployment: DeploymentConfig) -> _OpenStream:
        return await _open(ctx, model, deployment, call.prepared[model.id][0])

    try:
        opened = await ctx.router.route(
            call.chain, call.prepare, meter.upstream(attempt), meter.path
        )
    except ModelyardError as exc:
        meter.failed(exc)
        if tracing.ON:
            tracing.failed(exc)
        raise
    return ChatStream(call, opened)
