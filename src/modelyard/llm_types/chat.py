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

    @property
    def is_data_url(self) -> bool:
        return self.url.startswith("data:")

    def data(self) -> tuple[str, str]:
        """(media type, base64 data) of a data URL."""
        header, _, payload = self.url.partition(",")
        media_type = header[5:].split(";", 1)[0] or "application/octet-stream"
        return media_type, payload


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
        )
        for name, value in changes.items():
            setattr(copy, name, value)
        return copy


@dataclass(slots=True)
class ChatResponse:
    id: str
    model: str
    text: str
    usage: Usage
    finish_reason: FinishReason = "stop"
    tool_calls: list[ToolCall] = field(default_factory=list)
    reasoning: str | None = None
    # A Responses-API upstream's reasoning items (with encrypted content when asked), for the
    # Responses edge to hand out as they came; None from every other wire.
    reasoning_items: list[dict[str, Any]] | None = None
