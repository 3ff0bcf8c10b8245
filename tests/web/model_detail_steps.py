"""Shared steps of the model page's tests: sign in, read a form's token, find a field's error."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from tests.web.conftest import WebWorkspace
from tests.web.helpers import api_get, csrf_of, sign_in


def page_of(model_id: str) -> str:
    return f"/settings/models/{model_id}"


@contextmanager
def signed_in(web_ws: WebWorkspace) -> Iterator[httpx.Client]:
    with web_ws.ws.server.client() as client:
        assert sign_in(client, web_ws.owner_email).status_code == 303
        yield client


def post(client: httpx.Client, model_id: str, path: str, **fields: Any) -> httpx.Response:
    """POST one of the page's forms, with the token the page itself carries."""
    token = csrf_of(client.get(page_of(model_id)).text)
    return client.post(page_of(model_id) + path, data={**fields, "csrf": token})


def error_at(page: str, form: str, field: str) -> str:
    """The message the page shows next to ``field`` of ``form`` (fails when there is none)."""
    found = re.search(rf'<p class="error"[^>]* id="{form}-{field}-error">([^<]*)</p>', page)
    assert found, page
    return html.unescape(found.group(1))


def stored(web_ws: WebWorkspace, model_id: str) -> dict[str, Any]:
    """The model as the admin API shows it, minus what changes without an edit."""
    model: dict[str, Any] = api_get(web_ws.ws, f"/api/models/{model_id}")
    model.pop("updated_at")
    return model


def settings_form(model: dict[str, Any], **changes: str) -> dict[str, str]:
    """The settings form of a manual completion model as the page shows it, with ``changes``."""
    caps = model.get("capabilities") or {}
    form = {
        name: "" if model.get(name) is None else str(model[name])
        for name in (
            "display_name",
            "slug",
            "provider",
            "provider_model_name",
            "region",
            "description_en",
            "description_de",
            "context_window",
            "max_output_tokens",
            "input_price",
            "output_price",
            "cache_read_price",
            "cache_write_price",
        )
    }
    form |= {f"cap_{name}": "on" for name, on in caps.items() if on}
    if model.get("allow_cross_region_fallback"):
        form["allow_cross_region_fallback"] = "on"
    return form | changes
