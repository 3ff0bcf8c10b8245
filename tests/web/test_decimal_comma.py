"""The German decimal comma in every decimal form of the admin pages I own: budgets' amounts
(create and edit) and knowledge search's threshold; read by ``locale_format.parse_decimal``
before the domain validates, and never silently misread (``1.234`` asks which is meant)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import httpx

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model
from tests.knowledge import add_text, new_collection
from tests.support import ok
from tests.web.conftest import WebWorkspace
from tests.web.helpers import api_get, csrf_of, sign_in

BUDGETS = "/settings/budgets"


@contextmanager
def _german_admin(web_ws: WebWorkspace) -> Iterator[httpx.Client]:
    with web_ws.ws.owner() as api:
        ok(api.patch("/api/me", json={"language": "de"}))
    with httpx.Client(base_url=web_ws.base_url, timeout=20) as client:
        assert sign_in(client, web_ws.owner_email).status_code == 303
        yield client


def _budget_form(client: httpx.Client, path: str, amount: str) -> dict[str, str]:
    return {
        "scope": "workspace",
        "scope_id": "",
        "amount_usd": amount,
        "period": "month",
        "timezone": "UTC",
        "on_exceed": "block",
        "fallback_model_id": "",
        "notify_at": "80, 100",
        "webhook_url": "",
        "csrf": csrf_of(client.get(path).text),
    }


def _error(page: str, field: str, prefix: str) -> str:
    found = re.search(rf'<p class="error" id="{prefix}{field}-error">([^<]*)</p>', page)
    assert found, page[-3000:]
    return html.unescape(found.group(1))


def _amounts(web_ws: WebWorkspace) -> list[Decimal]:
    budgets: list[dict[str, Any]] = api_get(web_ws.ws, "/api/budgets")
    return [Decimal(str(b["amount_usd"])) for b in budgets]


def test_budget_amounts_take_the_decimal_comma(web_ws: WebWorkspace, fake: FakeProvider) -> None:
    add_model(web_ws.ws, fake)
    with _german_admin(web_ws) as client:
        refused = client.post(BUDGETS, data=_budget_form(client, BUDGETS, "1.234"))
        assert refused.status_code == 422
        assert _error(refused.text, "amount_usd", "new-") == (
            "„1.234“ lässt sich zweifach lesen: Schreiben Sie 1234 für die ganze Zahl oder "
            "1,234 für die Dezimalzahl."
        )
        assert 'value="1.234"' in refused.text and _amounts(web_ws) == []
        wrong = client.post(BUDGETS, data=_budget_form(client, BUDGETS, "-3"))
        assert _error(wrong.text, "amount_usd", "new-") == "Betrag (USD) muss größer als 0 sein."

        created = client.post(BUDGETS, data=_budget_form(client, BUDGETS, "1.234,5"))
        assert created.status_code == 303, created.text[-2000:]
        assert _amounts(web_ws) == [Decimal("1234.5")]

        [budget] = api_get(web_ws.ws, "/api/budgets")
        detail = f"{BUDGETS}/{budget['id']}"
        edited = client.post(detail, data=_budget_form(client, detail, "0,75"))
        assert edited.status_code == 303, edited.text[-2000:]
        assert _amounts(web_ws) == [Decimal("0.75")]


def test_knowledge_threshold_takes_the_decimal_comma(
    web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    model = add_model(web_ws.ws, fake, kind="embedding", identifier="fake-embed-8")
    with web_ws.ws.owner() as api:
        collection = new_collection(api, model["id"])
        add_text(api, collection["id"], "exact.md", "vec:1,0")
        add_text(api, collection["id"], "half.md", "vec:0.6,0.8")
    page = f"/settings/knowledge/{collection['id']}"
    with _german_admin(web_ws) as client:
        token = csrf_of(client.get(page).text)
        body = {"csrf": token, "query": "vec:1,0", "threshold": "0,7"}
        found = client.post(page + "/search", data=body)
        assert found.status_code == 200, found.text[-2000:]
        used = re.search(r'data-field="threshold_used">([^<]*)<', found.text)
        assert used and used.group(1) == "0,7"  # read as 0.7, shown back in German
        assert 'data-document="exact.md"' in found.text
        assert 'data-document="half.md"' not in found.text  # scores 0.6 < 0.7

        refused = client.post(page + "/search", data=body | {"threshold": "zwei"})
        assert refused.status_code == 422
        assert _error(refused.text, "threshold", "search-") == (
            "„zwei“ ist keine Dezimalzahl: Schreiben Sie sie wie 0,7."
        )
