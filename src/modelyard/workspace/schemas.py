"""What the outside sends and sees: pydantic schemas of the admin domain (not ORM rows).

Field-level rules (lengths, ranges, enums) are declared here once; rules that depend on the
model's kind or on other rows live in the services. The admin API, web UI and CLI all validate
through these classes.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    field_validator,
)

from modelyard.catalog.schema import Capabilities
from modelyard.workspace.providers import Provider

Kind = Literal["completion", "image", "embedding"]
Region = Literal["EU", "US", "Global"]
Role = Literal["owner", "admin", "member"]
Language = Literal["en", "de"]

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=150)]
Price = Annotated[Decimal, Field(ge=0, max_digits=20, decimal_places=10)]
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$"
    ),
]
# Exact in storage and arithmetic; a plain JSON number on the way out.
PriceOut = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
Slug = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,119}$")]


def _has_nul(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


class Input(BaseModel):
    """Base of request schemas: unknown fields are an error, never silently dropped. No text
    may hold a NUL character: PostgreSQL cannot store one (it was a 500 there)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("must not contain NUL (\\u0000) characters")
        return value


# --- model keys ---------------------------------------------------------------------------


def _header_safe(value: str) -> str:
    """Sent as an HTTP header value: printable ASCII only, so CR/LF can never split a header.

    The message never repeats the value: it may be a secret.
    """
    if any(not (" " <= ch <= "~") for ch in value):
        raise ValueError("must be printable ASCII, without control characters (CR, LF, tab).")
    return value


_API_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# Identifiers go into upstream URL paths (Azure deployments, Gemini models): word characters
# plus the separators real identifiers use (``ft:gpt-4o:org:id``, ``claude-x@20250929``,
# ``models/gemini-2.5-pro``, ``org/model`` on OpenAI-compatible servers). No whitespace,
# ``?``, ``#``, ``%``, ``\``; ``/`` only between non-empty segments that are not ``.``/``..``.
_IDENTIFIER = re.compile(r"[A-Za-z0-9._:@+-]+(/[A-Za-z0-9._:@+-]+)*")


def _api_version(value: str) -> str:
    if not _API_VERSION.fullmatch(value):
        raise ValueError("must be letters, digits, '.', '_' or '-' (like 2024-10-21).")
    return value


def _model_identifier(value: str) -> str:
    if not _IDENTIFIER.fullmatch(value):
        raise ValueError(
            "may contain only letters, digits and . _ : @ + - (and '/' between parts); no "
            "whitespace, control characters, '?', '#', '%' or '\\'."
        )
    if any(part in (".", "..") for part in value.split("/")):
        raise ValueError("must not contain '.' or '..' path segments.")
    return value


Secret = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=4, max_length=4000),
    AfterValidator(_header_safe),
]
BaseUrl = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
ApiVersion = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=40), AfterValidator(_api_version)
]
Organization = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(_header_safe)
]
ModelIdentifier = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_model_identifier),
]


class ModelKeyCreate(Input):
    name: Name
    provider: Provider
    secret: Secret
    base_url: BaseUrl | None = None
    api_version: ApiVersion | None = None
    organization: Organization | None = None


class ModelKeyUpdate(Input):
    name: Name | None = None
    secret: Secret | None = None
    base_url: BaseUrl | None = None
    api_version: ApiVersion | None = None
    organization: Organization | None = None


class KeyUsage(BaseModel):
    deployment_id: str
    model_id: str
    model_slug: str


class ModelKeyOut(BaseModel):
    id: str
    name: str
    provider: str
    secret_last4: str
    base_url: str | None
    api_version: str | None
    organization: str | None
    used_by: list[KeyUsage]
    created_at: datetime
    updated_at: datetime


# --- models -------------------------------------------------------------------------------


class MaxImagesPerUser(Input):
    count: int = Field(gt=0, le=100_000)
    window_hours: int = Field(gt=0, le=24 * 366)


class CapabilitiesInput(Input):
    image_analysis: bool | None = None
    canvas: bool | None = None
    tools: bool | None = None
    temperature: bool | None = None
    always_show_reasoning: bool | None = None
    responses_api: bool | None = None


class ModelAccess(Input):
    """Who may use a model: everyone (the default), or only the members of ``group_ids``;
    admins and owners always may. ``groups`` with no group leaves it to admins only."""

    mode: Literal["everyone", "groups"]
    group_ids: list[Annotated[str, StringConstraints(min_length=1, max_length=40)]] = Field(
        default_factory=list, max_length=1000
    )


class ModelFields(Input):
    """Every writable model field; which ones a model may carry depends on its kind and origin."""

    slug: Slug | None = None
    display_name: Name | None = None
    provider: Provider | None = None
    provider_model_name: Name | None = None
    region: Region | None = None
    description_en: Description | None = None
    description_de: Description | None = None
    visible: bool | None = None
    available_in_assistants: bool | None = None
    premium: bool | None = None
    maintenance: bool | None = None
    allow_cross_region_fallback: bool | None = None
    context_window: int | None = Field(default=None, gt=0, le=100_000_000)
    max_output_tokens: int | None = Field(default=None, gt=0, le=100_000_000)
    input_price: Price | None = None
    output_price: Price | None = None
    cache_read_price: Price | None = None
    cache_write_price: Price | None = None
    image_price: Price | None = None
    capabilities: CapabilitiesInput | None = None
    image_editing: bool | None = None
    max_images_per_user: MaxImagesPerUser | None = None
    similarity_threshold: Decimal | None = Field(default=None, ge=Decimal("0.1"), le=Decimal("1"))
    embedding_dimensions: int | None = Field(default=None, gt=0, le=100_000)
    access: ModelAccess | None = None


class ModelCreate(ModelFields):
    kind: Kind
    catalog_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None


class ModelUpdate(ModelFields):
    pass


class DeploymentOut(BaseModel):
    id: str
    model_id: str
    key_id: str
    key_name: str
    provider: str
    model_identifier: str
    tpm_limit: int | None
    created_at: datetime


class FallbackRef(BaseModel):
    id: str
    slug: str
    display_name: str


class ModelOut(BaseModel):
    id: str
    kind: Kind
    slug: str
    catalog_id: str | None
    catalog_status: str | None
    preconfigured: bool
    display_name: str
    provider: str
    provider_model_name: str
    region: Region
    description_en: str | None
    description_de: str | None
    visible: bool
    available_in_assistants: bool
    premium: bool
    maintenance: bool
    allow_cross_region_fallback: bool
    context_window: int | None
    max_output_tokens: int | None
    input_price: PriceOut | None
    output_price: PriceOut | None
    cache_read_price: PriceOut | None
    cache_write_price: PriceOut | None
    image_price: PriceOut | None
    capabilities: Capabilities | None
    image_generation: bool | None
    image_editing: bool | None
    max_images_per_user: MaxImagesPerUser | None
    similarity_threshold: PriceOut | None
    embedding_dimensions: int | None
    deployments: list[DeploymentOut]
    fallbacks: list[FallbackRef]
    access: ModelAccess
    warnings: list[str]
    created_at: datetime
    updated_at: datetime


# --- deployments and fallbacks -----------------------------------------------------------


class DeploymentCreate(Input):
    key_id: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    model_identifier: ModelIdentifier
    tpm_limit: int | None = Field(default=None, gt=0, le=10_000_000_000)


class DeploymentUpdate(Input):
    key_id: Annotated[str, StringConstraints(min_length=1, max_length=40)] | None = None
    model_identifier: ModelIdentifier | None = None
    tpm_limit: int | None = Field(default=None, gt=0, le=10_000_000_000)


class FallbacksSet(Input):
    fallbacks: list[str] = Field(max_length=10)


# --- users, API keys, default model, assistants -------------------------------------------


class UserCreate(Input):
    email: Email
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    role: Role = "member"
    password: str | None = Field(default=None, max_length=200)
    language: Language = "en"


class UserUpdate(Input):
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    role: Role | None = None
    password: str | None = Field(default=None, max_length=200)
    language: Language | None = None
    # False deactivates (every key revoked, every session ended), True reactivates.
    active: bool | None = None


class UserOut(BaseModel):
    id: str
    email: str
    name: str
    role: Role
    language: Language
    default_model_id: str | None
    group_ids: list[str] = Field(default_factory=list)
    created_at: datetime
    active: bool = True
    # How they sign in: with a password, through single sign-on, or both.
    has_password: bool = False
    sso: bool = False


class DefaultModelSet(Input):
    model_id: str | None


class DefaultModelOut(BaseModel):
    model_id: str | None
    slug: str | None


AssistantTool = Literal["canvas"]


class AssistantCreate(Input):
    name: Name
    instructions: Annotated[str, StringConstraints(max_length=20_000)] = ""
    model_id: str
    tools: list[AssistantTool] = Field(default_factory=list, max_length=10)
    slug: Slug | None = None
    knowledge_collection_id: str | None = None


class AssistantUpdate(Input):
    name: Name | None = None
    instructions: Annotated[str, StringConstraints(max_length=20_000)] | None = None
    model_id: str | None = None
    tools: list[AssistantTool] | None = Field(default=None, max_length=10)
    knowledge_collection_id: str | None = Field(
        default=None, description="A knowledge collection to answer from; null detaches it."
    )


class AssistantOut(BaseModel):
    id: str
    name: str
    slug: str
    instructions: str
    model_id: str
    tools: list[str]
    knowledge_collection_id: str | None
    created_at: datetime
    updated_at: datetime
