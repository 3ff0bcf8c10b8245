"""The adapter protocols. A wire module builds an :class:`UpstreamRequest` from an internal
request and parses the provider's bytes back into internal types; it never does I/O.

A :class:`Target` is where one call goes (deployment + model key); its :class:`Connection`
knows the provider's URLs and auth headers, so one wire format serves several providers
(OpenAI, Azure, Mistral, DeepSeek, xAI and any OpenAI-compatible server share one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from modelyard.errors import UpstreamError
from modelyard.llm_types import (
    ChatRequest,
    ChatResponse,
    EmbeddingRequest,
    EmbeddingResponse,
    ImageRequest,
    ImageResponse,
    InputFile,
    StreamEvent,
)


class UpstreamProtocolError(UpstreamError):
    """The provider answered with something its own wire format does not allow."""


class Connection(Protocol):
    """Endpoint and auth of one provider."""

    @property
    def default_base_url(self) -> str: ...

    def url(self, target: Target, operation: str, *, stream: bool = False) -> str: ...

    def headers(self, target: Target) -> dict[str, str]: ...


@dataclass(frozen=True, slots=True)
class Target:
    """One deployment ready to be called: its model key's endpoint and the model identifier."""

    provider: str
    connection: Connection
    model: str
    secret: str = field(repr=False)
    base_url: str | None = None
    api_version: str | None = None
    organization: str | None = None

    @property
    def base(self) -> str:
        return (self.base_url or self.connection.default_base_url).rstrip("/")

    def url(self, operation: str, *, stream: bool = False) -> str:
        return self.connection.url(self, operation, stream=stream)

    def headers(self) -> dict[str, str]:
        return self.connection.headers(self)


@dataclass(slots=True)
class UpstreamRequest:
    """An HTTP request to send: JSON (``json``) or multipart form (``form``)."""

    url: str
    headers: dict[str, str]
    json: dict[str, Any] | None = None
    form: list[tuple[str, str | InputFile]] | None = None
    stream: bool = False
    method: str = "POST"


class StreamDecoder(Protocol):
    """Turns the bytes of a streamed answer into internal events, chunk by chunk."""

    def feed(self, chunk: bytes) -> list[StreamEvent]: ...

    @property
    def finished(self) -> bool:
        """True once the wire format's end-of-stream marker has been seen."""
        ...


class ChatWire(Protocol):
    def build_chat(self, request: ChatRequest, target: Target) -> UpstreamRequest: ...

    def parse_chat(self, body: bytes) -> ChatResponse: ...

    def stream_decoder(self) -> StreamDecoder: ...

    def error_message(self, body: bytes) -> str | None:
        """The provider's own error message in an error body, if it has one."""
        ...


class EmbeddingWire(Protocol):
    def build_embeddings(self, request: EmbeddingRequest, target: Target) -> UpstreamRequest: ...

    def parse_embeddings(
        self, body: bytes, request: EmbeddingRequest | None = None
    ) -> EmbeddingResponse:
        """The vectors and usage; ``request`` lets wires without a usage block estimate it."""
        ...

    def error_message(self, body: bytes) -> str | None: ...


class ImageWire(Protocol):
    def build_images(self, request: ImageRequest, target: Target) -> UpstreamRequest:
        """Generation, or an edit when ``request.images`` is not empty."""
        ...

    def parse_images(self, body: bytes) -> ImageResponse: ...

    def error_message(self, body: bytes) -> str | None: ...
