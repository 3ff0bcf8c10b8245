"""Settings -> Users in a real headless Chromium: the owner invites someone into a group through
the form; the invitee opens the one-time link in a browser of their own, chooses a password
and lands signed in; the owner finds them by search and deactivates them, and the invitee's
session is over at their next page.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import WebWorkspace, screenshot
from tests.web.design_steps import confirm
from tests.web.helpers import api_create, api_get
from tests.web.test_pages import sign_in

pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)

EMAIL = "ines.invited@example.com"
PASSWORD = "ines chooses a password"


def test_invite_accept_and_deactivate(page: Page, web_ws: WebWorkspace) -> None:
    group = api_create(web_ws.ws, "/api/groups", {"name": "Research"})
    sign_in(page, web_ws, web_ws.owner_email)
    page.get_by_role("link", name="Settings: Users").click()
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()

    form = page.locator("#invite-user")
    form.get_by_label("Email").fill(EMAIL)
    form.get_by_label("Name").fill("Ines")
    form.get_by_label("Role").select_option(label="Member")
    form.get_by_label("Research").check()
    form.get_by_role("button", name="Send invite").click()
    expect(page.get_by_role("heading", name=f"Sign-in link for {EMAIL}")).to_be_visible()
    link = page.get_by_label("One-time link").input_value()
    assert link.startswith(web_ws.base_url + "/invite/")
    row = page.locator("tr", has_text=EMAIL)
    expect(row.locator(".groups")).to_have_text("Research")
    expect(row.locator(".sign-in")).to_have_text("Not yet (invite pending)")
    screenshot(page, "users-invited")

    invitee = page.context.browser.new_context().new_page()  # type: ignore[union-attr]
    invitee.goto(link)
    expect(invitee.get_by_role("heading", name="Choose your password")).to_be_visible()
    invitee.get_by_label("Password", exact=True).fill(PASSWORD)
    invitee.get_by_label("Password again").fill(PASSWORD)
    invitee.get_by_role("button", name="Set password and sign in").click()
    expect(invitee).to_have_url(web_ws.base_url + "/")
    expect(invitee.get_by_text(EMAIL)).to_be_visible()  # the header names who is signed in
    [ines] = [u for u in api_get(web_ws.ws, "/api/users") if u["email"] == EMAIL]
    assert ines["has_password"] and ines["group_ids"] == [group["id"]]

    page.get_by_label("Search by email or name").fill("ines")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#users-matches")).to_have_text("1 user(s) match “ines”.")
    page.get_by_role("link", name=EMAIL).click()
    expect(page.locator(".sign-in")).to_have_text("Password")
    page.get_by_role("button", name="Deactivate").click()
    confirm(page)  # ui.js asks before a destructive button's form is sent
    expect(page).to_have_url(re.compile(r"\?saved=deactivated$"))
    expect(page.get_by_role("status")).to_contain_text("every API key revoked")
    expect(page.locator(".status")).to_have_text("Deactivated")
    screenshot(page, "user-deactivated")

    invitee.get_by_role("link", name="API keys").click()
    expect(invitee).to_have_url(web_ws.base_url + "/login")
    invitee.get_by_label("Email").fill(EMAIL)
    invitee.get_by_label("Password").fill(PASSWORD)
    invitee.get_by_role("button", name="Sign in").click()
    expect(invitee.get_by_role("alert")).to_have_text("Wrong email or password.")
    invitee.context.close()
