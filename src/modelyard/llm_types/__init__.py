"""The one provider-neutral vocabulary: requests, messages, content parts, responses, usage and
stream events. The gateway's OpenAI dialect and every provider wire format translate to and from
these types; nothing here knows any wire format.

Plain slotted dataclasses rather than pydantic models: they are built once or twice per call on
the hot path, and validation already happened at the edge.
"""

from modelyard.llm_types.chat import (
    ChatRequest,
    ChatResponse,
    ImagePart,
    Message,
    Part,
    TextPart,
    ToolCall,
    ToolSpec,
)
from modelyard.llm_types.media import (
    EmbeddingRequest,
    EmbeddingResponse,
    GeneratedImage,
    ImageRequest,
    ImageResponse,
    InputFile,
)
from modelyard.llm_types.provider_data import (
    bind_answer,
    bind_events,
    origin_of,
    strip_foreign_provider_data,
)
from modelyard.llm_types.stream import (
    Finish,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    UsageReport,
)
from modelyard.llm_types.usage import Usage

__all__ = [
    "ChatRequest",
    "ChatResponse",
    "EmbeddingRequest",
    "EmbeddingResponse",
    "Finish",
    "GeneratedImage",
    "ImagePart",
    "ImageRequest",
    "ImageResponse",
    "InputFile",
    "Message",
    "Part",
    "ReasoningDelta",
    "StreamEvent",
    "TextDelta",
    "TextPart",
    "ToolCall",
    "ToolCallDelta",
    "ToolSpec",
    "Usage",
    "UsageReport",
    "bind_answer",
    "bind_events",
    "origin_of",
    "strip_foreign_provider_data",
]
