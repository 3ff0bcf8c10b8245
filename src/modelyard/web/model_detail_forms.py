"""The model page's forms read into the admin API's own request bodies (``ModelUpdate``,
``DeploymentCreate``/``Update``): which inputs a model shows follows ``model_rules`` (its kind
and origin), what a value may be is left entirely to the schemas and services.

An empty input means "clear" (``None``): the domain says whether that field may be empty.
Decimals go through ``locale_format`` first, so a German page accepts ``0,7``. Only the fields
whose value changed are sent, so the audit log names what the admin actually changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from starlette.datastructures import FormData

from modelyard.web import locale_format
from modelyard.workspace.model_rules import FIELDS_BY_KIND, FROM_CATALOG
from modelyard.workspace.schemas import CapabilitiesInput, ModelOut, ModelUpdate

# In the order the settings form shows them.
TEXTS = ("display_name", "slug", "provider", "provider_model_name", "region")
DESCRIPTIONS = ("description_en", "description_de")
NUMBERS = ("context_window", "max_output_tokens", "embedding_dimensions")
DECIMALS = (
    "input_price",
    "output_price",
    "cache_read_price",
    "cache_write_price",
    "image_price",
    "similarity_threshold",
)
SWITCHES = ("allow_cross_region_fallback", "image_editing")
FLAGS = ("visible", "available_in_assistants", "premium", "maintenance")
CAPABILITIES = tuple(CapabilitiesInput.model_fields)


def editable(model: ModelOut) -> frozenset[str]:
    """The fields this model may be given: its kind's, minus the catalog's on a pre-configured
    one (those follow catalog updates and are shown read-only)."""
    allowed = FIELDS_BY_KIND[model.kind]
    return allowed - FROM_CATALOG if model.preconfigured else allowed


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value.strip() or None if isinstance(value, str) else None


def settings_body(
    form: FormData, model: ModelOut, language: str, said: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The settings form as a ``ModelUpdate`` body, and the decimals that could not be read."""
    fields = editable(model)
    body: dict[str, Any] = {}
    for name in (*TEXTS, *DESCRIPTIONS, *NUMBERS, *DECIMALS):
        if name in fields:
            body[name] = _text(form, name)
    decimals = {k: v for k, v in body.items() if k in DECIMALS and v is not None}
    read, errors = locale_format.read_decimals(decimals, decimals, language, said)
    body |= read
    for name in SWITCHES:
        if name in fields:
            body[name] = form.get(name) == "on"
    if "capabilities" in fields:
        body["capabilities"] = {cap: form.get(f"cap_{cap}") == "on" for cap in CAPABILITIES}
    if "max_images_per_user" in fields:
        count, hours = _text(form, "max_images_count"), _text(form, "max_images_window_hours")
        body["max_images_per_user"] = (
            None if count is None and hours is None else {"count": count, "window_hours": hours}
        )
    return body, errors


def flags_body(form: FormData, model: ModelOut) -> dict[str, Any]:
    """The rollout switches (a box left unticked turns its flag off) and who may use it."""
    fields = editable(model)
    body: dict[str, Any] = {name: form.get(name) == "on" for name in FLAGS if name in fields}
    if "access_mode" in form:
        groups = [str(g) for g in form.getlist("group_ids")]
        body["access"] = {"mode": str(form.get("access_mode")), "group_ids": groups}
    return body


def _same(new: Any, old: Any) -> bool:
    if hasattr(new, "model_dump"):
        new = new.model_dump()
    if hasattr(old, "model_dump"):
        old = old.model_dump()
    if isinstance(new, dict) and isinstance(old, dict):
        return all(_plain(old.get(k)) == _plain(v) for k, v in new.items())
    return bool(new == old)


def _plain(value: Any) -> Any:
    """Lists compare as sets (a form lists groups in page order, the API in its own)."""
    return sorted(value) if isinstance(value, list) else value


def changes(body: dict[str, Any], model: ModelOut) -> ModelUpdate:
    """``body`` validated by ``ModelUpdate`` (raising its error), cut to the changed fields."""
    full = ModelUpdate.model_validate(body)
    changed = [n for n in body if not _same(getattr(full, n), getattr(model, n, None))]
    return ModelUpdate.model_validate({n: body[n] for n in changed})


def decimal_text(value: Decimal, language: str) -> str:
    """The decimal as an input shows it: every digit, the language's decimal sign, no grouping
    (a grouped ``1.234`` would read two ways on a German page)."""
    text = format(value.normalize(), "f")
    return text.replace(".", ",") if language == "de" else text


def shown_values(model: ModelOut, language: str) -> dict[str, Any]:
    """What the settings and flags forms show for the model now."""
    values: dict[str, Any] = {}
    for name in (*TEXTS, *DESCRIPTIONS, *NUMBERS):
        value = getattr(model, name, None)
        values[name] = "" if value is None else str(value)
    for name in DECIMALS:
        value = getattr(model, name, None)
        values[name] = "" if value is None else decimal_text(Decimal(value), language)
    for name in (*SWITCHES, *FLAGS):
        values[name] = bool(getattr(model, name, False))
    caps = model.capabilities.model_dump() if model.capabilities else {}
    for cap in CAPABILITIES:
        values[f"cap_{cap}"] = bool(caps.get(cap))
    quota = model.max_images_per_user
    values["max_images_count"] = str(quota.count) if quota else ""
    values["max_images_window_hours"] = str(quota.window_hours) if quota else ""
    return values


def posted_values(form: FormData, model: ModelOut, language: str) -> dict[str, Any]:
    """The values shown again after a refused save: what the admin typed, not the old ones."""
    values = shown_values(model, language)
    for name in (*TEXTS, *DESCRIPTIONS, *NUMBERS, *DECIMALS, "max_images_count"):
        if name in form:
            values[name] = str(form.get(name) or "")
    if "max_images_window_hours" in form:
        values["max_images_window_hours"] = str(form.get("max_images_window_hours") or "")
    for name in (*SWITCHES, *(f"cap_{cap}" for cap in CAPABILITIES)):
        values[name] = form.get(name) == "on"  # an unticked box is not sent at all
    return values
