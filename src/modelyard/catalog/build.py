"""Build a Catalog from models.dev data plus the side sources that fill its gaps.

models.dev (``api.json`` shape) is the primary source. What it lacks comes in a ``SideData``:
which OpenAI ids need the Responses API, per-image prices, and token prices for models that
models.dev lists without any cost. ``side_data_from_files`` reads those from the snapshot in
``catalog-source``; at run time (``catalog update`` with a fresh ``api.json``) the side data
is taken from the bundled catalog instead (``loader.side_data_from_catalog``), so an update
keeps what we know from sources that are not shipped.

Everything here is pure: reading files and URLs is the loader's job.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from modelyard.catalog.schema import (
    PROVIDERS,
    Capabilities,
    Catalog,
    CatalogEntry,
    CatalogFormatError,
    Kind,
)

#: genai-prices names some providers differently.
_GENAI_PROVIDER_IDS = {"xai": "x-ai"}
#: Models that are absent from models.dev; added from the image price list.
DALLE_NAMES = {"dall-e-2": "DALL-E 2", "dall-e-3": "DALL-E 3"}
#: Azure-hosted Claude speaks the Anthropic Messages API, not Azure OpenAI.
_AZURE_FOREIGN_NPM = "@ai-sdk/anthropic"
_DEFAULT_IMAGE_SIZE = "1024x1024"
_DEFAULT_IMAGE_QUALITIES = (None, "standard", "medium")
_RESPONSES_PROVIDERS = ("openai", "azure")
_README_COMMIT = re.compile(
    r"models\.dev`\s+commit\s+`([0-9a-f]{7,40})`\s+\((\d{4})-(\d{2})-(\d{2})\)"
)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class TokenPrices:
    """Per-1M-token prices used when models.dev has no ``cost`` for a model."""

    input: Decimal | None = None
    output: Decimal | None = None
    cache_read: Decimal | None = None
    cache_write: Decimal | None = None
    output_image: Decimal | None = None  # image-output rate, preferred for image models


@dataclass(frozen=True)
class SideData:
    """Facts models.dev does not carry, keyed by ``(provider, model id)`` where it matters."""

    responses_only: frozenset[str] = frozenset()
    image_prices: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)
    fallback_prices: Mapping[tuple[str, str], TokenPrices] = field(default_factory=dict)


# --- small validating readers: every error names the model and the field --------------------


def _fail(where: str, message: str) -> NoReturn:
    raise CatalogFormatError(f"{where}: {message}")


def _obj(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        _fail(where, f"expected an object, got {type(value).__name__}")
    return value


def _price(value: Any, where: str) -> Decimal | None:
    """USD amount as an exact Decimal (``Decimal(str(x))``, never float arithmetic)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        _fail(where, f"expected a number, got {value!r}")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        _fail(where, f"expected a number, got {value!r}")
    if not amount.is_finite() or amount < 0:
        _fail(where, f"expected a non-negative finite number, got {value!r}")
    # Same amount, same text: "2", "2.0" and 2 all become "2" (no exponent either).
    amount = amount.normalize()
    exponent = amount.as_tuple().exponent
    return amount.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else amount


def _count(value: Any, where: str) -> int | None:
    """Token count; 0 means "not applicable" in models.dev (image models), so it maps to None."""
    if value is None:
        return None
    whole = isinstance(value, int) or (
        isinstance(value, float | Decimal) and Decimal(str(value)).is_finite() and value % 1 == 0
    )
    if isinstance(value, bool) or not whole:
        _fail(where, f"expected an integer, got {value!r}")
    if value < 0:
        _fail(where, f"expected a non-negative integer, got {value!r}")
    return int(value) or None


def _flag(value: Any, where: str, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        _fail(where, f"expected true or false, got {value!r}")
    return value


def _strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        _fail(where, f"expected a list of strings, got {value!r}")
    return value


def _text(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        _fail(where, f"expected a string, got {value!r}")
    return value


# --- mapping one models.dev model -------------------------------------------------------------


def detect_kind(model_id: str, model: Mapping[str, Any], where: str | None = None) -> Kind | None:
    """Kind by the README rules; None for models no adapter can serve (speech, video output).

    Gemini ``*-image*`` models and Azure GPT-5.x list ``image`` among their outputs next to
    ``text`` and are not of an image family, so they stay chat models.
    """
    where = where or model_id
    family = _text(model.get("family"), f"{where}.family") or ""
    if "embed" in family or "embedding" in model_id:
        return "embedding"
    modalities = _obj(model.get("modalities") or {}, f"{where}.modalities")
    outputs = _strings(modalities.get("output"), f"{where}.modalities.output")
    image_family = family.startswith(("gpt-image", "grok-imagine-image"))
    if "image" in outputs and (image_family or "text" not in outputs):
        return "image"
    if outputs and "text" not in outputs:
        return None
    return "completion"


def _image_editing(provider: str, model_id: str, family: str, kind: Kind) -> bool:
    if kind == "image":
        return family == "gpt-image" or model_id.startswith("gpt-image") or model_id == "dall-e-2"
    # Gemini image models are chat models that also edit the images they are given.
    return provider == "google" and model_id.startswith("gemini") and "-image" in model_id


def map_model(
    provider: str, model_id: str, model: Any, side: SideData | None = None
) -> CatalogEntry | None:
    """One models.dev model as a CatalogEntry, or None when the product can't use it."""
    side = side or SideData()
    where = f"{provider}/{model_id}"
    data = _obj(model, where)
    override = _obj(data.get("provider") or {}, f"{where}.provider")
    if provider == "azure" and override.get("npm") == _AZURE_FOREIGN_NPM:
        return None
    kind = detect_kind(model_id, data, where)
    if kind is None:
        return None

    family = _text(data.get("family"), f"{where}.family") or ""
    modalities = _obj(data.get("modalities") or {}, f"{where}.modalities")
    inputs = _strings(modalities.get("input"), f"{where}.modalities.input")
    limit = _obj(data.get("limit") or {}, f"{where}.limit")
    reasoning = _flag(data.get("reasoning"), f"{where}.reasoning", False)
    tools = _flag(data.get("tool_call"), f"{where}.tool_call", False)
    temperature = _flag(data.get("temperature"), f"{where}.temperature", True)

    prices = _token_prices(data.get("cost"), f"{where}.cost")
    if prices is None:
        prices = side.fallback_prices.get((provider, model_id), TokenPrices())
    output_price = prices.output
    if kind == "image" and prices.output_image is not None:
        output_price = prices.output_image

    context = _count(limit.get("context"), f"{where}.limit.context")
    max_input = _count(limit.get("input"), f"{where}.limit.input")
    max_output = _count(limit.get("output"), f"{where}.limit.output")
    dimensions = None
    if kind == "embedding":
        # models.dev stores the vector size in limit.output (1 = unknown) and a 0 output price.
        dimensions = max_output if max_output and max_output > 1 else None
        max_output = None
        output_price = None
        temperature = False  # no sampling in an embedding call
    elif kind == "image":
        context = max_input = max_output = None  # models.dev puts 0 or a prompt length here

    return CatalogEntry(
        id=where,
        kind=kind,
        provider=provider,
        provider_model_name=model_id,
        display_name=_text(data.get("name"), f"{where}.name") or model_id,
        context_window=context,
        max_input_tokens=max_input,
        max_output_tokens=max_output,
        input_price=prices.input,
        output_price=output_price,
        cache_read_price=prices.cache_read,
        cache_write_price=prices.cache_write,
        image_price=side.image_prices.get((provider, model_id)),
        capabilities=Capabilities(
            image_analysis="image" in inputs,
            canvas=tools and kind == "completion",  # canvas works through tool calls
            tools=tools,
            temperature=temperature,
            always_show_reasoning=reasoning,
            responses_api=provider in _RESPONSES_PROVIDERS and model_id in side.responses_only,
        ),
        reasoning=reasoning,
        image_editing=_image_editing(provider, model_id, family, kind),
        embedding_dimensions=dimensions,
        deprecated=data.get("status") == "deprecated",
        release_date=_text(data.get("release_date"), f"{where}.release_date"),
        family=family or None,
    )


def _token_prices(cost: Any, where: str) -> TokenPrices | None:
    if cost is None:
        return None
    cost = _obj(cost, where)
    names = ("input", "output", "cache_read", "cache_write")
    return TokenPrices(*(_price(cost.get(name), f"{where}.{name}") for name in names))


def _dalle_entry(provider: str, model_id: str, price: Decimal) -> CatalogEntry:
    return CatalogEntry(
        id=f"{provider}/{model_id}",
        kind="image",
        provider=provider,
        provider_model_name=model_id,
        display_name=DALLE_NAMES[model_id],
        image_price=price,
        capabilities=Capabilities(temperature=False),
        image_editing=model_id == "dall-e-2",  # dall-e-3 has no edits endpoint
    )


# --- whole catalog ----------------------------------------------------------------------------


def build_catalog(
    models_dev: Mapping[str, Any], side: SideData | None = None, *, version: str | None = None
) -> Catalog:
    """Catalog of the supported providers in ``models_dev``, sorted by id.

    Other providers (google-vertex*, amazon-bedrock, cohere, ...) are ignored: no adapter.
    """
    side = side or SideData()
    entries: list[CatalogEntry] = []
    for provider in PROVIDERS:
        if provider not in models_dev:
            continue
        block = _obj(models_dev[provider], provider)
        models = _obj(block.get("models"), f"{provider}.models")
        for model_id, model in models.items():
            entry = map_model(provider, str(model_id), model, side)
            if entry is not None:
                entries.append(entry)
    present = {entry.id for entry in entries}
    for (provider, model_id), price in side.image_prices.items():
        missing = f"{provider}/{model_id}" not in present
        if model_id in DALLE_NAMES and provider in models_dev and missing:
            entries.append(_dalle_entry(provider, model_id, price))
    entries.sort(key=lambda entry: entry.id)
    return Catalog(version=version or derive_version(models_dev), entries=entries)


def derive_version(models_dev: Mapping[str, Any], readme: str | None = None) -> str:
    """``"2026.07.02-models.dev-f3fc692"``: date and commit from the snapshot README when given,
    else the newest ``last_updated`` and a hash of the supported providers' data, so the same
    ``api.json`` always yields the same version."""
    match = _README_COMMIT.search(readme) if readme else None
    if match:
        commit, year, month, day = match.groups()
        return f"{year}.{month}.{day}-models.dev-{commit[:7]}"
    kept = {p: models_dev[p] for p in PROVIDERS if p in models_dev}
    canonical = json.dumps(_exact(kept), sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:7]
    dates = [
        model.get("last_updated")
        for block in kept.values()
        if isinstance(block, Mapping) and isinstance(block.get("models"), Mapping)
        for model in block["models"].values()
        if isinstance(model, Mapping)
    ]
    valid = sorted(d for d in dates if isinstance(d, str) and _ISO_DATE.match(d))
    prefix = valid[-1].replace("-", ".") + "-" if valid else ""
    return f"{prefix}models.dev-{digest}"


def _exact(value: Any) -> Any:
    """Floats as Decimals, so a dict from ``json.load`` hashes like one parsed exactly."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, Mapping):
        return {str(k): _exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_exact(v) for v in value]
    return value


# --- side data --------------------------------------------------------------------------------


def side_data_from_files(
    responses_only: Mapping[str, Any], image_prices: Mapping[str, Any], genai_prices: Any = None
) -> SideData:
    """Side data from ``openai-responses-only.json``, ``image-prices.json`` and (optionally)
    genai-prices ``data_slim.json``.

    OpenAI image prices also apply to Azure (same list prices), except dall-e-2, which Azure
    retired long ago.
    """
    ids = frozenset(_obj(responses_only.get("models"), "openai-responses-only.models"))
    prices: dict[tuple[str, str], Decimal] = {}
    for section in ("prices", "derived_token_based"):
        rows = image_prices.get(section) or []
        if not isinstance(rows, list):
            _fail(f"image-prices.{section}", "expected a list")
        for i, row in enumerate(rows):
            where = f"image-prices.{section}[{i}]"
            row = _obj(row, where)
            if "size" in row and (
                row["size"] != _DEFAULT_IMAGE_SIZE
                or row.get("quality") not in _DEFAULT_IMAGE_QUALITIES
            ):
                continue  # only the default size and quality is the catalog's image price
            provider = _text(row.get("provider"), f"{where}.provider") or ""
            model_id = _text(row.get("model"), f"{where}.model") or ""
            price = _price(row.get("usd_per_image"), f"{where}.usd_per_image")
            if price is not None:
                prices.setdefault((provider, model_id), price)
    for (provider, model_id), price in list(prices.items()):
        if provider == "openai" and model_id != "dall-e-2":
            prices.setdefault(("azure", model_id), price)
    fallbacks = _genai_fallbacks(genai_prices) if genai_prices is not None else {}
    return SideData(responses_only=ids, image_prices=prices, fallback_prices=fallbacks)


_GENAI_FIELDS = {
    "input": "input_mtok",
    "output": "output_mtok",
    "cache_read": "cache_read_mtok",
    "cache_write": "cache_write_mtok",
    "output_image": "output_image_mtok",
}


def _genai_fallbacks(genai_prices: Any) -> dict[tuple[str, str], TokenPrices]:
    """Token prices from genai-prices, for exact id matches only (its prefix/regex rules are
    too loose to trust for a catalog)."""
    if not isinstance(genai_prices, list):
        _fail("genai-prices", "expected a list of providers")
    by_id = {p.get("id"): p for p in genai_prices if isinstance(p, Mapping)}
    out: dict[tuple[str, str], TokenPrices] = {}
    for provider in PROVIDERS:
        block = by_id.get(_GENAI_PROVIDER_IDS.get(provider, provider))
        for model in (block or {}).get("models") or []:
            prices = model.get("prices") if isinstance(model, Mapping) else None
            if not isinstance(prices, Mapping):
                continue  # time-of-day or other conditional prices: not a gap filler
            where = f"genai-prices {provider}/{model.get('id')}"
            token_prices = TokenPrices(
                **{
                    name: _genai_price(prices.get(key), f"{where}.{key}")
                    for name, key in _GENAI_FIELDS.items()
                }
            )
            for model_id in _exact_ids(model.get("match")):
                out.setdefault((provider, model_id), token_prices)
    return out


def _genai_price(value: Any, where: str) -> Decimal | None:
    if isinstance(value, Mapping):  # context tiers: the base rate is the list price
        value = value.get("base")
    return _price(value, where)


def _exact_ids(match: Any) -> list[str]:
    if not isinstance(match, Mapping):
        return []
    if isinstance(match.get("equals"), str):
        return [match["equals"]]
    alternatives = match.get("or")
    if isinstance(alternatives, list):
        return [ident for alt in alternatives for ident in _exact_ids(alt)]
    return []
