"""Settings -> Usage & cost in headless Chromium, after real calls through ``/v1`` to the fake.

Every number on the page must be the one ``/api/usage`` gives for the same period, the chart
must have one bar per day with usage, and the CSV behind the page's link must be the admin
API's, byte for byte.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import openai
import pytest
from playwright.sync_api import Page, expect

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model, close_clients, sdk
from tests.support import ok
from tests.usage import stored_rows
from tests.web.conftest import WebWorkspace, screenshot
from tests.web.test_pages import sign_in

pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)

FIELDS = ("requests", "errors", "input_tokens", "output_tokens", "images")
PRICES: dict[str, Any] = {"input_price": "2", "output_price": "8", "cache_read_price": "0.5"}
CHEAP: dict[str, Any] = {"input_price": "0.15", "output_price": "0.6", "cache_read_price": "0.075"}


def _chat(client: openai.OpenAI, slug: str, text: str) -> None:
    client.chat.completions.create(model=slug, messages=[{"role": "user", "content": text}])


@pytest.fixture
def traffic(web_ws: WebWorkspace, fake: FakeProvider) -> WebWorkspace:
    """Two chat models, an image model and a broken one, used by the owner and a member."""
    ws = web_ws.ws
    model_a = add_model(ws, fake, identifier="fake-cache-a", **PRICES)
    model_b = add_model(ws, fake, identifier="fake-cache-b", **CHEAP)
    image = add_model(ws, fake, kind="image", identifier="gpt-image-1")
    broken = add_model(ws, fake, identifier="fail-500", **CHEAP)
    _member_id, member_key = ws.add_user("member")
    owner, member = sdk(ws), sdk(ws, member_key)
    _chat(owner, model_a["slug"], "one two three")
    _chat(owner, model_a["slug"], "four five six seven")
    _chat(owner, model_b["slug"], "eight")
    _chat(member, model_b["slug"], "nine ten eleven twelve")
    owner.images.generate(model=image["slug"], prompt="a blue circle")
    with pytest.raises(openai.APIStatusError):
        _chat(member, broken["slug"], "x")
    close_clients()
    assert len(stored_rows(ws.server, 6, workspace_id=ws.id)) == 6
    return web_ws


def _api(web_ws: WebWorkspace, **query: str) -> dict[str, Any]:
    with web_ws.ws.owner() as api:
        report: dict[str, Any] = ok(api.get("/api/usage", params=query))
    return report


def _page_rows(page: Page, table: str) -> dict[str, dict[str, str]]:
    rows: list[dict[str, str]] = page.locator(f"#{table} tbody tr[data-key]").evaluate_all(
        """rows => rows.map(row => Object.fromEntries([["key", row.dataset.key],
             ["label", row.querySelector("th").textContent.trim()],
             ...[...row.querySelectorAll("td")].map(td => [td.dataset.field, td.textContent])]))"""
    )
    return {row["key"]: row for row in rows}


def _expected(row: dict[str, Any]) -> dict[str, str]:
    return {**{name: str(row[name]) for name in FIELDS}, "cost": "$" + row["cost_usd_exact"]}


def test_the_page_shows_what_the_api_reports(page: Page, traffic: WebWorkspace) -> None:
    today = datetime.now(UTC).date()
    period = {"from": (today - timedelta(days=29)).isoformat(), "to": today.isoformat()}
    sign_in(page, traffic, traffic.owner_email)
    page.get_by_role("link", name="Settings: Usage").click()
    expect(page.get_by_role("heading", name="Workspace settings: Usage & cost")).to_be_visible()
    expect(page.get_by_label("From (UTC, inclusive)")).to_have_value(period["from"])
    expect(page.get_by_label("To (UTC, inclusive)")).to_have_value(period["to"])

    totals = _api(traffic, group_by="day", **period)["totals"]
    assert totals["requests"] == 6 and totals["errors"] == 1 and totals["images"] == 1
    shown = page.locator("#totals dd").evaluate_all(
        "dds => Object.fromEntries(dds.map(dd => [dd.dataset.field, dd.textContent]))"
    )
    assert shown == _expected(totals)

    for group, table in (("model", "by-model"), ("user", "by-user"), ("day", "by-day")):
        api_rows = _api(traffic, group_by=group, **period)["rows"]
        page_rows = _page_rows(page, table)
        assert set(page_rows) == {row["key"] for row in api_rows}, group
        for row in api_rows:
            on_page = page_rows[row["key"]]
            assert on_page["label"] == row["label"]
            assert {k: v for k, v in on_page.items() if k not in ("key", "label")} == _expected(row)

    chart = page.get_by_role("img", name="Cost per day (USD)")
    expect(chart).to_be_visible()
    days = _api(traffic, group_by="day", **period)["rows"]
    bars = chart.locator("rect.bar")
    # One bar per day of the period (gaps at zero), the days with usage carrying the API's cost.
    start, end = date.fromisoformat(period["from"]), date.fromisoformat(period["to"])
    expect(bars).to_have_count((end - start).days + 1)
    drawn = {bar.get_attribute("data-label"): bar for bar in bars.all()}
    assert [day["key"] for day in days] == [today.isoformat()]
    for day in days:
        bar = drawn.pop(day["key"])
        assert bar.get_attribute("data-value") == day["cost_usd_exact"]
        assert float(bar.get_attribute("height") or 0) > 0
    assert {bar.get_attribute("data-value") for bar in drawn.values()} == {"0"}
    assert {float(bar.get_attribute("height") or 0) for bar in drawn.values()} == {0.0}
    screenshot(page, "usage-page")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "usage-page-narrow")
    page.set_viewport_size({"width": 1200, "height": 900})

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Export CSV")).click()
    download = download_info.value
    downloaded = Path(download.path()).read_bytes()
    with traffic.ws.owner() as api:
        from_api = api.get("/api/usage/export.csv", params=period)
    assert from_api.status_code == 200
    assert downloaded == from_api.content
    assert len(downloaded.decode().strip().splitlines()) == 7  # header and six calls
    assert download.suggested_filename == re.search(
        r'filename="([^"]+)"', from_api.headers["content-disposition"]
    ).group(1)  # type: ignore[union-attr]


def test_an_empty_period_and_bad_dates(page: Page, traffic: WebWorkspace) -> None:
    sign_in(page, traffic, traffic.owner_email)
    page.goto(traffic.base_url + "/settings/usage?from=2025-05-01&to=2025-05-02")
    expect(page.locator("#totals dd[data-field=requests]")).to_have_text("0")
    expect(page.locator("#totals dd[data-field=cost]")).to_have_text("$0")
    expect(page.get_by_role("img", name="Cost per day (USD)").locator("rect.bar")).to_have_count(0)
    expect(page.locator("#by-day")).to_contain_text("No usage in this period.")

    form = page.locator("#period")
    form.get_by_label("From (UTC, inclusive)").fill("2025-05-03")
    with page.expect_response(re.compile(r"/settings/usage\?")) as answer:
        form.get_by_role("button", name="Show").click()
    assert answer.value.status == 422
    with traffic.ws.owner() as api:
        query = {"from": "2025-05-03", "to": "2025-05-02"}
        message = api.get("/api/usage", params=query).json()["error"]["message"]
    expect(page.locator("#period-from-error")).to_have_text(message)
    expect(form.get_by_label("From (UTC, inclusive)")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#totals")).to_have_count(0)
    screenshot(page, "usage-bad-period")

    response = page.goto(traffic.base_url + "/settings/usage?from=2025-05-01&to=2025-13-01")
    assert response is not None and response.status == 422
    expect(page.locator("#period-to-error")).to_contain_text("'to' must be an ISO 8601 date")
    response = page.goto(traffic.base_url + "/settings/usage.csv?from=yesterday")
    assert response is not None and response.status == 422
    expect(page.locator("#period-from-error")).to_contain_text("'from' must be an ISO 8601")


def test_members_are_refused(page: Page, web_ws: WebWorkspace) -> None:
    sign_in(page, web_ws, web_ws.member_email)
    expect(page.get_by_role("link", name="Settings: Usage")).to_have_count(0)
    for path in ("/settings/usage", "/settings/usage.csv"):
        response = page.goto(web_ws.base_url + path)
        assert response is not None and response.status == 403
