"""What the outside sends and sees of knowledge collections (pydantic schemas, not rows)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from modelyard.workspace.schemas import Input, Name, Slug

DocumentName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
MAX_QUERY_CHARS = 4000
MAX_TOP_K = 50
DEFAULT_TOP_K = 5


class CollectionCreate(Input):
    name: Name
    embedding_model_id: str
    slug: Slug | None = None


class CollectionUpdate(Input):
    name: Name | None = None
    embedding_model_id: str | None = None
    reindex: bool = Field(
        default=False,
        description="Re-embed every document (needed when the new model's vector size differs; "
        "with the same model, refreshes the vectors).",
    )


class CollectionOut(BaseModel):
    id: str
    name: str
    slug: str
    embedding_model_id: str
    dimensions: int | None
    documents: int
    chunks: int
    created_at: datetime
    updated_at: datetime


class DocumentText(Input):
    """A document sent as JSON; ``media_type`` defaults from the name (``.md``: Markdown)."""

    name: DocumentName
    text: str
    media_type: str | None = None


class DocumentOut(BaseModel):
    id: str
    collection_id: str
    name: str
    media_type: str
    size: int
    chunks: int
    created_at: datetime


class SearchRequest(Input):
    query: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUERY_CHARS)
    ]
    top_k: int = Field(default=DEFAULT_TOP_K, gt=0, le=MAX_TOP_K)
    threshold: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="May raise the embedding model's similarity threshold, never lower it.",
    )


class SearchHit(BaseModel):
    chunk_id: str
    document_id: str
    document_name: str
    text: str
    score: float


class SearchResult(BaseModel):
    threshold_used: float
    results: list[SearchHit]
