"""Embeddings and images: requests and answers."""

from __future__ import annotations

from dataclasses import dataclass, field

from modelyard.llm_types.usage import Usage


@dataclass(slots=True)
class EmbeddingRequest:
    model: str
    inputs: list[str] | list[list[int]]
    dimensions: int | None = None
    user: str | None = None


@dataclass(slots=True)
class EmbeddingResponse:
    vectors: list[list[float]]
    usage: Usage
    model: str = ""


@dataclass(slots=True)
class InputFile:
    """An uploaded file (image edits): its name, media type and bytes."""

    filename: str
    content_type: str
    data: bytes


@dataclass(slots=True)
class ImageRequest:
    """Image generation, or an edit when ``images`` is not empty."""

    model: str
    prompt: str
    n: int = 1
    size: str | None = None
    quality: str | None = None
    response_format: str | None = None  # "url" | "b64_json"
    background: str | None = None
    output_format: str | None = None
    user: str | None = None
    images: list[InputFile] = field(default_factory=list)
    mask: InputFile | None = None

    @property
    def is_edit(self) -> bool:
        return bool(self.images)


@dataclass(slots=True)
class GeneratedImage:
    b64_json: str | None = None
    url: str | None = None
    revised_prompt: str | None = None


@dataclass(slots=True)
class ImageResponse:
    images: list[GeneratedImage]
    usage: Usage
    created: int = 0
