"""Deleting one thing several times at once: one 204, the others 404, never a 500.

The second of two concurrent deletions used to delete 0 rows through the ORM, which SQLAlchemy
reports as an error (the fuzz run found it on deployments and knowledge documents).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support import Workspace, create_chat_model, ok


def _model(api: httpx.Client) -> str:
    model = create_chat_model(api, f"Doomed {secrets.token_hex(3)}")
    return f"/api/models/{model['id']}"


def _model_key(api: httpx.Client) -> str:
    body = {"name": f"k-{secrets.token_hex(3)}", "provider": "openai", "secret": "sk-abcdefgh"}
    return f"/api/model-keys/{ok(api.post('/api/model-keys', json=body), 201)['id']}"


def _assistant(api: httpx.Client) -> str:
    model = create_chat_model(api, f"A {secrets.token_hex(3)}", available_in_assistants=True)
    body = {"name": "Helper", "instructions": "Be brief.", "model_id": model["id"]}
    return f"/api/assistants/{ok(api.post('/api/assistants', json=body), 201)['id']}"


def _group(api: httpx.Client) -> str:
    group = ok(api.post("/api/groups", json={"name": f"G {secrets.token_hex(3)}"}), 201)
    return f"/api/groups/{group['id']}"


def _budget(api: httpx.Client) -> str:
    body = {"scope": "workspace", "amount_usd": "10", "period": "month"}
    return f"/api/budgets/{ok(api.post('/api/budgets', json=body), 201)['id']}"


MAKERS: dict[str, Callable[[httpx.Client], str]] = {
    "model": _model,
    "model_key": _model_key,
    "assistant": _assistant,
    "group": _group,
    "budget": _budget,
}


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_concurrent_deletions_are_one_success_and_404s(ws: Workspace, kind: str) -> None:
    for _round in range(3):
        with ws.owner() as api:
            url = MAKERS[kind](api)

        def remove(_: int, url: str = url) -> int:
            with ws.owner() as api:
                return api.delete(url).status_code

        with ThreadPoolExecutor(4) as pool:
            statuses = sorted(pool.map(remove, range(4)))
        assert statuses[0] in (200, 204) and statuses[1:] == [404, 404, 404], statuses
        with ws.owner() as api:
            assert api.get(url).status_code in (404, 405)
