"""Read catalogs: the bundled one, and new ones an admin points ``catalog update`` at.

Input may be our own file format or a models.dev ``api.json``; the shape is detected so an
admin can feed either without saying which. Anything unusable raises ``CatalogFormatError``
with a message naming the problem and its place, because it ends up in front of an admin.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

from pydantic import ValidationError

from modelyard.catalog.build import (
    SideData,
    TokenPrices,
    build_catalog,
    derive_version,
    side_data_from_files,
)
from modelyard.catalog.schema import (
    CATALOG_FORMAT,
    PROVIDERS,
    Catalog,
    CatalogEntry,
    CatalogFormatError,
)

__all__ = [
    "CatalogFormatError",
    "build_from_source_dir",
    "decode_json",
    "load_bundled",
    "parse_catalog",
    "read_catalog_source",
    "side_data_from_catalog",
]

HTTP_TIMEOUT_SECONDS = 30.0
_MAX_ERRORS_SHOWN = 5

MODELS_DEV_FILE = "models-dev-catalog.json"
RESPONSES_ONLY_FILE = "openai-responses-only.json"
IMAGE_PRICES_FILE = "image-prices.json"
GENAI_PRICES_FILE = "genai-prices-v2-data_slim.json"


@functools.lru_cache(maxsize=1)
def load_bundled() -> Catalog:
    """The catalog shipped in the package (parsed once; callers must not mutate it)."""
    raw = resources.files("modelyard.catalog").joinpath("data", "catalog.json").read_bytes()
    try:
        return parse_catalog(raw)
    except CatalogFormatError as exc:
        raise CatalogFormatError(f"bundled catalog: {exc}") from exc


def parse_catalog(raw: bytes | str | Mapping[str, Any], *, side: SideData | None = None) -> Catalog:
    """A Catalog from our format or from a models.dev ``api.json`` (detected automatically).

    For models.dev input the facts it lacks (Responses API, image prices, ...) come from
    ``side``, by default from the bundled catalog.
    """
    data = raw if isinstance(raw, Mapping) else decode_json(raw, "catalog")
    if not isinstance(data, Mapping):
        raise CatalogFormatError(f"catalog: expected a JSON object, got {_json_type(data)}")
    if "format" in data or "entries" in data:
        catalog = _parse_ours(data)
    elif _looks_like_models_dev(data):
        if not any(provider in data for provider in PROVIDERS):
            raise CatalogFormatError(
                "models.dev data: none of the supported providers is present "
                f"(expected at least one of: {', '.join(PROVIDERS)})"
            )
        if side is None:
            side = side_data_from_catalog(load_bundled())
        catalog = build_catalog(data, side)
    else:
        raise CatalogFormatError(
            "catalog: unrecognised JSON; expected a modelyard catalog "
            f'({{"format": "{CATALOG_FORMAT}", "version": ..., "entries": [...]}}) '
            'or a models.dev api.json ({"<provider>": {"models": {...}}, ...})'
        )
    _check_entries(catalog.entries)
    return catalog


def read_catalog_source(source: str) -> Catalog:
    """Catalog from a local file path or an http(s) URL; errors are prefixed with the source."""
    if source.lower().startswith(("http://", "https://")):
        raw = _fetch(source)
    else:
        path = Path(source).expanduser()
        try:
            raw = path.read_bytes()
        except FileNotFoundError as exc:
            raise CatalogFormatError(f"{source}: no such file") from exc
        except IsADirectoryError as exc:
            raise CatalogFormatError(f"{source}: is a directory, not a catalog file") from exc
        except OSError as exc:
            raise CatalogFormatError(f"{source}: cannot read file ({exc.strerror})") from exc
    try:
        return parse_catalog(raw)
    except CatalogFormatError as exc:
        raise CatalogFormatError(f"{source}: {exc}") from exc


def build_from_source_dir(source_dir: Path, *, version: str | None = None) -> Catalog:
    """Catalog from a ``catalog-source`` snapshot directory (the bundled file is made so).

    The version comes from the models.dev commit named in the snapshot's README.
    """

    def read(name: str, required: bool = True) -> Any:
        path = source_dir / name
        if not path.is_file():
            if required:
                raise CatalogFormatError(f"{path}: file not found")
            return None
        data = decode_json(path.read_bytes(), str(path))
        if required and not isinstance(data, Mapping):
            raise CatalogFormatError(f"{path}: expected a JSON object, got {_json_type(data)}")
        return data

    models_dev = read(MODELS_DEV_FILE)
    side = side_data_from_files(
        read(RESPONSES_ONLY_FILE), read(IMAGE_PRICES_FILE), read(GENAI_PRICES_FILE, False)
    )
    readme = source_dir / "README.md"
    notes = readme.read_text(encoding="utf-8") if readme.is_file() else None
    return build_catalog(models_dev, side, version=version or derive_version(models_dev, notes))


def decode_json(raw: bytes | str, where: str) -> Any:
    """JSON with exact decimals (no float ever) and NaN/Infinity refused."""
    try:
        return json.loads(raw, parse_float=Decimal, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise CatalogFormatError(
            f"{where}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    except ValueError as exc:  # bad encoding, NaN or Infinity
        raise CatalogFormatError(f"{where}: not valid JSON ({exc})") from exc


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a number")


def side_data_from_catalog(catalog: Catalog) -> SideData:
    """Side data carried by an existing catalog (normally the bundled one), for run-time
    updates from a bare models.dev ``api.json``: a model models.dev lists without a cost keeps
    its last known prices."""
    responses: set[str] = set()
    images: dict[tuple[str, str], Decimal] = {}
    fallbacks: dict[tuple[str, str], TokenPrices] = {}
    for e in catalog.entries:
        key = (e.provider, e.provider_model_name)
        if e.capabilities.responses_api:
            responses.add(e.provider_model_name)
        if e.image_price is not None:
            images[key] = e.image_price
        token = (e.input_price, e.output_price, e.cache_read_price, e.cache_write_price)
        if any(price is not None for price in token):
            fallbacks[key] = TokenPrices(*token)
    return SideData(frozenset(responses), images, fallbacks)


def _fetch(url: str) -> bytes:
    import httpx  # only ``catalog update --from URL`` downloads: keep it out of the server

    try:
        response = httpx.get(url, timeout=HTTP_TIMEOUT_SECONDS, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise CatalogFormatError(f"{url}: download failed ({exc})") from exc
    if not response.is_success:
        raise CatalogFormatError(
            f"{url}: download failed (HTTP {response.status_code} {response.reason_phrase})"
        )
    return response.content


def _looks_like_models_dev(data: Mapping[str, Any]) -> bool:
    return any(
        isinstance(block, Mapping) and isinstance(block.get("models"), Mapping)
        for block in data.values()
    )


def _parse_ours(data: Mapping[str, Any]) -> Catalog:
    fmt = data.get("format")
    if fmt != CATALOG_FORMAT:
        found = "no format key" if fmt is None else f"format {fmt!r}"
        raise CatalogFormatError(
            f"catalog: {found}; this version of modelyard reads {CATALOG_FORMAT!r}"
        )
    extra = sorted(set(data) - {"format", "version", "entries"})
    if extra:
        raise CatalogFormatError(f"catalog: unknown top-level keys: {', '.join(extra)}")
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        raise CatalogFormatError("catalog: 'version' must be a non-empty string")
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list):
        raise CatalogFormatError(
            f"catalog: 'entries' must be a list, got {_json_type(raw_entries)}"
        )
    entries = [_parse_entry(i, item) for i, item in enumerate(raw_entries)]
    return Catalog(version=version, entries=entries)


def _parse_entry(index: int, item: Any) -> CatalogEntry:
    label = f"entries[{index}]"
    if isinstance(item, Mapping) and isinstance(item.get("id"), str):
        label += f" ({item['id']})"
    if not isinstance(item, Mapping):
        raise CatalogFormatError(f"{label}: expected an object, got {_json_type(item)}")
    try:
        return CatalogEntry.model_validate(item)
    except ValidationError as exc:
        raise CatalogFormatError(f"{label}: {_describe(exc)}") from exc


def _describe(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False)
    parts = [
        f"{'.'.join(str(p) for p in err['loc']) or 'entry'}: {err['msg']}"
        for err in errors[:_MAX_ERRORS_SHOWN]
    ]
    if len(errors) > _MAX_ERRORS_SHOWN:
        parts.append(f"and {len(errors) - _MAX_ERRORS_SHOWN} more")
    return "; ".join(parts)


def _check_entries(entries: list[CatalogEntry]) -> None:
    """Invariants the rest of the product relies on (ids unique and well-formed)."""
    if not entries:
        raise CatalogFormatError("catalog: has no entries")
    first_seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        label = f"entries[{i}] ({entry.id})"
        if entry.provider not in PROVIDERS:
            raise CatalogFormatError(
                f"{label}: unknown provider {entry.provider!r} (supported: {', '.join(PROVIDERS)})"
            )
        expected = f"{entry.provider}/{entry.provider_model_name}"
        if entry.id != expected:
            raise CatalogFormatError(f"{label}: id must be {expected!r}")
        if entry.id in first_seen:
            raise CatalogFormatError(
                f"{label}: duplicate id (first at entries[{first_seen[entry.id]}])"
            )
        first_seen[entry.id] = i


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    return "a number" if isinstance(value, int | float | Decimal) else type(value).__name__
