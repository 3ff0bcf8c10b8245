"""The model lifecycle in a real browser: from Catalog updates to the deprecated model, its
review page and the confirmed move (issue 17, item 7)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from modelyard.testing import FakeProvider
from tests.catalog.lifecycle_setup import (
    OLD,
    depend_on_old,
    deprecating,
    refresh,
    source,
    with_next,
)
from tests.catalog.refresh_source import CatalogSource, bundled_data
from tests.catalog.test_refresh import refresh_settings
from tests.support import RunningServer, ok, running_server
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, PASSWORD
from tests.web.test_lifecycle_pages import web_workspace

__all__ = ["source"]  # the module's catalog server, a fixture


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, source: CatalogSource
) -> Iterator[RunningServer]:
    settings = refresh_settings(tmp_path_factory.mktemp("lifecycle-browser"), None, source.url, 24)
    with running_server(settings, "sqlite") as running:
        yield running


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed")
def test_move_in_the_browser(
    server: RunningServer, source: CatalogSource, fake: FakeProvider, tmp_path: Path
) -> None:
    ws, email = web_workspace(server)
    data = with_next(bundled_data())
    refresh(ws, source, data)
    dep = depend_on_old(ws, fake)
    refresh(ws, source, deprecating(data, OLD))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(base_url=server.base_url)
            page.goto("/login")
            page.fill("input[name=email]", email)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.goto("/settings/models/catalog-updates")
            page.click("#catalog-lifecycle a")
            section = page.locator(f"#retired-{dep.old['id']}")
            assert section.get_attribute("data-status") == "deprecated"
            assert section.locator("select").input_value() == dep.new["id"]
            section.locator("[data-action=review-move]").click()
            rows = page.locator("table.migration-plan tbody tr")
            assert rows.count() == 5
            page.screenshot(path=str(tmp_path / "review.png"), full_page=True)
            page.click("[data-action=confirm-move]")
            page.wait_for_url("**/settings/models/lifecycle?moved=*")
            assert page.locator("#lifecycle-moved").is_visible()
        finally:
            browser.close()
    with ws.owner() as api:
        assistants = {a["id"]: a for a in ok(api.get("/api/assistants"))}
        assert assistants[dep.assistant["id"]]["model_id"] == dep.new["id"]
