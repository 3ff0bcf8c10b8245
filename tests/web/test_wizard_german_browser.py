"""The wizard in German in headless Chromium: each step at 1280 and 390 px (nothing scrolls
sideways on a phone), a failed test explained in German with its fix, and the override asked
for on review. Screenshots: ``test-output/screenshots/wizard-de-*``."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from modelyard.testing import FakeProvider
from tests.web.conftest import WebWorkspace, screenshot
from tests.web.test_pages import sign_in

pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)
# The innermost elements reaching past a phone's width, for the message of a failure.
WIDE = """() => [...document.querySelectorAll('main *')]
    .filter(e => e.getBoundingClientRect().right > 391 && ![...e.children].some(
        c => c.getBoundingClientRect().right > 391))
    .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + e.textContent.slice(0, 40))"""


def both_widths(page: Page, name: str) -> None:
    screenshot(page, f"wizard-de-{name}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, f"wizard-de-{name}-390")
    wide = page.evaluate(WIDE)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, (name, wide)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_the_wizard_in_german_at_both_widths(
    page: Page, web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    with web_ws.ws.owner() as api:
        api.patch("/api/me", json={"language": "de"}).raise_for_status()
    sign_in(page, web_ws, web_ws.owner_email)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(web_ws.base_url + "/settings/models/new?kind=completion&provider=openai")
    expect(page.get_by_role("heading", name="Schritt 1 von 5: Modell auswählen")).to_be_visible()
    expect(page.get_by_label("Anbieter")).to_have_value("openai")
    both_widths(page, "1-select")
    page.locator(".catalog-table tr[data-id='openai/gpt-4o']").get_by_role("button").click()

    expect(
        page.get_by_role("heading", name="Schritt 2 von 5: Modell konfigurieren")
    ).to_be_visible()
    page.get_by_label("Region", exact=True).select_option("EU")
    page.get_by_label("Für Nutzer sichtbar").check()
    both_widths(page, "2-configure")
    page.get_by_role("button", name="Weiter zum Deployment").click()

    expect(
        page.get_by_role("heading", name="Schritt 3 von 5: Deployment konfigurieren")
    ).to_be_visible()
    page.get_by_label("Schlüssel", exact=True).select_option(
        label="Neuen Modellschlüssel hinzufügen"
    )
    page.get_by_label("Name des Schlüssels").fill("Haupt")
    page.get_by_label("Anbieter des Schlüssels").select_option("openai")
    page.get_by_label("Geheimnis").fill("sk-german-browser-7777")
    page.get_by_label("Basis-URL").fill(fake.url + "/v1")
    page.get_by_label("Modellkennung").fill("fail-401-gpt-4o")
    both_widths(page, "3-deployment")
    page.get_by_role("button", name="Weiter zum Test").click()

    expect(page.get_by_role("heading", name="Schritt 4 von 5: Modell testen")).to_be_visible()
    page.get_by_role("button", name="Test ausführen").click()
    result = page.locator(".test-result")
    expect(result.get_by_role("heading")).to_have_text("Test fehlgeschlagen")
    expect(result).to_contain_text("Der Anbieter hat den Schlüssel abgelehnt")
    expect(result).to_contain_text("So beheben Sie es:")
    both_widths(page, "4-test-failed")
    page.get_by_role("button", name="Weiter zur Prüfung").click()

    expect(
        page.get_by_role("heading", name="Schritt 5 von 5: Prüfen und speichern")
    ).to_be_visible()
    expect(page.get_by_label("Grund für die Veröffentlichung trotz Fehler")).to_be_visible()
    both_widths(page, "5-review-override")
    page.get_by_role("button", name="Modell speichern").click()
    expect(page.locator("#f-publish_override-error")).to_contain_text("fehlgeschlagen")
    screenshot(page, "wizard-de-5-review-refused-1280")
