"""Which connection and which wire modules serve each provider: data, not an elif chain.

Adding a provider that speaks an existing wire format is one line here plus its connection;
adding a wire format is one module plus its line here.
"""

from __future__ import annotations

from dataclasses import dataclass

from modelyard.errors import BadRequest
from modelyard.providers import (
    anthropic_messages,
    connections,
    gemini,
    openai_chat,
    openai_embeddings,
    openai_images,
    openai_responses,
)
from modelyard.providers.base import ChatWire, Connection, EmbeddingWire, ImageWire


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    connection: Connection
    chat: ChatWire
    responses: ChatWire | None = None  # OpenAI's Responses API, where the provider has it
    embeddings: EmbeddingWire | None = None
    images: ImageWire | None = None


def _openai_wire(connection: Connection, *, responses: bool = False) -> ProviderSpec:
    """A provider speaking OpenAI's API at its own endpoint."""
    return ProviderSpec(
        connection,
        chat=openai_chat.WIRE,
        responses=openai_responses.WIRE if responses else None,
        embeddings=openai_embeddings.WIRE,
        images=openai_images.WIRE,
    )


PROVIDERS: dict[str, ProviderSpec] = {
    "openai": _openai_wire(connections.OPENAI, responses=True),
    "azure": _openai_wire(connections.AZURE, responses=True),
    "mistral": _openai_wire(connections.MISTRAL),
    "deepseek": ProviderSpec(connections.DEEPSEEK, chat=openai_chat.WIRE),
    "xai": _openai_wire(connections.XAI),
    "openai_compatible": _openai_wire(connections.OPENAI_COMPATIBLE),
    "anthropic": ProviderSpec(connections.ANTHROPIC, chat=anthropic_messages.WIRE),
    "google": ProviderSpec(
        connections.GOOGLE,
        chat=gemini.CHAT_WIRE,
        embeddings=gemini.EMBEDDING_WIRE,
        images=gemini.IMAGE_WIRE,
    ),
}


def spec_for(provider: str) -> ProviderSpec:
    try:
        return PROVIDERS[provider]
    except KeyError:
        raise BadRequest(f"No adapter for provider '{provider}'.") from None


def connection_for(provider: str) -> Connection:
    return spec_for(provider).connection


def chat_wire(provider: str, *, responses_api: bool) -> ChatWire:
    spec = spec_for(provider)
    if responses_api and spec.responses is not None:
        return spec.responses
    return spec.chat


def embedding_wire(provider: str) -> EmbeddingWire:
    wire = spec_for(provider).embeddings
    if wire is None:
        raise BadRequest(f"Provider '{provider}' has no embeddings API.", param="model")
    return wire


def image_wire(provider: str) -> ImageWire:
    wire = spec_for(provider).images
    if wire is None:
        raise BadRequest(f"Provider '{provider}' has no image API.", param="model")
    return wire
