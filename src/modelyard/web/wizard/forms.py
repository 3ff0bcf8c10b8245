"""What each wizard step asks, per kind and origin, and how typed values become the input of the
same schemas the admin API uses.

Field lists follow the product document: a pre-configured model only gets the rollout choices
listed for its kind, a manual one every field of its kind, in the document's groups. Nothing
here judges a value: empty means "not given", everything else goes to the schemas as typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args

from starlette.datastructures import FormData

from modelyard.web.locale_format import DecimalUnreadable, parse_decimal
from modelyard.workspace.providers import PROVIDERS
from modelyard.workspace.schemas import Description, Region

REGIONS: tuple[str, ...] = get_args(Region)
# The limit comes from the schema, so the counter in the page can never disagree with it.
DESCRIPTION_LIMIT: int = next(
    m.max_length for m in get_args(Description)[1:] if getattr(m, "max_length", None)
)


@dataclass(frozen=True, slots=True)
class Field:
    """One input; ``name`` is the schema's field, a dot marks a nested one (``capabilities.x``)."""

    name: str
    label: str
    type: str = "text"  # text | number | select | checkbox | description | fixed
    hint: str = ""
    options: tuple[str, ...] = ()

    @property
    def html_id(self) -> str:
        return "f-" + self.name.replace(".", "-")


@dataclass(frozen=True, slots=True)
class Group:
    title: str
    fields: tuple[Field, ...]


def _price(name: str, label: str) -> Field:
    return Field(name, label, "number", "USD per 1M tokens")


PROVIDER = Field(
    "provider", "Provider", "select", "The organization that built the model.", PROVIDERS
)
PROVIDER_MODEL = Field(
    "provider_model_name", "Provider model name", hint="The model identifier used by your provider."
)
REGION = Field("region", "Region", "select", "Where the model is hosted; shown to users.", REGIONS)
DESCRIPTIONS = (
    Field("description_en", "Description (EN)", "description", "Optional."),
    Field("description_de", "Description (DE)", "description", "Optional."),
)
VISIBLE = Field("visible", "Visible to users", "checkbox", "Keep it off while you test the model.")
ASSISTANTS = Field(
    "available_in_assistants",
    "Available in assistants",
    "checkbox",
    "Only such models can back an assistant.",
)
PREMIUM = Field(
    "premium", "Premium model", "checkbox", "Users cannot set it as their personal default."
)
MAINTENANCE = Field(
    "maintenance", "Maintenance mode", "checkbox", "Pauses usage without removing the model."
)
MAX_IMAGES = (
    Field(
        "max_images_per_user.count",
        "Max images per user",
        "number",
        "Optional: how many images one user may generate per time window (e.g. 50).",
    ),
    Field("max_images_per_user.window_hours", "Time window (hours)", "number", "E.g. 3."),
)
CAPABILITIES = (
    Field(
        "capabilities.image_analysis",
        "Image analysis",
        "checkbox",
        "The model accepts images as input.",
    ),
    Field(
        "capabilities.canvas",
        "Canvas",
        "checkbox",
        "The model may create documents with the canvas tool.",
    ),
    Field("capabilities.tools", "Supports tools", "checkbox", "The model supports tool calling."),
    Field(
        "capabilities.temperature",
        "Supports temperature",
        "checkbox",
        "When off, temperature is not sent to the model.",
    ),
    Field(
        "capabilities.always_show_reasoning",
        "Always show reasoning",
        "checkbox",
        "For models that produce reasoning output (e.g. o3).",
    ),
    Field(
        "capabilities.responses_api",
        "Use Responses API",
        "checkbox",
        "Use OpenAI's Responses API instead of Chat Completions.",
    ),
)

PRECONFIGURED: dict[str, tuple[Group, ...]] = {
    "completion": (Group("Rollout", (REGION, VISIBLE, ASSISTANTS, PREMIUM, MAINTENANCE)),),
    "image": (Group("Rollout", (REGION, VISIBLE, *MAX_IMAGES)),),
    "embedding": (Group("Rollout", (REGION, VISIBLE)),),
}
MANUAL: dict[str, tuple[Group, ...]] = {
    "completion": (
        Group(
            "General",
            (
                PROVIDER,
                PROVIDER_MODEL,
                Field(
                    "display_name",
                    "Display name",
                    hint="Optional; the provider model name when empty.",
                ),
                REGION,
                *DESCRIPTIONS,
            ),
        ),
        Group(
            "Configure",
            (
                Field("context_window", "Context window size", "number", "In tokens."),
                Field(
                    "max_output_tokens",
                    "Max output tokens",
                    "number",
                    "The most tokens the model can generate per response.",
                ),
            ),
        ),
        Group(
            "Pricing",
            (
                _price("input_price", "Input token price"),
                _price("output_price", "Output token price"),
                _price("cache_read_price", "Cache read token price"),
                _price("cache_write_price", "Cache write token price"),
            ),
        ),
        Group("Capabilities", CAPABILITIES),
        Group("Rollout", (VISIBLE, ASSISTANTS, PREMIUM, MAINTENANCE)),
    ),
    "image": (
        Group(
            "General",
            (
                Field("display_name", "Model name", hint="The name shown to users."),
                PROVIDER_MODEL,
                PROVIDER,
                REGION,
            ),
        ),
        Group("Visibility", (VISIBLE,)),
        Group("Description", DESCRIPTIONS),
        Group(
            "Configure",
            (*MAX_IMAGES, Field("image_price", "Price per image", "number", "USD per image.")),
        ),
        Group(
            "Advanced",
            (
                Field(
                    "image_generation",
                    "Image generation",
                    "fixed",
                    "All image models can generate images.",
                ),
                Field(
                    "image_editing",
                    "Image editing",
                    "checkbox",
                    "The model can edit existing images.",
                ),
            ),
        ),
    ),
    "embedding": (
        Group("General", (PROVIDER, PROVIDER_MODEL, *DESCRIPTIONS)),
        Group("Visibility", (VISIBLE,)),
        Group(
            "Configure",
            (
                Field(
                    "similarity_threshold",
                    "Vector similarity threshold",
                    "number",
                    "Minimum similarity score (0.1-1) of matches; 0.5 when empty.",
                ),
                _price("input_price", "Input token price"),
            ),
        ),
    ),
}
# Checked when a manual form is first shown: what most models do.
MANUAL_DEFAULTS = {"capabilities.temperature": "on", "region": "Global"}
# Fields holding a decimal: typed in the reader's way (``0,7`` on a German page).
DECIMALS = frozenset(
    {
        "input_price",
        "output_price",
        "cache_read_price",
        "cache_write_price",
        "image_price",
        "similarity_threshold",
    }
)


def model_groups(kind: str, manual: bool) -> tuple[Group, ...]:
    return (MANUAL if manual else PRECONFIGURED)[kind]


def _inputs(groups: tuple[Group, ...]) -> list[Field]:
    return [f for group in groups for f in group.fields if f.type != "fixed"]


def read_model_form(form: FormData, kind: str, manual: bool) -> dict[str, str]:
    """The typed values of the model step (checkboxes as "on" or "")."""
    out: dict[str, str] = {}
    for f in _inputs(model_groups(kind, manual)):
        value = form.get(f.name)
        out[f.name] = value if isinstance(value, str) else ""
    return out


def _decimal(value: str, language: str) -> str:
    """A decimal typed in ``language``'s way as the schema reads it; as typed when unreadable
    (the schema then refuses it, naming the field)."""
    try:
        return str(parse_decimal(value, language))
    except DecimalUnreadable:
        return value


def model_payload(
    kind: str, catalog_id: str | None, typed: dict[str, str], language: str = "en"
) -> dict[str, Any]:
    """The body of ``ModelCreate`` for these typed values, as the admin API would receive it."""
    body: dict[str, Any] = {"kind": kind, "catalog_id": catalog_id}
    for f in _inputs(model_groups(kind, catalog_id is None)):
        value = typed.get(f.name, "")
        parent, _, child = f.name.partition(".")
        if f.type == "checkbox":
            given: Any = value == "on"
        elif value.strip():
            given = _decimal(value, language) if f.name in DECIMALS else value
        else:
            continue
        if child:
            body.setdefault(parent, {})[child] = given
        else:
            body[f.name] = given
    return body


KEY_FIELDS = (
    Field("key.name", "Key name"),
    Field(
        "key.provider", "Key provider", "select", "Who serves the calls with this key.", PROVIDERS
    ),
    Field("key.secret", "Secret", hint="Encrypted at rest; never shown again."),
    Field("key.base_url", "Base URL", hint="Optional; empty means the provider's public endpoint."),
    Field("key.api_version", "API version", hint="Azure OpenAI only."),
    Field("key.organization", "Organization", hint="Optional."),
)
DEPLOYMENT_FIELDS = ("key_id", "model_identifier", "tpm_limit", *(f.name for f in KEY_FIELDS))
NEW_KEY = "new"


def read_deployment_form(form: FormData) -> tuple[dict[str, str], list[str]]:
    """The typed values of the deployment step, and the chosen fallbacks in order."""
    typed = {name: str(form.get(name) or "") for name in DEPLOYMENT_FIELDS}
    fallbacks = [str(v) for v in form.getlist("fallbacks") if isinstance(v, str) and v]
    return typed, fallbacks


def key_payload(typed: dict[str, str]) -> dict[str, str]:
    """The body of ``ModelKeyCreate`` for an inline new key."""
    return {
        f.name.removeprefix("key."): typed[f.name]
        for f in KEY_FIELDS
        if typed.get(f.name, "").strip()
    }


def deployment_payload(typed: dict[str, str], key_id: str | None) -> dict[str, str]:
    """The body of ``DeploymentCreate``; ``key_id`` is the inline key's once it exists."""
    body = {name: typed[name] for name in ("model_identifier", "tpm_limit") if typed.get(name)}
    chosen = key_id or typed.get("key_id", "")
    if chosen:
        body["key_id"] = chosen
    return body
