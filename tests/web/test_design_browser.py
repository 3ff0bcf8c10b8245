"""The layout in headless Chromium: the grouped navigation and its phone menu by keyboard,
tables that keep their labels at 390 px, a confirmation before revoking an API key, the notice
after a save, sign-in coming back to the page asked for, and error pages in the UI's look."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import WebWorkspace, screenshot
from tests.web.test_pages import sign_in

pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def test_grouped_navigation_and_the_phone_menu_by_keyboard(
    page: Page, web_ws: WebWorkspace
) -> None:
    page.set_viewport_size(DESKTOP)
    sign_in(page, web_ws, web_ws.owner_email)
    nav = page.get_by_role("navigation", name="Main")
    groups = nav.locator(".nav-group").all_inner_texts()
    assert [g.lower() for g in groups] == [
        "your workspace",
        "models",
        "usage & spend",
        "people & access",
        "settings",
    ]
    people = page.get_by_role("list", name="People & access")
    expect(people.get_by_role("link")).to_have_text(["Users", "Groups"])
    current = nav.locator("[aria-current=page]")
    expect(current).to_have_text("Models")
    expect(current).to_have_accessible_name("Settings: Models")
    box = nav.bounding_box()
    assert box is not None and box["width"] < 300  # a sidebar, not a row that wraps
    page.get_by_role("link", name="Settings: Usage").click()
    expect(nav.locator("[aria-current=page]")).to_have_text("Usage")

    page.set_viewport_size(PHONE)
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    header = page.locator("#site-header").bounding_box()
    assert header is not None and header["height"] < 80  # one row, not a block of links
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(menu).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Close menu")).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    screenshot(page, "design-phone-menu-open")
    page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="My models")).to_be_focused()
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(menu).to_be_focused()


def test_tables_at_390_px_revoking_asks_first_and_saves_say_so(
    page: Page, web_ws: WebWorkspace
) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, web_ws, web_ws.member_email)
    page.goto(web_ws.base_url + "/me/api-keys")
    page.get_by_label("Name", exact=True).fill("laptop")
    page.get_by_role("button", name="Create API key").click()
    row = page.locator("table tbody tr", has_text="laptop")
    expect(row).to_be_visible()
    labels = row.locator("td").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c, '::before').content)"
    )
    headers = page.locator("table thead th").all_inner_texts()
    assert labels == [f'"{h.strip()}"' for h in headers]  # each cell says its column
    assert '"Status"' in labels and '"Name"' in labels
    screenshot(page, "design-keys-390")

    revoke = row.get_by_role("button", name="Revoke laptop")
    revoke.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text("Revoke laptop?")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    screenshot(page, "design-confirm-revoke-390")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(revoke).to_be_focused()
    expect(row).to_contain_text("Active")

    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Revoke laptop")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("API key revoked")
    expect(page.locator("table tbody tr", has_text="laptop")).to_contain_text("Revoked")


def test_sign_in_comes_back_to_the_page_and_errors_are_pages(
    page: Page, web_ws: WebWorkspace
) -> None:
    page.set_viewport_size(DESKTOP)
    page.goto(web_ws.base_url + "/settings/usage?from=2026-01-01&to=2026-01-31")
    expect(page).to_have_url(web_ws.base_url + "/login")
    page.get_by_label("Email").fill(web_ws.owner_email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(web_ws.base_url + "/settings/usage?from=2026-01-01&to=2026-01-31")

    page.goto(web_ws.base_url + "/settings/no-such-page")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    screenshot(page, "design-404")
