"""Pydantic schemas of the pre-configured model catalog.

Entries are frozen so a catalog shared across requests (the bundled one is cached) can't be
changed behind anyone's back. Prices are ``Decimal`` end to end: they feed billing, where float
rounding would show up as cents that don't add up.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

Kind = Literal["completion", "image", "embedding"]
KINDS: tuple[Kind, ...] = ("completion", "image", "embedding")

#: Providers that have an adapter; the builder keeps only these.
PROVIDERS: tuple[str, ...] = (
    "openai",
    "anthropic",
    "google",
    "azure",
    "mistral",
    "deepseek",
    "xai",
)

#: Value of the ``format`` key of our catalog files, bumped on incompatible changes.
CATALOG_FORMAT = "modelyard-catalog/1"

Price = Annotated[Decimal, Field(ge=0)]
Count = Annotated[int, Field(gt=0)]


class CatalogFormatError(ValueError):
    """Catalog input that can't be used; the message says what is wrong and where."""


class Capabilities(BaseModel):
    """What the product may offer for a model (attachments, tools, sampling knobs...)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    image_analysis: bool = False
    canvas: bool = False
    tools: bool = False
    temperature: bool = True
    always_show_reasoning: bool = False
    responses_api: bool = False


class CatalogEntry(BaseModel):
    """One pre-configured model; ``id`` is ``"<provider>/<provider_model_name>"``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=3)
    kind: Kind
    provider: str = Field(min_length=1)
    provider_model_name: str = Field(min_length=1)
    display_name: str
    context_window: Count | None = None
    max_input_tokens: Count | None = None
    max_output_tokens: Count | None = None
    input_price: Price | None = None  # USD per 1M tokens
    output_price: Price | None = None
    cache_read_price: Price | None = None
    cache_write_price: Price | None = None
    image_price: Price | None = None  # USD per image at 1024x1024, standard/medium quality
    capabilities: Capabilities = Capabilities()
    reasoning: bool = False
    image_editing: bool = False
    embedding_dimensions: Count | None = None
    deprecated: bool = False
    release_date: str | None = None
    # The provider's model line (models.dev ``family``: ``gpt``, ``claude-sonnet``): a deprecated
    # entry's suggested successor is the newest current entry of the same line.
    family: str | None = None
    # An entry id the source names as this one's replacement (our format; wins over the line).
    successor: str | None = None


class Catalog(BaseModel):
    """A versioned list of entries. Treat ``entries`` as read-only: ``get`` indexes it once."""

    model_config = ConfigDict(extra="forbid")

    version: str = Field(min_length=1)
    entries: list[CatalogEntry]

    _index: dict[str, CatalogEntry] | None = PrivateAttr(default=None)
    _index_key: tuple[int, int] = PrivateAttr(default=(0, -1))

    def __eq__(self, other: object) -> bool:
        # Pydantic would also compare the lazily built index, making equality depend on
        # whether get() was called.
        if not isinstance(other, Catalog):
            return NotImplemented
        return self.version == other.version and self.entries == other.entries

    __hash__ = None  # type: ignore[assignment]

    def get(self, entry_id: str) -> CatalogEntry | None:
        """Entry by id in O(1); the index is rebuilt if ``entries`` was replaced or resized."""
        key = (id(self.entries), len(self.entries))
        if self._index is None or self._index_key != key:
            self._index = {entry.id: entry for entry in self.entries}
            self._index_key = key
        return self._index.get(entry_id)

    def search(self, kind: str | None = None, q: str | None = None) -> list[CatalogEntry]:
        """Entries of ``kind`` whose id, display or provider name contains ``q`` (any case).

        Catalog order is kept, except that deprecated entries go last: the admin picking a
        model should see the current ones first.
        """
        needle = q.strip().casefold() if q else ""
        hits = [
            entry
            for entry in self.entries
            if (kind is None or entry.kind == kind)
            and (
                not needle
                or needle in entry.id.casefold()
                or needle in entry.display_name.casefold()
                or needle in entry.provider_model_name.casefold()
            )
        ]
        return sorted(hits, key=lambda entry: entry.deprecated)

    def to_json_bytes(self) -> bytes:
        """Our file format; decimals are written as JSON strings so no reader rounds them."""
        payload = {
            "format": CATALOG_FORMAT,
            "version": self.version,
            "entries": [entry.model_dump(mode="json") for entry in self.entries],
        }
        text = json.dumps(payload, sort_keys=True, indent=1, ensure_ascii=False)
        return (text + "\n").encode("utf-8")
