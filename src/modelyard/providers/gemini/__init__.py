"""The Google Gemini wire format (``generateContent``), behind ``connections.GOOGLE``.

Module-level instances:

- ``CHAT_WIRE`` (:class:`ChatWire`): ``generateContent`` / ``streamGenerateContent?alt=sse``.
- ``EMBEDDING_WIRE`` (:class:`EmbeddingWire`): ``batchEmbedContents``.
- ``IMAGE_WIRE`` (:class:`ImageWire`): image models through ``generateContent``.

Modules: ``request`` (chat request body), ``response`` (one answer or stream chunk, read),
``stream`` (SSE decoder), ``chat``, ``embeddings``, ``images``, ``common``.
"""

from __future__ import annotations

from modelyard.providers.base import ChatWire, EmbeddingWire, ImageWire
from modelyard.providers.gemini.chat import GeminiChatWire
from modelyard.providers.gemini.embeddings import GeminiEmbeddingWire, estimated_usage
from modelyard.providers.gemini.images import GeminiImageWire
from modelyard.providers.gemini.stream import GeminiStreamDecoder

CHAT_WIRE: ChatWire = GeminiChatWire()
EMBEDDING_WIRE: EmbeddingWire = GeminiEmbeddingWire()
IMAGE_WIRE: ImageWire = GeminiImageWire()

__all__ = [
    "CHAT_WIRE",
    "EMBEDDING_WIRE",
    "IMAGE_WIRE",
    "GeminiChatWire",
    "GeminiEmbeddingWire",
    "GeminiImageWire",
    "GeminiStreamDecoder",
    "estimated_usage",
]
