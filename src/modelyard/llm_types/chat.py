"""Chat: messages made of parts, tools, and the request and answer of one completion call."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from modelyard.llm_types.usage import Usage

Role = Literal["system", "user", "assistant", "tool"]
FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "error"]


@dataclass(slots=True)
class TextPart:
    """``cache_control`` is Anthropic's prompt-cache marker (``{"type": "ephemeral"}``,
    optionally with ``ttl``): the prompt up to this part may be cached. Adapters of providers
    without explicit markers ignore it (a hint: their caching is automatic)."""

    text: str
    cache_control: dict[str, Any] | None = None


@dataclass(slots=True)
class ImagePart:
    """An image input: an ``https:`` URL or a ``data:<media type>;base64,...`` URL."""

    url: str
    detail: str | None = None
    cache_control: dict[str, Any] | None = None  # see TextPart.cache_control

    @property
    def is_data_url(self) -> bool:
        return self.url.startswith("data:")

    def data(self) -> tuple[str, str]:
        """(media type, base64 data) of a data URL."""
        header, _, payload = self.url.partition(",")
        media_type = header[5:].split(";", 1)[0] or "application/octet-stream"
        return media_type, payload


@dataclass(slots=True)
class FilePart(ImagePart):
    """A document input (a PDF): ``url`` is a ``data:<media type>;base64,...`` URL.

    A subclass of :class:`ImagePart` so adapters that know only images still type-check; the
    router refuses it (400 naming the part) for wires that do not declare ``"file"`` in
    their ``carries``, before any adapter sees it.
    """

    filename: str | None = None


@dataclass(slots=True)
class AudioPart(ImagePart):
    """An audio input (``input_audio``): ``url`` is ``data:audio/<format>;base64,...``;
    refused like :class:`FilePart` where the wire does not declare ``"input_audio"``."""

    format: str = "wav"


Part = TextPart | ImagePart


@dataclass(slots=True)
class ToolCall:
    """One function call of an assistant message.

    ``provider_data`` is opaque state the provider wants back with this call on the next turn
    (Gemini's ``thoughtSignature``, Anthropic's signed thinking blocks). Only the adapter that
    wrote it reads it; each prefixes it with its own tag, so data from another wire is ignored.
    ``provider_origin`` names the deployment model that wrote it (``"<provider>:<model
    identifier>"``, see :mod:`~modelyard.llm_types.provider_data`), None when unknown.
    """

    id: str
    name: str
    arguments: str  # a JSON document, as the model produced it
    provider_data: str | None = None
    provider_origin: str | None = None


@dataclass(slots=True)
class Message:
    role: Role
    parts: list[Part] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_call_id: str | None = None  # role "tool": which call this answers
    name: str | None = None
    reasoning: str | None = None
    # Reasoning items of a Responses-API turn, as the caller sent them back (encrypted content
    # included): only the Responses wire reads them, every other wire leaves them out.
    reasoning_items: list[dict[str, Any]] | None = None
    is_error: bool = False  # role "tool": the tool failed (Anthropic's tool_result is_error)

    @property
    def text(self) -> str:
        """All text parts joined (what a text-only wire format can carry)."""
        return "".join(part.text for part in self.parts if isinstance(part, TextPart))

    @property
    def has_images(self) -> bool:
        return any(isinstance(part, ImagePart) for part in self.parts)


@dataclass(slots=True)
class ToolSpec:
    name: str
    description: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    cache_control: dict[str, Any] | None = None  # see TextPart.cache_control


@dataclass(slots=True)
class ChatRequest:
    """One completion call, as the router hands it to an adapter.

    ``model`` is the upstream model identifier of the chosen deployment, not the caller's slug.
    ``tool_choice`` is ``"auto" | "none" | "required"`` or the name of one tool.
    """

    model: str
    messages: list[Message]
    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop: list[str] | None = None
    tools: list[ToolSpec] | None = None
    tool_choice: str | None = None
    parallel_tool_calls: bool | None = None
    response_format: dict[str, Any] | None = None
    reasoning_effort: str | None = None
    seed: int | None = None
    user: str | None = None
    stream: bool = False
    include_reasoning: bool = False
    top_k: int | None = None  # sample from the k likeliest tokens (Anthropic, Gemini)
    reasoning_budget: int | None = None  # a thinking budget in tokens, where asked in tokens
    include_encrypted_reasoning: bool = False  # Responses' include: reasoning.encrypted_content
    # Answer-changing options (carried in the wire's own form, or refused: ``uncarried``).
    logprobs: bool = False
    top_logprobs: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    logit_bias: dict[str, int] | None = None
    n: int = 1
    # Pure hints (metadata, store, service_tier, prompt_cache_key, safety_identifier,
    # verbosity...): sent where the upstream knows them, otherwise left out, never refused.
    hints: dict[str, Any] | None = None
    # Which special parts (``"file"``, ``"input_audio"``) the messages hold; set by the
    # inbound translator that made them, so checks need not walk the messages.
    part_kinds: frozenset[str] | None = None
    # ``anthropic-beta`` flags a Messages caller named that Anthropic upstreams get
    # (providers/anthropic_messages/betas.py); every other wire leaves them out.
    anthropic_betas: tuple[str, ...] = ()

    @property
    def system_text(self) -> str:
        return "\n\n".join(m.text for m in self.messages if m.role == "system")

    def replaced(self, **changes: Any) -> ChatRequest:
        """``dataclasses.replace`` for the hot path (each call shapes its request twice):
        a copy by one positional constructor call, a quarter of replace's 2 µs. Every field
        is listed here; tests/llm_types/test_chat_request.py checks that none is left out."""
        copy = ChatRequest(
            self.model,
            self.messages,
            self.max_tokens,
            self.temperature,
            self.top_p,
            self.stop,
            self.tools,
            self.tool_choice,
            self.parallel_tool_calls,
            self.response_format,
            self.reasoning_effort,
            self.seed,
            self.user,
            self.stream,
            self.include_reasoning,
            self.top_k,
            self.reasoning_budget,
            self.include_encrypted_reasoning,
            self.logprobs,
            self.top_logprobs,
            self.presence_penalty,
            self.frequency_penalty,
            self.logit_bias,
            self.n,
            self.hints,
            self.part_kinds,
            self.anthropic_betas,
        )
        for name, value in changes.items():
            setattr(copy, name, value)
        return copy

    def uncarried(self, carries: frozenset[str]) -> str | None:
        """The first answer-changing parameter present that a wire carrying ``carries`` would
        drop (None when all of them reach it): the router refuses such a call with a 400.
        ``"stream_n"`` in ``carries`` says the wire carries ``n`` > 1 with ``stream`` too."""
        if self.logprobs and "logprobs" not in carries:
            return "logprobs"
        if self.top_logprobs is not None and "top_logprobs" not in carries:
            return "top_logprobs"
        if self.presence_penalty is not None and "presence_penalty" not in carries:
            return "presence_penalty"
        if self.frequency_penalty is not None and "frequency_penalty" not in carries:
            return "frequency_penalty"
        if self.logit_bias and "logit_bias" not in carries:
            return "logit_bias"
        if self.n != 1 and ("n" not in carries or (self.stream and "stream_n" not in carries)):
            return "n"  # streamed, only wires whose streams tell the choices apart carry it
        if self.seed is not None and "seed" not in carries:
            return "seed"
        if self.stop and "stop" not in carries:
            return "stop"
        if self.top_k is not None and "top_k" not in carries:
            return "top_k"
        if self.part_kinds:
            for kind in sorted(self.part_kinds):
                if kind not in carries:
                    return kind
        return None


@dataclass(slots=True)
class ChatResponse:
    id: str
    model: str
    text: str
    usage: Usage
    finish_reason: FinishReason = "stop"
    tool_calls: list[ToolCall] = field(default_factory=list)
    reasoning: str | None = None
    # OpenAI's ``choices[].logprobs`` (``{"content": [...]}``) when the call asked for them.
    logprobs: dict[str, Any] | None = None
    # Choices 1..n-1 of an ``n`` > 1 call (their usage is in this answer's ``usage``).
    alternatives: list[ChatResponse] | None = None
    # A Responses-API upstream's reasoning items (with encrypted content when asked), for the
    # Responses edge to hand out as they came; None from every other wire.
    reasoning_items: list[dict[str, Any]] | None = None
    # The stop sequence that ended the answer, where the upstream says which (Anthropic).
    stop_sequence: str | None = None
