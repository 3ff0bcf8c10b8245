"""Settings -> Usage shows admins' live tests flagged (their count, cost and newest calls) and
filters them like ``/api/usage?tests=``: included, left out, or alone."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model, sdk
from tests.support import ok
from tests.usage import stored_rows
from tests.web.conftest import WebWorkspace
from tests.web.helpers import sign_in


def _totals(page: str) -> dict[str, str]:
    block = re.search(r'<dl class="totals" id="totals">(.*?)</dl>', page, re.S)
    assert block, page[:500]
    return dict(re.findall(r'<dd data-field="(\w+)">([^<]*)</dd>', block.group(1)))


def _api(web_ws: WebWorkspace, **query: str) -> dict[str, Any]:
    with web_ws.ws.owner() as api:
        report: dict[str, Any] = ok(api.get("/api/usage", params={"group_by": "day", **query}))
    return report


def test_live_tests_are_flagged_and_filtered(web_ws: WebWorkspace, fake: FakeProvider) -> None:
    ws = web_ws.ws
    model = add_model(ws, fake, kind="image", identifier="gpt-image-1", display_name="Painter")
    with ws.owner() as api:
        ok(api.post(f"/api/models/{model['id']}/test", json={}))  # one call: $0.04
    sdk(ws).images.generate(model=model["slug"], prompt="A small red square.")
    sdk(ws).images.generate(model=model["slug"], prompt="A small blue square.")
    rows = stored_rows(ws.server, 3, workspace_id=ws.id, model_id=model["id"])
    assert sorted(r.is_test for r in rows) == [False, False, True]

    with httpx.Client(base_url=web_ws.base_url, timeout=20) as client:
        sign_in(client, web_ws.owner_email)
        page = client.get("/settings/usage").text
        assert 'data-test="true"' in page and page.count('data-test="true"') == 1
        assert "1 test call in this period, $0.04." in page
        assert 'data-model="' + model["slug"] + '"' in page
        assert _totals(page)["requests"] == "3" and _totals(page)["cost"] == "$0.12"

        for tests, requests, cost in (("exclude", "2", "$0.08"), ("only", "1", "$0.04")):
            shown = client.get("/settings/usage", params={"tests": tests}).text
            assert _totals(shown)["requests"] == requests, tests
            assert _totals(shown)["cost"] == cost, tests
            api = _api(web_ws, tests=tests)["totals"]
            assert (str(api["requests"]), "$" + api["cost_usd_exact"]) == (requests, cost)
            assert f'<option value="{tests}" selected>' in shown
            csv = client.get("/settings/usage.csv", params={"tests": tests})
            assert len(csv.text.strip().splitlines()) == 1 + int(requests), tests

        refused = client.get("/settings/usage", params={"tests": "sometimes"})
        assert refused.status_code == 422
        assert 'id="period-tests-error"' in refused.text
        assert "'tests' must be one of: include, exclude, only." in html.unescape(refused.text)
