"""Every call, successful or not, is stored as a usage row with normalised usage and its cost."""

from __future__ import annotations

from decimal import Decimal

import openai
import pytest

from modelyard.storage.tables import UsageRow
from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model, sdk
from tests.support import Workspace
from tests.usage import stored_rows


def _records(ws: Workspace, model_id: str, expected: int) -> list[UsageRow]:
    rows = stored_rows(ws.server, expected, workspace_id=ws.id, model_id=model_id)
    assert len(rows) == expected, rows
    return rows


def test_chat_usage_and_cost(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(
        ws, fake, identifier="fake-cache-model", input_price=2, output_price=8, cache_read_price=0.5
    )
    client = sdk(ws)
    answer = client.chat.completions.create(
        model=model["slug"], messages=[{"role": "user", "content": "a b c d"}]
    )
    list(
        client.chat.completions.create(
            model=model["slug"], messages=[{"role": "user", "content": "a b c d"}], stream=True
        )
    )
    plain, streamed = _records(ws, model["id"], 2)
    assert answer.usage is not None
    assert plain.cache_read_tokens == answer.usage.prompt_tokens_details.cached_tokens > 0  # type: ignore[union-attr]
    prompt = plain.input_tokens + plain.cache_read_tokens + plain.cache_write_tokens
    assert prompt == answer.usage.prompt_tokens
    assert plain.output_tokens == answer.usage.completion_tokens
    expected = (
        plain.input_tokens * Decimal(2)
        + plain.cache_read_tokens * Decimal("0.5")
        + plain.output_tokens * Decimal(8)
    ) / Decimal(1_000_000)
    assert plain.cost_usd == expected
    assert (plain.input_price, plain.output_price) == (Decimal(2), Decimal(8))
    assert (plain.status, plain.stream, streamed.stream) == (200, False, True)
    tokens = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "images")
    assert [getattr(streamed, n) for n in tokens] == [getattr(plain, n) for n in tokens]
    assert plain.user_id == ws.owner_id and plain.deployment_id == model["deployments"][0]["id"]


def test_failed_calls_are_metered_too(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake, identifier="fail-500")
    with pytest.raises(openai.APIStatusError):
        sdk(ws).chat.completions.create(
            model=model["slug"], messages=[{"role": "user", "content": "x"}]
        )
    (record,) = _records(ws, model["id"], 1)
    assert record.status == 502 and record.error and record.cost_usd == 0


def test_images_and_embeddings_are_priced(ws: Workspace, fake: FakeProvider) -> None:
    image = add_model(ws, fake, kind="image", identifier="dall-e-3", image_price="0.04")
    sdk(ws).images.generate(model=image["slug"], prompt="x", n=2)
    (record,) = _records(ws, image["id"], 1)
    assert record.images == 2 and record.cost_usd == Decimal("0.08")
    embed = add_model(ws, fake, kind="embedding", identifier="fake-embed-8", input_price="0.02")
    sdk(ws).embeddings.create(model=embed["slug"], input="hello world")
    (record,) = _records(ws, embed["id"], 1)
    assert record.input_tokens > 0
    assert record.cost_usd == record.input_tokens * Decimal("0.02") / Decimal(1_000_000)
