"""One pricing rule per model kind and provider: per token or per image, never both.

Checked for every image model of the bundled catalog, then end to end: a catalog gpt-image-1
called through the gateway is stored at its token price (~$0.042 for a medium image), not the
token price plus the quoted per-image price."""

from __future__ import annotations

from decimal import Decimal

import pytest

from modelyard.catalog.loader import load_bundled
from modelyard.catalog.schema import CatalogEntry
from modelyard.llm_types import Usage
from modelyard.testing import FakeProvider
from modelyard.usage.cost import (
    PricingBasis,
    UnitPrices,
    cost_usd,
    price_missing,
    prices_in_force,
    pricing_basis,
)
from tests.gateway.setup import add_key, sdk
from tests.support import Workspace, ok
from tests.usage import stored_rows

IMAGE_ENTRIES = [e for e in load_bundled().entries if e.kind == "image"]
# A medium-quality 1024x1024 gpt-image answer: 1056 image tokens, a short prompt.
MEDIUM_IMAGE = Usage(input_tokens=10, output_tokens=1056, images=1)


def _prices(entry: CatalogEntry) -> UnitPrices:
    return UnitPrices(
        entry.input_price,
        entry.output_price,
        entry.cache_read_price,
        entry.cache_write_price,
        entry.image_price,
    )


def test_the_catalog_has_image_models_of_both_bases() -> None:
    bases = {pricing_basis("image", e.provider, _prices(e)) for e in IMAGE_ENTRIES}
    assert bases == {PricingBasis.TOKENS, PricingBasis.IMAGES}
    both = [e.id for e in IMAGE_ENTRIES if e.image_price is not None and e.output_price]
    assert "openai/gpt-image-1" in both  # the entry that was priced twice


@pytest.mark.parametrize("entry", IMAGE_ENTRIES, ids=lambda e: e.id)
def test_every_catalog_image_model_is_priced_one_way(entry: CatalogEntry) -> None:
    prices = _prices(entry)
    basis = pricing_basis("image", entry.provider, prices)
    in_force = prices_in_force("image", entry.provider, prices)
    token_billed = entry.provider in ("openai", "azure", "google") and prices.has_token_prices
    assert basis is (PricingBasis.TOKENS if token_billed else PricingBasis.IMAGES)
    if basis is PricingBasis.TOKENS:
        assert in_force.image is None
        assert (in_force.input, in_force.output) == (entry.input_price, entry.output_price)
        expected = (10 * (entry.input_price or 0) + 1056 * (entry.output_price or 0)) / Decimal(
            1_000_000
        )
    else:
        assert in_force == UnitPrices(image=entry.image_price)
        expected = entry.image_price or Decimal(0)
    assert cost_usd(MEDIUM_IMAGE, in_force) == expected
    assert price_missing("image", entry.provider, prices) is (
        in_force.image is None and in_force.output is None
    )


def test_gpt_image_1_costs_one_image_not_two() -> None:
    entry = next(e for e in IMAGE_ENTRIES if e.id == "openai/gpt-image-1")
    cost = cost_usd(MEDIUM_IMAGE, prices_in_force("image", "openai", _prices(entry)))
    assert Decimal("0.040") < cost < Decimal("0.044")  # ~0.042, as OpenAI bills it
    per_image_only = UnitPrices(image=Decimal("0.04"))
    assert prices_in_force("image", "openai", per_image_only) == per_image_only  # dall-e style


@pytest.mark.parametrize("kind", ["completion", "embedding"])
def test_token_models_ignore_an_image_price(kind: str) -> None:
    prices = UnitPrices(input=Decimal(2), output=Decimal(8), image=Decimal("0.04"))
    in_force = prices_in_force(kind, "openai", prices)
    assert pricing_basis(kind, "openai", prices) is PricingBasis.TOKENS
    assert in_force.image is None
    assert cost_usd(Usage(input_tokens=1000, images=1), in_force) == Decimal("0.002")


def test_a_catalog_gpt_image_call_is_stored_at_its_token_price(
    ws: Workspace, fake: FakeProvider
) -> None:
    key = add_key(ws, fake, "openai")
    with ws.owner() as api:
        body = {"kind": "image", "catalog_id": "openai/gpt-image-1", "visible": True}
        model = ok(api.post("/api/models", json=body), 201)
        deployment = {"key_id": key["id"], "model_identifier": "gpt-image-1"}
        ok(api.post(f"/api/models/{model['id']}/deployments", json=deployment), 201)
    sdk(ws).images.generate(model=model["slug"], prompt="A small red square.")
    [row] = stored_rows(ws.server, 1, workspace_id=ws.id, model_id=model["id"])
    assert (row.images, row.output_tokens) == (1, 1056)
    assert row.image_price is None and row.output_price == Decimal(40)
    expected = (row.input_tokens * Decimal(5) + 1056 * Decimal(40)) / Decimal(1_000_000)
    assert row.cost_usd == expected
    assert Decimal("0.040") < row.cost_usd < Decimal("0.044")
