"""The web UI in a real headless Chromium: sign-in, the models and model-keys pages, members.

Runs against the SQLite server only: the pages are the same whatever the database, and the
domain they call is tested on both backends by the admin API tests.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import PASSWORD, WebWorkspace, screenshot
from tests.web.design_steps import confirm
from tests.web.helpers import CHAT_MODEL, KEY, api_create, api_get, key_in_use

pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)


def sign_in(page: Page, web_ws: WebWorkspace, email: str, password: str = PASSWORD) -> None:
    page.goto(web_ws.base_url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_refuses_a_wrong_password_then_lands_on_models(
    page: Page, web_ws: WebWorkspace
) -> None:
    sign_in(page, web_ws, web_ws.owner_email, "not the password")
    expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    expect(page.get_by_label("Email")).to_have_value(web_ws.owner_email)
    screenshot(page, "login-refused")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/settings/models$"))
    expect(page.get_by_role("heading", name="Workspace settings: Models")).to_be_visible()
    expect(page.get_by_role("link", name="Add custom model (image)")).to_have_attribute(
        "href", "/settings/models/new?kind=image"
    )
    page.get_by_role("link", name="Add custom model (image)").click()
    expect(page.get_by_role("heading", name="Add custom image model")).to_be_visible()
    expect(page.get_by_role("heading", name="Step 1 of 5: Select the model")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))


def test_toggles_change_the_model(page: Page, web_ws: WebWorkspace) -> None:
    model = api_create(web_ws.ws, "/api/models", CHAT_MODEL)
    sign_in(page, web_ws, web_ws.owner_email)
    row = page.locator(f"#model-{model['id']}")
    expect(row.locator(".badges")).to_contain_text("Hidden")
    expect(row.locator(".badges")).to_contain_text("Manual")
    expect(row.locator(".badges")).to_contain_text("No price")

    row.get_by_role("button", name="Make visible Acme Chat").click()
    expect(row.locator(".badges")).to_contain_text("Visible")
    assert api_get(web_ws.ws, f"/api/models/{model['id']}")["visible"] is True

    row.get_by_role("button", name="Start maintenance Acme Chat").click()
    expect(row.locator(".badges")).to_contain_text("Maintenance")
    assert api_get(web_ws.ws, f"/api/models/{model['id']}")["maintenance"] is True
    screenshot(page, "settings-models")

    row.get_by_role("button", name="End maintenance Acme Chat").click()
    expect(row.get_by_role("button", name="Start maintenance Acme Chat")).to_be_visible()
    assert api_get(web_ws.ws, f"/api/models/{model['id']}")["maintenance"] is False


def test_member_sees_visible_models_but_no_admin_page(page: Page, web_ws: WebWorkspace) -> None:
    shown = api_create(web_ws.ws, "/api/models", {**CHAT_MODEL, "visible": True})
    api_create(web_ws.ws, "/api/models", {**CHAT_MODEL, "display_name": "Secret Chat"})
    sign_in(page, web_ws, web_ws.member_email)
    expect(page).to_have_url(re.compile(r"/$"))
    item = page.locator(f"li[data-slug='{shown['slug']}']")
    expect(item).to_contain_text("Region: EU")
    expect(item).to_contain_text("Fast chat model")
    expect(page.get_by_text("Secret Chat")).to_have_count(0)
    expect(page.get_by_role("link", name="Settings: Models")).to_have_count(0)
    screenshot(page, "member-home")

    for path in ("/settings/models", "/settings/model-keys"):
        response = page.goto(web_ws.base_url + path)
        assert response is not None and response.status == 403
        expect(page.get_by_role("alert")).to_contain_text("for workspace admins")
    screenshot(page, "member-refused")


def test_adding_a_key_shows_the_missing_field_and_saves_nothing(
    page: Page, web_ws: WebWorkspace
) -> None:
    sign_in(page, web_ws, web_ws.owner_email)
    page.goto(web_ws.base_url + "/settings/model-keys")
    form = page.locator("#add-key")
    form.get_by_label("Provider").select_option(KEY["provider"])
    form.get_by_label("Secret").fill(KEY["secret"])
    form.get_by_label("Base URL").fill(KEY["base_url"])
    form.get_by_role("button", name="Add model key").click()

    expect(page.locator("#add-name-error")).to_have_text("This field is required.")
    expect(form.get_by_label("Name")).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label("Base URL")).to_have_value(KEY["base_url"])
    expect(form.get_by_label("Secret")).to_have_value("")  # never sent back
    assert api_get(web_ws.ws, "/api/model-keys") == []
    screenshot(page, "model-keys-missing-name")

    form.get_by_label("Name").fill(KEY["name"])
    form.get_by_label("Secret").fill(KEY["secret"])
    form.get_by_role("button", name="Add model key").click()
    expect(page.get_by_role("status")).to_have_text("Model key added.")
    expect(page.locator("table.keys")).to_contain_text("...1234")
    [saved] = api_get(web_ws.ws, "/api/model-keys")
    assert (saved["name"], saved["secret_last4"]) == (KEY["name"], "1234")


def test_deleting_a_key_in_use_shows_why(page: Page, web_ws: WebWorkspace) -> None:
    key, model = key_in_use(web_ws.ws)
    sign_in(page, web_ws, web_ws.owner_email)
    page.goto(web_ws.base_url + "/settings/model-keys")
    row = page.locator(f"#key-{key['id']}")
    expect(row).to_contain_text(model["slug"])
    row.get_by_role("button", name=f"Delete {key['name']}").click()
    confirm(page)  # ui.js asks before a destructive button's form is sent
    expect(row.get_by_role("alert")).to_contain_text(
        f"is used by 1 deployment(s) of: {model['slug']}"
    )
    assert [k["id"] for k in api_get(web_ws.ws, "/api/model-keys")] == [key["id"]]
    screenshot(page, "model-keys-in-use")

    row.get_by_label(f"New secret for {key['name']}").fill("sk-rotated-9876")
    row.get_by_role("button", name="Rotate secret").click()
    expect(page.get_by_role("status")).to_have_text("Model key rotated.")
    assert api_get(web_ws.ws, f"/api/model-keys/{key['id']}")["secret_last4"] == "9876"
