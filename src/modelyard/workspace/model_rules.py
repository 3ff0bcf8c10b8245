"""Which fields a model may carry, by kind and origin, and the rules between them.

A pre-configured model (``catalog_id`` set) takes its technical settings from the catalog: they
are read-only here and follow catalog updates. A manual one carries them itself.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from modelyard.catalog.schema import Capabilities, CatalogEntry
from modelyard.errors import InvalidInput
from modelyard.storage.tables import ModelRow
from modelyard.usage.cost import UnitPrices, price_missing

DEFAULT_SIMILARITY_THRESHOLD = Decimal("0.5")

_COMMON = frozenset(
    {
        "slug",
        "display_name",
        "provider",
        "provider_model_name",
        "region",
        "description_en",
        "description_de",
        "visible",
        "premium",
        "maintenance",
        "allow_cross_region_fallback",
    }
)
FIELDS_BY_KIND: dict[str, frozenset[str]] = {
    "completion": _COMMON
    | {
        "available_in_assistants",
        "context_window",
        "max_output_tokens",
        "input_price",
        "output_price",
        "cache_read_price",
        "cache_write_price",
        "capabilities",
    },
    "image": _COMMON | {"image_price", "image_editing", "max_images_per_user"},
    "embedding": _COMMON | {"similarity_threshold", "input_price", "embedding_dimensions"},
}
FROM_CATALOG = frozenset(
    {
        "provider",
        "provider_model_name",
        "context_window",
        "max_output_tokens",
        "input_price",
        "output_price",
        "cache_read_price",
        "cache_write_price",
        "image_price",
        "capabilities",
        "image_editing",
        "embedding_dimensions",
    }
)
REQUIRED_WHEN_MANUAL: dict[str, tuple[str, ...]] = {
    "completion": ("provider", "provider_model_name", "context_window", "max_output_tokens"),
    "image": ("provider", "provider_model_name"),
    "embedding": ("provider", "provider_model_name"),
}
NULLABLE = frozenset(
    {
        "description_en",
        "description_de",
        "input_price",
        "output_price",
        "cache_read_price",
        "cache_write_price",
        "image_price",
        "max_images_per_user",
        "similarity_threshold",
        "embedding_dimensions",
    }
)


def check_fields(kind: str, preconfigured: bool, data: dict[str, Any]) -> None:
    """Refuse fields foreign to the kind, catalog-owned fields on a pre-configured model, and
    nulls where a value is needed. ``data`` holds only the fields the caller sent."""
    allowed = FIELDS_BY_KIND[kind]
    for field, value in data.items():
        if field not in allowed:
            raise InvalidInput(
                f"'{field}' does not apply to {kind} models.",
                param=field,
                code="field_not_for_kind",
            )
        if preconfigured and field in FROM_CATALOG:
            raise InvalidInput(
                f"'{field}' comes from the catalog entry of this pre-configured model and is "
                "read-only; set the model up manually to control it.",
                param=field,
                code="read_only_from_catalog",
            )
        if value is None and field not in NULLABLE:
            raise InvalidInput(f"'{field}' cannot be null.", param=field, code="null_not_allowed")


def check_required(kind: str, row: ModelRow) -> None:
    """After merging: a manual model must carry what the gateway needs to call it."""
    if row.catalog_id is None:
        for field in REQUIRED_WHEN_MANUAL[kind]:
            if getattr(row, field) in (None, ""):
                raise InvalidInput(
                    f"'{field}' is required for a manually set up {kind} model.",
                    param=field,
                    code="required",
                )
    if (
        kind == "completion"
        and row.context_window is not None
        and row.max_output_tokens is not None
        and row.max_output_tokens > row.context_window
    ):
        raise InvalidInput(
            f"'max_output_tokens' ({row.max_output_tokens}) cannot exceed 'context_window' "
            f"({row.context_window}).",
            param="max_output_tokens",
            code="exceeds_context_window",
        )


def apply_fields(row: ModelRow, data: dict[str, Any]) -> None:
    """Write validated input fields onto the row (capabilities merge flag by flag)."""
    for field, value in data.items():
        if field == "capabilities":
            merged = Capabilities.model_validate(row.capabilities or {}).model_dump()
            merged.update({k: v for k, v in value.items() if v is not None})
            row.capabilities = merged
        elif field == "max_images_per_user":
            row.max_images_count = value["count"] if value else None
            row.max_images_window_hours = value["window_hours"] if value else None
        elif field == "similarity_threshold":
            row.similarity_threshold = value if value is not None else DEFAULT_SIMILARITY_THRESHOLD
        else:
            setattr(row, field, value)


def apply_catalog_entry(row: ModelRow, entry: CatalogEntry) -> None:
    """Mirror the catalog entry's technical settings onto a pre-configured model."""
    row.provider = entry.provider
    row.provider_model_name = entry.provider_model_name
    row.context_window = entry.context_window
    row.max_output_tokens = entry.max_output_tokens
    row.input_price = entry.input_price
    row.output_price = entry.output_price
    row.cache_read_price = entry.cache_read_price
    row.cache_write_price = entry.cache_write_price
    row.image_price = entry.image_price
    row.capabilities = entry.capabilities.model_dump()
    row.image_editing = entry.image_editing
    row.embedding_dimensions = entry.embedding_dimensions


def row_prices(row: ModelRow) -> UnitPrices:
    """The unit prices a model row carries, all of them (before ``prices_in_force``)."""
    return UnitPrices(
        row.input_price,
        row.output_price,
        row.cache_read_price,
        row.cache_write_price,
        row.image_price,
    )


def warnings_for(row: ModelRow, deployment_count: int) -> list[str]:
    """What an admin should fix before members rely on the model."""
    out: list[str] = []
    if row.kind == "completion" and (row.input_price is None or row.output_price is None):
        out.append("No token price: calls are recorded with cost 0 until prices are set.")
    if row.kind == "image" and price_missing(row.kind, row.provider, row_prices(row)):
        out.append("No image price: calls are recorded with cost 0 until a price is set.")
    if row.kind == "embedding" and row.input_price is None:
        out.append("No input price: calls are recorded with cost 0 until a price is set.")
    if row.catalog_status == "removed":
        out.append("The catalog entry of this model was removed; it keeps its last known settings.")
    if deployment_count == 0:
        out.append("No deployment: calls fail until one is added.")
    return out
