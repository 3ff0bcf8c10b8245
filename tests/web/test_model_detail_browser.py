"""The model page in a real headless Chromium: from the models list an admin opens a model,
changes its context window (first refused next to the field, then saved), reorders its
fallbacks with the move buttons, and the admin API shows both changes. Screenshots of the page
at 1280 and 390 px go to test-output/screenshots/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import WebWorkspace, screenshot
from tests.web.helpers import CHAT_MODEL, KEY, api_create, api_get
from tests.web.test_pages import sign_in

pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SERIOUS = """async () => (await axe.run(document, { resultTypes: ["violations"] })).violations
  .filter(v => v.impact === "serious" || v.impact === "critical")
  .map(v => ({ id: v.id, help: v.help,
               nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")) }))"""


def test_admin_edits_a_model_and_reorders_its_fallbacks(page: Page, web_ws: WebWorkspace) -> None:
    main = api_create(web_ws.ws, "/api/models", {**CHAT_MODEL, "display_name": "Main Chat"})
    first = api_create(
        web_ws.ws, "/api/models", {**CHAT_MODEL, "display_name": "First Backup", "slug": "fb-1"}
    )
    second = api_create(
        web_ws.ws, "/api/models", {**CHAT_MODEL, "display_name": "Second Backup", "slug": "fb-2"}
    )
    with web_ws.ws.owner() as api:
        chain = {"fallbacks": [first["id"], second["id"]]}
        assert api.put(f"/api/models/{main['id']}/fallbacks", json=chain).status_code == 200

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, web_ws, web_ws.owner_email)
    page.goto(web_ws.base_url + "/settings/models")
    page.get_by_role("link", name="Main Chat", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/settings/models/{main['id']}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Main Chat")

    settings = page.locator("#settings-form")
    field = settings.get_by_label("Context window (tokens)")
    field.fill("lots")
    settings.get_by_role("button", name="Save settings").click()
    field = page.locator("#settings-form").get_by_label("Context window (tokens)")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#settings-context_window-error")).to_be_visible()
    assert api_get(web_ws.ws, f"/api/models/{main['id']}")["context_window"] == 32000

    field.fill("64000")
    page.locator("#settings-form").get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_have_text("Settings saved.")
    assert api_get(web_ws.ws, f"/api/models/{main['id']}")["context_window"] == 64000

    chain_list = page.get_by_role("list", name="Fallback order")
    expect(chain_list.get_by_role("listitem")).to_have_count(2)
    page.get_by_role("button", name="Move up Second Backup").click()
    expect(page.get_by_role("status")).to_have_text("Fallbacks saved.")
    items = page.get_by_role("list", name="Fallback order").get_by_role("listitem")
    expect(items.nth(0)).to_contain_text("Second Backup")
    expect(items.nth(1)).to_contain_text("First Backup")
    order = [f["id"] for f in api_get(web_ws.ws, f"/api/models/{main['id']}")["fallbacks"]]
    assert order == [second["id"], first["id"]]
    # The keyboard alone does the same: focus a move button, press Enter.
    page.get_by_role("button", name="Move down Second Backup").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Fallbacks saved.")
    items = page.get_by_role("list", name="Fallback order").get_by_role("listitem")
    expect(items.nth(0)).to_contain_text("First Backup")
    order = [f["id"] for f in api_get(web_ws.ws, f"/api/models/{main['id']}")["fallbacks"]]
    assert order == [first["id"], second["id"]]
    screenshot(page, "model-detail-1280-en")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "model-detail-390-en")

    with web_ws.ws.owner() as api:  # the same page for a German-speaking admin
        assert api.patch("/api/me", json={"language": "de"}).status_code == 200
    page.reload()
    expect(page.get_by_role("button", name="Einstellungen speichern")).to_be_visible()
    expect(page.locator("#settings-form").get_by_label("Kontextfenster (Tokens)")).to_have_value(
        "64000"
    )
    screenshot(page, "model-detail-390-de")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "model-detail-1280-de")


def test_the_model_page_has_no_serious_accessibility_violation(
    browser: Browser, web_ws: WebWorkspace
) -> None:
    """axe-core on a full model page (deployment, fallback, dependents, a refused field) at
    1280 and 390 px, in English and German."""
    key = api_create(web_ws.ws, "/api/model-keys", KEY)
    main = api_create(web_ws.ws, "/api/models", {**CHAT_MODEL, "display_name": "Main Chat"})
    backup = api_create(
        web_ws.ws, "/api/models", {**CHAT_MODEL, "display_name": "Backup", "slug": "bk"}
    )
    body = {"key_id": key["id"], "model_identifier": "acme-chat-1", "tpm_limit": 1000}
    api_create(web_ws.ws, f"/api/models/{main['id']}/deployments", body)
    with web_ws.ws.owner() as api:
        chain = {"fallbacks": [backup["id"]]}
        assert api.put(f"/api/models/{main['id']}/fallbacks", json=chain).status_code == 200
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.add_init_script(script=AXE.read_text())
    page = context.new_page()
    found: list[dict[str, Any]] = []
    try:
        sign_in(page, web_ws, web_ws.owner_email)
        for language in ("en", "de"):
            with web_ws.ws.owner() as api:
                assert api.patch("/api/me", json={"language": language}).status_code == 200
            for model in (main, backup):
                page.goto(f"{web_ws.base_url}/settings/models/{model['id']}")
                if model is main:  # a refused value, so the error markup is audited too
                    page.locator("#settings-context_window").fill("lots")
                    page.locator("#settings-form button[type=submit]").click()
                    expect(page.locator("#settings-context_window-error")).to_be_visible()
                for width in (1280, 390):
                    page.set_viewport_size({"width": width, "height": 900})
                    found += [
                        {"page": f"{model['slug']} {language} {width}", **v}
                        for v in page.evaluate(SERIOUS)
                    ]
    finally:
        context.close()
    assert found == []
