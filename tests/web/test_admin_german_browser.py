"""In Chromium: an admin switches to Deutsch on the home page and walks every settings page of
the navigation; each one is German (``lang="de"``, no English label of the admin tables left)
and is screenshotted to test-output/screenshots/ (``de-<page>.png``)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model
from tests.support import ok
from tests.web.conftest import WebWorkspace, screenshot
from tests.web.helpers import key_in_use
from tests.web.test_admin_german import _leftovers
from tests.web.test_pages import sign_in


def test_switch_to_german_and_walk_the_admin_navigation(
    page: Page, web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    key_in_use(web_ws.ws)
    image = add_model(web_ws.ws, fake, kind="image", identifier="gpt-image-1")
    with web_ws.ws.owner() as api:
        ok(api.post(f"/api/models/{image['id']}/test", json={}))  # a test call for Usage
    sign_in(page, web_ws, web_ws.owner_email)
    page.goto(web_ws.base_url + "/")
    page.locator("form.lang-switch").get_by_role("button", name="Deutsch").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Modelle")

    links = page.locator('header nav a[href^="/settings/"]')
    hrefs = [href for href in links.evaluate_all("as => as.map(a => a.getAttribute('href'))")]
    assert "/settings/models" in hrefs and "/settings/usage" in hrefs, hrefs
    for href in hrefs:
        page.locator(f'header nav a[href="{href}"]').first.click()
        expect(page).to_have_url(re.compile(re.escape(href) + "$"))
        expect(page.locator("html")).to_have_attribute("lang", "de")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert _leftovers(page.content()) == [], href
        screenshot(page, "de-" + href.strip("/").replace("/", "-"))

    page.goto(web_ws.base_url + "/settings/usage")
    expect(page.locator("#live-tests")).to_contain_text("Live-Tests")
    expect(page.locator("#test-calls tbody tr[data-test=true]")).to_have_count(1)
    expect(page.locator("#totals dd[data-field=cost]")).to_contain_text("$")
    page.get_by_label("Live-Tests", exact=True).select_option("exclude")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page).to_have_url(re.compile(r"tests=exclude"))
    expect(page.locator("#totals dd[data-field=requests]")).to_have_text("0")
    screenshot(page, "de-settings-usage-without-tests")
