"""Single sign-on in a real headless Chromium: the login page's button, the provider's page,
back to Modelyard signed in with the groups of the claim; in German, a refusal's page."""

from __future__ import annotations

import re

from playwright.sync_api import Browser as Chromium
from playwright.sync_api import Page, expect

from tests.sso.conftest import PROVIDER_WARNINGS
from tests.sso.helpers import users_named
from tests.sso.provider import Provider
from tests.support import RunningServer, Workspace, ok
from tests.web.conftest import browser, screenshot  # noqa: F401  (the Chromium fixture)

pytestmark = PROVIDER_WARNINGS


def _sign_in_at_provider(page: Page, sub: str) -> None:
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize").click()


def test_sign_in_with_sso_in_chromium(
    browser: Chromium,  # noqa: F811
    sso_server: RunningServer,
    sso_ws: Workspace,
    provider: Provider,
) -> None:
    with sso_ws.owner() as api:
        analysts = ok(api.post("/api/groups", json={"name": "Analysts"}), 201)
    provider.set_user(
        "ada", email="ada@example.com", name="Ada Lovelace", groups=["Analysts", "Unknown"]
    )
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-US")
    context.set_default_timeout(15000)
    page = context.new_page()
    page.goto(sso_server.base_url + "/login")
    page.get_by_role("link", name="Sign in with SSO").click()
    expect(page).to_have_url(re.compile("^" + re.escape(provider.issuer) + "/oauth2/authorize"))
    _sign_in_at_provider(page, "ada")
    expect(page).to_have_url(sso_server.base_url + "/")
    expect(page.locator(".who")).to_contain_text("ada@example.com")
    screenshot(page, "sso-signed-in")
    with sso_ws.owner() as api:
        [ada] = users_named(api, "ada@example.com")
    assert ada["group_ids"] == [analysts["id"]] and ada["sso"] and ada["role"] == "member"
    context.close()

    provider.set_user("mallory", email="mallory@elsewhere.test")
    german = browser.new_context(locale="de-DE")
    german.set_default_timeout(15000)
    page = german.new_page()
    page.goto(sso_server.base_url + "/login")
    expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
    page.get_by_role("link", name="Mit SSO anmelden").click()
    _sign_in_at_provider(page, "mallory")
    expect(page.get_by_role("heading")).to_have_text("Die Anmeldung mit SSO hat nicht geklappt")
    expect(page.get_by_role("alert")).to_contain_text("elsewhere.test dürfen sich")
    screenshot(page, "sso-refused-de")
    german.close()
