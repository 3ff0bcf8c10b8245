"""The price of one call, computed exactly in decimal USD from the unit prices in force.

Which prices are in force is one rule per model kind and provider (:func:`pricing_basis`):
a call is priced per token or per image, never both. Catalog entries such as OpenAI's
``gpt-image-1`` carry token prices *and* a quoted per-image price; adding both counted every
image twice ($0.084 instead of ~$0.042 for a medium 1024x1024 image).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from modelyard.llm_types import Usage

PER_MILLION = Decimal(1_000_000)
ZERO = Decimal(0)

#: Providers whose image models are billed by the tokens each answer reports (OpenAI's and
#: Azure's gpt-image models, Gemini's image models). Their per-image figure is only a quote.
TOKEN_BILLED_IMAGE_PROVIDERS = frozenset({"openai", "azure", "google"})


class PricingBasis(StrEnum):
    """What a model's calls are priced by."""

    TOKENS = "tokens"
    IMAGES = "images"


@dataclass(frozen=True, slots=True)
class UnitPrices:
    """USD per 1M tokens, and per image; ``None`` means unknown (counted as 0, and warned)."""

    input: Decimal | None = None
    output: Decimal | None = None
    cache_read: Decimal | None = None
    cache_write: Decimal | None = None
    image: Decimal | None = None

    @property
    def has_token_prices(self) -> bool:
        return self.input is not None or self.output is not None


def pricing_basis(kind: str, provider: str, prices: UnitPrices) -> PricingBasis:
    """Completions and embeddings: per token. Image models: per token when their provider bills
    them by token and token prices are known, per image otherwise (dall-e, grok-imagine, and
    any image model set up with a per-image price only)."""
    if kind != "image":
        return PricingBasis.TOKENS
    if provider in TOKEN_BILLED_IMAGE_PROVIDERS and prices.has_token_prices:
        return PricingBasis.TOKENS
    return PricingBasis.IMAGES


def prices_in_force(kind: str, provider: str, prices: UnitPrices) -> UnitPrices:
    """``prices`` with only those of the model's :func:`pricing_basis` kept."""
    if pricing_basis(kind, provider, prices) is PricingBasis.TOKENS:
        return replace(prices, image=None)
    return UnitPrices(image=prices.image)


def price_missing(kind: str, provider: str, prices: UnitPrices) -> bool:
    """True when the model's calls would be recorded at cost 0 for want of a price."""
    in_force = prices_in_force(kind, provider, prices)
    if kind == "image":
        return in_force.image is None and in_force.output is None
    if kind == "embedding":
        return in_force.input is None
    return in_force.input is None or in_force.output is None


def cost_usd(usage: Usage, prices: UnitPrices) -> Decimal:
    """Uncached input, cache reads and writes, and output each at their own price, plus images
    (``prices`` are those in force: one of the two parts is 0).

    A cache price that is not known falls back to the input price: cheaper is a guess, free is
    wrong.
    """
    input_price = prices.input or ZERO
    cache_read = prices.cache_read if prices.cache_read is not None else input_price
    cache_write = prices.cache_write if prices.cache_write is not None else input_price
    tokens = (
        usage.input_tokens * input_price
        + usage.cache_read_tokens * cache_read
        + usage.cache_write_tokens * cache_write
        + usage.output_tokens * (prices.output or ZERO)
    ) / PER_MILLION
    return tokens + usage.images * (prices.image or ZERO)
