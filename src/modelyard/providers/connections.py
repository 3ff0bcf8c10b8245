"""Endpoint and auth per provider: the only thing that differs between providers sharing a wire.

Base URLs follow each provider SDK's convention (see API.md): OpenAI-style ones end in ``/v1``,
Anthropic's and Gemini's are the bare host, Azure's is the resource endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from modelyard.providers.base import Target

ANTHROPIC_VERSION = "2023-06-01"


@dataclass(frozen=True, slots=True)
class BearerConnection:
    """OpenAI and every server speaking its API: ``{base}/{operation}``, bearer token."""

    default_base_url: str

    def url(self, target: Target, operation: str, *, stream: bool = False) -> str:
        return f"{target.base}/{operation}"

    def headers(self, target: Target) -> dict[str, str]:
        headers = {"authorization": f"Bearer {target.secret}"}
        if target.organization:
            headers["openai-organization"] = target.organization
        return headers


@dataclass(frozen=True, slots=True)
class AzureConnection:
    """Azure OpenAI: the deployment in the path, ``api-version`` in the query, ``api-key``."""

    default_base_url: str = ""

    def url(self, target: Target, operation: str, *, stream: bool = False) -> str:
        version = quote(target.api_version or "", safe="")
        if operation == "responses":
            return f"{target.base}/openai/v1/responses"
        deployment = quote(target.model, safe="")
        return f"{target.base}/openai/deployments/{deployment}/{operation}?api-version={version}"

    def headers(self, target: Target) -> dict[str, str]:
        return {"api-key": target.secret}


@dataclass(frozen=True, slots=True)
class AnthropicConnection:
    default_base_url: str = "https://api.anthropic.com"

    def url(self, target: Target, operation: str, *, stream: bool = False) -> str:
        return f"{target.base}/v1/{operation}"

    def headers(self, target: Target) -> dict[str, str]:
        return {"x-api-key": target.secret, "anthropic-version": ANTHROPIC_VERSION}


@dataclass(frozen=True, slots=True)
class GoogleConnection:
    """Gemini: the model and method in the path (``models/{m}:{method}``), ``x-goog-api-key``."""

    default_base_url: str = "https://generativelanguage.googleapis.com"

    def url(self, target: Target, operation: str, *, stream: bool = False) -> str:
        model = quote(target.model.removeprefix("models/"), safe="-._")
        url = f"{target.base}/v1beta/models/{model}:{operation}"
        return f"{url}?alt=sse" if stream else url

    def headers(self, target: Target) -> dict[str, str]:
        return {"x-goog-api-key": target.secret}


OPENAI = BearerConnection("https://api.openai.com/v1")
MISTRAL = BearerConnection("https://api.mistral.ai/v1")
DEEPSEEK = BearerConnection("https://api.deepseek.com/v1")
XAI = BearerConnection("https://api.x.ai/v1")
OPENAI_COMPATIBLE = BearerConnection("http://localhost:8000/v1")
AZURE = AzureConnection()
ANTHROPIC = AnthropicConnection()
GOOGLE = GoogleConnection()
