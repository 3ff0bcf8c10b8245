"""Synthetic usage rows for the rollup tests: a few hundred calls over several days, with every
key a rollup has (users, models with and without an id or slug, deployments, test calls,
errors) and costs with many decimals, so that any rounding or double count shows."""

from __future__ import annotations

import random
import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert

from modelyard.storage.tables import WorkspaceRow
from modelyard.usage.journal import Row

DAY0 = datetime(2026, 3, 1, tzinfo=UTC)
DAYS = 6


def new_workspace_id(engine: Engine) -> str:
    """A workspace row of its own (retention walks the workspaces table)."""
    workspace_id = f"ws_{secrets.token_hex(6)}"
    with engine.begin() as connection:
        connection.execute(insert(WorkspaceRow).values(id=workspace_id, name=workspace_id))
    return workspace_id


def usage_rows(workspace_id: str, count: int, seed: int = 7) -> list[Row]:
    """``count`` usage_records rows (dicts as the recorder writes them) spread over DAYS days,
    some sharing an instant, so that keyset pages meet ties."""
    rng = random.Random(seed)
    models = [("mdl_a", "model-a", "dep_a1"), ("mdl_b", "model-b", "dep_b1"), (None, "gone", None)]
    rows: list[Row] = []
    instant = DAY0
    for index in range(count):
        if rng.random() > 0.2:  # one in five shares the previous call's instant
            instant = DAY0 + timedelta(seconds=rng.randrange(DAYS * 86400))
        model_id, slug, deployment = rng.choice(models)
        tokens = rng.randrange(1, 5000)
        rows.append(
            {
                "id": f"call_{seed}_{index:06d}_{secrets.token_hex(3)}",
                "workspace_id": workspace_id,
                "user_id": rng.choice(["usr_1", "usr_2", "usr_3"]),
                "api_key_id": rng.choice(["key_1", None]),
                "endpoint": rng.choice(["chat", "embeddings"]),
                "model_id": model_id,
                "model_slug": slug if rng.random() > 0.1 else None,
                "deployment_id": deployment,
                "fallback_path": [],
                "status": rng.choice([200, 200, 200, 429, 500]),
                "stream": rng.random() > 0.5,
                "input_tokens": tokens,
                "output_tokens": rng.randrange(0, 900),
                "cache_read_tokens": rng.randrange(0, 100),
                "cache_write_tokens": rng.randrange(0, 10),
                "reasoning_tokens": rng.randrange(0, 50),
                "images": rng.randrange(0, 2),
                "latency_ms": rng.random() * 900,
                "input_price": "2.5",
                "output_price": "10",
                "cache_read_price": None,
                "cache_write_price": None,
                "image_price": None,
                "cost_usd": str(Decimal(tokens) * Decimal("0.0000025") + Decimal("1E-19")),
                "error": None,
                "started_at": instant,
                "request_id": None,
                "outcome": None,
                "is_test": rng.random() < 0.15,
            }
        )
    return rows


def as_report(rows: Any) -> list[tuple[Any, ...]]:
    """A report as plain comparable tuples (key, label, every total)."""
    return [
        (
            row.key,
            row.label,
            row.totals.requests,
            row.totals.errors,
            row.totals.input_tokens,
            row.totals.output_tokens,
            row.totals.cache_read_tokens,
            row.totals.cache_write_tokens,
            row.totals.reasoning_tokens,
            row.totals.images,
            row.totals.cost_usd,
        )
        for row in rows
    ]
