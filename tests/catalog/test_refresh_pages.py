"""Settings -> Models -> Catalog updates: what a refresh changed for the workspace's models
(old -> new) and the refresh-now button (CSRF), in English and German; one browser run."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import sync_playwright

from modelyard.testing import FakeProvider
from modelyard.workspace.bootstrap import create_workspace
from tests.catalog.refresh_source import CatalogSource, bundled_data, changed
from tests.catalog.test_refresh import ENTRY, preconfigured, refresh_settings
from tests.support import RunningServer, Workspace, ok, running_server
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, PASSWORD
from tests.web.helpers import csrf_of, sign_in

PAGE = "/settings/models/catalog-updates"


@pytest.fixture(scope="module")
def source() -> Iterator[CatalogSource]:
    with CatalogSource().running() as running:
        yield running


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, source: CatalogSource
) -> Iterator[RunningServer]:
    settings = refresh_settings(tmp_path_factory.mktemp("pages"), None, source.url, 24)
    with running_server(settings, "sqlite") as running:
        yield running


def web_workspace(server: RunningServer) -> tuple[Workspace, str]:
    email = f"catalog-owner-{secrets.token_hex(3)}@example.com"
    with server.services.session() as session:
        done = create_workspace(session, "Catalog pages", email, PASSWORD)
    return Workspace(server, done.workspace_id, done.owner_id, done.owner_api_key), email


def serve_new_price(source: CatalogSource, old: Decimal) -> Decimal:
    new = old + Decimal("0.75")
    version = f"pages-{secrets.token_hex(3)}"
    source.serve(changed(bundled_data(), ENTRY, version, input_price=str(new)))
    return new


def test_refresh_button_and_changes(
    server: RunningServer, source: CatalogSource, fake: FakeProvider
) -> None:
    ws, email = web_workspace(server)
    model = preconfigured(ws, fake)
    old = Decimal(model["input_price"])
    new = serve_new_price(source, old)
    with httpx.Client(base_url=server.base_url) as client:
        assert sign_in(client, email).status_code == 303
        page = client.get(PAGE)
        assert page.status_code == 200 and 'data-action="catalog-refresh"' in page.text
        refused = client.post("/settings/models/catalog-refresh", data={"csrf": "wrong"})
        assert refused.status_code == 403
        with ws.owner() as api:
            assert ok(api.get(f"/api/models/{model['id']}"))["input_price"] == model["input_price"]
        done = client.post("/settings/models/catalog-refresh", data={"csrf": csrf_of(page.text)})
        assert done.status_code == 303 and done.headers["location"].endswith("done=applied")
        shown = client.get(done.headers["location"]).text
        row = f'data-model="{model["slug"]}" data-field="input_price"'
        assert row in shown
        after = shown.split(row, 1)[1]
        assert f'class="old">{old}<' in after and f'class="new">{new}<' in after
        assert "Catalog refreshed" in shown and "What changed for your models" in shown
        prices = client.get(f"/settings/models/{model['id']}/prices")
        assert prices.status_code == 200
        newest, oldest = prices.text.split('data-source="catalog"', 1)[1].split(
            'data-source="created"'
        )
        assert f'class="price">{new}<' in newest and f'class="price">{old}<' in oldest
        assert client.get("/settings/models/mdl_nope/prices").status_code == 404
        with ws.owner() as api:
            ok(api.patch("/api/me", json={"language": "de"}))
        german = client.get(PAGE).text
        assert (
            "Was sich für Ihre Modelle geändert hat" in german and "Jetzt aktualisieren" in german
        )


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed")
def test_refresh_in_the_browser(
    server: RunningServer, source: CatalogSource, fake: FakeProvider, tmp_path: Path
) -> None:
    ws, email = web_workspace(server)
    model = preconfigured(ws, fake)
    new = serve_new_price(source, Decimal(model["input_price"]))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(base_url=server.base_url)
            page.goto("/login")
            page.fill("input[name=email]", email)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.goto("/settings/models")
            page.click("text=Catalog updates")
            page.click("[data-action=catalog-refresh]")
            page.wait_for_url("**done=applied")
            cell = page.locator(f'tr[data-model="{model["slug"]}"][data-field="input_price"] .new')
            assert cell.inner_text() == str(new)
            assert page.locator("p.notice[role=status]").is_visible()
        finally:
            browser.close()
