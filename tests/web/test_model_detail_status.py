"""The model page's day-two facts and the fields of every kind, through real HTTP: health and
errors of a failing deployment after real /v1 calls, calls and cost as Usage records them, TPM
in use, a pre-configured model's catalog status with its catalog fields read-only, and the
image and embedding models' own fields (threshold, image quota) saved and refused.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import openai
import pytest

from modelyard.testing import FakeProvider
from modelyard.web.locale_format import usd
from modelyard.workspace.catalog_store import active_catalog
from tests.gateway.setup import add_model, close_clients, sdk
from tests.usage import stored_rows
from tests.web.conftest import WebWorkspace
from tests.web.helpers import api_create
from tests.web.model_detail_steps import error_at, page_of, post, signed_in, stored

MESSAGES: Any = [{"role": "user", "content": "Hello"}]


def _section(page: str, element_id: str) -> str:
    return page.split(f'id="{element_id}"')[1].split("</article>")[0]


def test_health_errors_usage_and_tpm_after_real_calls(
    web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    good = add_model(web_ws.ws, fake, display_name="Good Chat", identifier="fake-good")
    bad = add_model(web_ws.ws, fake, display_name="Bad Chat", identifier="fail-500")
    [good_dep] = good["deployments"]
    [bad_dep] = bad["deployments"]
    with web_ws.ws.owner() as api:
        limited = {"tpm_limit": 100000}
        assert api.patch(f"/api/deployments/{good_dep['id']}", json=limited).status_code == 200
    client = sdk(web_ws.ws)
    try:
        for _ in range(2):
            client.chat.completions.create(model=good["slug"], messages=MESSAGES)
        health = web_ws.ws.server.services.router.health
        for _ in range(10):  # until it is trusted again only through a probe
            if health.view(bad_dep["id"]).failures >= 3:
                break
            with pytest.raises(openai.APIError):
                client.chat.completions.create(model=bad["slug"], messages=MESSAGES)
    finally:
        close_clients()
    rows = stored_rows(web_ws.ws.server, workspace_id=web_ws.ws.id)
    good_rows = [r for r in rows if r.model_id == good["id"]]
    bad_rows = [r for r in rows if r.model_id == bad["id"] and r.status >= 400]
    failures = web_ws.ws.server.services.router.health.view(bad_dep["id"]).failures
    assert len(good_rows) == 2 and bad_rows and failures >= 1
    with signed_in(web_ws) as browser:
        page = browser.get(page_of(bad["id"])).text
        article = _section(page, f"dep-{bad_dep['id']}")
        state = re.search(r'data-health="(\w+)"', article)
        assert state and state.group(1) in ("cooling", "probing"), article
        assert ("Cooling down" in article) or ("Probing after" in article)
        errors = re.search(r"<dd data-errors-hour>([^<]*)</dd>", article)
        assert errors and errors.group(1) == str(failures)  # none succeeded in between
        day = page.split('data-window="md_last_24h"')[1].split("</tr>")[0]
        assert f'data-label="Errors">{len(bad_rows)}</td>' in day

        page = browser.get(page_of(good["id"])).text
        day = page.split('data-window="md_last_24h"')[1].split("</tr>")[0]
        month = page.split('data-window="md_last_30d"')[1].split("</tr>")[0]
        cost = sum((r.cost_usd for r in good_rows), Decimal(0))
        tokens = sum(r.input_tokens for r in good_rows)
        for row in (day, month):
            assert '<td class="num" data-label="Calls">2</td>' in row
            assert f">{tokens:,}</td>" in row
            assert f">{usd(cost, 'en')}</td>" in row
        article = _section(page, f"dep-{good_dep['id']}")
        assert 'data-health="ok"' in article
        used = re.search(r"<dd data-tpm>([\d,]+) of 100,000</dd>", article)
        assert used, article
        total = sum(r.input_tokens + r.output_tokens for r in good_rows)
        assert 0 < int(used.group(1).replace(",", "")) <= total


def test_a_preconfigured_model_shows_its_catalog_entry_and_keeps_its_fields(
    web_ws: WebWorkspace,
) -> None:
    body = {"kind": "completion", "catalog_id": "openai/gpt-4o"}
    model = api_create(web_ws.ws, "/api/models", body)
    with signed_in(web_ws) as client:
        page = client.get(page_of(model["id"])).text
        status = page.split('id="catalog-status"')[1].split("</p>")[0]
        assert "(openai/gpt-4o)" in status and "Current" in status
        assert 'id="settings-context_window"' not in page  # the catalog's, shown read-only
        assert 'id="settings-display_name"' in page
        before = stored(web_ws, model["id"])
        form = {"display_name": "Our GPT", "slug": before["slug"], "region": "EU"}
        saved = post(client, model["id"], "/settings", **form)
        assert saved.status_code == 303, saved.text
    after = stored(web_ws, model["id"])
    assert (after["display_name"], after["region"]) == ("Our GPT", "EU")
    assert after["context_window"] == before["context_window"]
    assert after["input_price"] == before["input_price"]


def test_a_model_of_a_deprecated_entry_says_so(web_ws: WebWorkspace) -> None:
    with web_ws.ws.server.services.session() as session:
        entries = active_catalog(session).entries
    entry = next(e for e in entries if e.deprecated and e.kind == "completion")
    model = api_create(web_ws.ws, "/api/models", {"kind": "completion", "catalog_id": entry.id})
    with signed_in(web_ws) as client:
        page = client.get(page_of(model["id"])).text
    status = page.split('id="catalog-status"')[1].split("</p>")[0]
    assert f"({entry.id})" in status and "Deprecated by the provider" in status


def _image_form(model: dict[str, Any], **changes: str) -> dict[str, str]:
    base = {
        "display_name": model["display_name"],
        "slug": model["slug"],
        "provider": model["provider"],
        "provider_model_name": model["provider_model_name"],
        "region": model["region"],
        "image_price": "0.04",
    }
    return base | changes


def test_image_fields_are_saved_and_refused(web_ws: WebWorkspace) -> None:
    body = {
        "kind": "image",
        "display_name": "Pics",
        "provider": "openai",
        "provider_model_name": "p",
    }
    model = api_create(web_ws.ws, "/api/models", body)
    with signed_in(web_ws) as client:
        page = client.get(page_of(model["id"])).text
        assert (
            'id="settings-max_images_count"' in page and 'id="settings-context_window"' not in page
        )
        before = stored(web_ws, model["id"])
        bad = _image_form(before, max_images_count="0", max_images_window_hours="3")
        refused = post(client, model["id"], "/settings", **bad)
        assert refused.status_code == 422
        assert "greater than 0" in error_at(refused.text, "settings", "max_images_per_user")
        assert stored(web_ws, model["id"]) == before
        good = _image_form(
            before,
            max_images_count="50",
            max_images_window_hours="3",
            image_editing="on",
            image_price="0.042",
        )
        assert post(client, model["id"], "/settings", **good).status_code == 303
    after = stored(web_ws, model["id"])
    assert after["max_images_per_user"] == {"count": 50, "window_hours": 3}
    assert after["image_editing"] is True and after["image_price"] == 0.042


def test_embedding_threshold_is_saved_and_refused(web_ws: WebWorkspace) -> None:
    body = {
        "kind": "embedding",
        "display_name": "Vectors",
        "provider": "openai",
        "provider_model_name": "e",
    }
    model = api_create(web_ws.ws, "/api/models", body)
    base = {
        "display_name": "Vectors",
        "slug": model["slug"],
        "provider": "openai",
        "provider_model_name": "e",
        "region": "Global",
    }
    with signed_in(web_ws) as client:
        page = client.get(page_of(model["id"])).text
        assert 'value="0.5"' in page  # the default threshold
        assert 'id="flags-available_in_assistants"' not in page  # completion models only
        before = stored(web_ws, model["id"])
        refused = post(client, model["id"], "/settings", **base, similarity_threshold="2")
        assert refused.status_code == 422
        assert "1" in error_at(refused.text, "settings", "similarity_threshold")
        assert stored(web_ws, model["id"]) == before
        saved = post(
            client,
            model["id"],
            "/settings",
            **base,
            similarity_threshold="0.8",
            embedding_dimensions="1536",
        )
        assert saved.status_code == 303, saved.text
    after = stored(web_ws, model["id"])
    assert (after["similarity_threshold"], after["embedding_dimensions"]) == (0.8, 1536)
