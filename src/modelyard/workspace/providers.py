"""Which provider kinds exist and which model keys can serve which models."""

from __future__ import annotations

from typing import Literal, get_args

Provider = Literal[
    "openai", "azure", "anthropic", "google", "mistral", "deepseek", "xai", "openai_compatible"
]
PROVIDERS: tuple[str, ...] = get_args(Provider)

# Servers that speak OpenAI's API can stand in for the labs whose models they host.
_ALSO_SERVED_BY: dict[str, frozenset[str]] = {
    "openai": frozenset({"azure", "openai_compatible"}),
    "mistral": frozenset({"openai_compatible"}),
    "deepseek": frozenset({"openai_compatible"}),
    "xai": frozenset({"openai_compatible"}),
}


def key_serves_model(key_provider: str, model_provider: str) -> bool:
    """True when a key of ``key_provider`` can carry calls for a model of ``model_provider``."""
    return key_provider == model_provider or key_provider in _ALSO_SERVED_BY.get(
        model_provider, frozenset()
    )
