"""The members' pages in a real headless Chromium: their models in their language, their
personal default model, their own API keys (used through the official ``openai`` SDK)."""

from __future__ import annotations

import html
import re
from typing import Any

import openai
import pytest
from playwright.sync_api import Page, expect

from tests.gateway.setup import close_clients, sdk
from tests.support import ok
from tests.web.conftest import WebWorkspace, screenshot
from tests.web.design_steps import confirm
from tests.web.helpers import CHAT_MODEL, api_create, api_get
from tests.web.test_pages import sign_in

pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)


@pytest.fixture(autouse=True)
def _close_sdk_clients() -> Any:
    yield
    close_clients()


def member_of(web_ws: WebWorkspace) -> dict[str, Any]:
    users: list[dict[str, Any]] = api_get(web_ws.ws, "/api/users")
    return next(u for u in users if u["email"] == web_ws.member_email)


def member_key(web_ws: WebWorkspace) -> str:
    """An API key of the member, issued by the owner through the admin API."""
    member = member_of(web_ws)
    issued = api_create(web_ws.ws, f"/api/users/{member['id']}/api-keys", {"name": "test"})
    key: str = issued["key"]
    return key


def test_member_switches_to_german_and_back(page: Page, web_ws: WebWorkspace) -> None:
    model = api_create(web_ws.ws, "/api/models", {**CHAT_MODEL, "visible": True})
    sign_in(page, web_ws, web_ws.member_email)
    item = page.locator(f"li[data-slug='{model['slug']}']")
    expect(item.locator(".description")).to_have_text("Fast chat model")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")

    page.get_by_role("button", name="Deutsch").click()
    expect(page.get_by_role("status")).to_have_text("Sprache gespeichert.")
    expect(page.get_by_role("heading", name="Ihre Modelle")).to_be_visible()
    expect(item.locator(".description")).to_have_text("Schnelles Chatmodell")
    expect(item).to_contain_text("Region: EU")
    expect(item).to_contain_text("Aufruf als")
    expect(page.get_by_role("heading", name="Ihr Standardmodell")).to_be_visible()
    expect(page.get_by_role("navigation", name="Hauptnavigation")).to_contain_text("Meine Modelle")
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    assert member_of(web_ws)["language"] == "de"
    screenshot(page, "member-home-de")

    # The language follows the member to their other pages, and back where they switched.
    page.get_by_role("link", name="API-Schlüssel").click()
    expect(page.get_by_role("heading", name="Ihre API-Schlüssel")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(re.compile(r"/me/api-keys\?saved=language$"))
    expect(page.get_by_role("heading", name="Your API keys")).to_be_visible()
    assert member_of(web_ws)["language"] == "en"


def test_a_forged_language_is_refused_by_the_schema(page: Page, web_ws: WebWorkspace) -> None:
    sign_in(page, web_ws, web_ws.member_email)
    csrf = page.locator("input[name=csrf]").first.input_value()
    answer = page.request.post(
        web_ws.base_url + "/me/language", form={"csrf": csrf, "language": "fr", "next": "/"}
    )
    assert answer.status == 422
    assert "Input should be 'en' or 'de'" in html.unescape(answer.text())
    assert member_of(web_ws)["language"] == "en"

    answer = page.request.post(web_ws.base_url + "/me/language", form={"language": "de"})
    assert answer.status == 403  # no CSRF token: nothing changed
    assert member_of(web_ws)["language"] == "en"


def test_member_picks_a_default_and_premium_is_explained(page: Page, web_ws: WebWorkspace) -> None:
    chat = api_create(web_ws.ws, "/api/models", {**CHAT_MODEL, "visible": True})
    premium = api_create(
        web_ws.ws,
        "/api/models",
        {**CHAT_MODEL, "display_name": "Deep Think", "visible": True, "premium": True},
    )
    sign_in(page, web_ws, web_ws.member_email)
    section = page.locator("#default-model")
    expect(section).to_contain_text("No default set.")
    select = section.get_by_label("Default model")
    expect(select.locator("option")).to_have_text(["No default", "Acme Chat (Region: EU)"])
    refused = section.locator(f".not-offered li[data-model-id='{premium['id']}']")
    expect(refused).to_have_text("Deep Think: premium model")
    expect(section.locator(".premium-why")).to_contain_text(
        "Premium models cannot be a personal default"
    )

    select.select_option(chat["id"])
    section.get_by_role("button", name="Save default").click()
    expect(page.get_by_role("status")).to_have_text("Default model saved.")
    expect(section.locator(".current-default")).to_contain_text(f"Acme Chat ({chat['slug']})")
    expect(page.locator(f"li[data-slug='{chat['slug']}']")).to_contain_text("Your default")
    screenshot(page, "member-default-model")

    key = member_key(web_ws)
    with web_ws.ws.server.client(key) as api:
        assert ok(api.get("/api/me/default-model")) == {
            "model_id": chat["id"],
            "slug": chat["slug"],
        }

    # Sent anyway (a stale page, a forged form): the same rule refuses it, next to the field.
    csrf = page.locator("input[name=csrf]").first.input_value()
    answer = page.request.post(
        web_ws.base_url + "/me/default-model", form={"csrf": csrf, "model_id": premium["id"]}
    )
    assert answer.status == 422
    assert "is a premium model and cannot be a personal default" in answer.text()
    with web_ws.ws.server.client(key) as api:
        assert ok(api.get("/api/me/default-model"))["model_id"] == chat["id"]


def test_member_api_key_is_shown_once_works_and_is_revoked(
    page: Page, web_ws: WebWorkspace
) -> None:
    model = api_create(web_ws.ws, "/api/models", {**CHAT_MODEL, "visible": True})
    sign_in(page, web_ws, web_ws.member_email)
    page.get_by_role("link", name="API keys").click()
    expect(page.get_by_text("You have no API keys yet.")).to_be_visible()

    page.get_by_label("Name").fill("laptop")
    page.get_by_role("button", name="Create API key").click()
    shown = page.locator("#new-key")
    expect(shown).to_have_value(re.compile(r"^my-[A-Za-z0-9_-]{43}$"))
    expect(page.locator(".issued-key")).to_contain_text("it is shown only this once")
    key = shown.input_value()
    # The copy button's script (a /static file: the CSP allows no inline script) runs.
    page.locator("#copy-key").click()
    expect(page.locator("#copy-result")).to_have_text(re.compile(r"^(Copied|Copying failed)"))
    row = page.locator("table.api-keys tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("laptop")
    expect(row).to_contain_text(key[:10] + "…")
    expect(row).to_contain_text("Active")
    screenshot(page, "member-api-key-created")
    assert key not in page.locator("table.api-keys").inner_html()

    page.goto(web_ws.base_url + "/me/api-keys")
    expect(page.locator("#new-key")).to_have_count(0)
    assert key not in page.content()

    slugs = [m.id for m in sdk(web_ws.ws, key).models.list()]
    assert model["slug"] in slugs

    row.get_by_role("button", name="Revoke laptop").click()
    confirm(page)  # ui.js asks before a destructive button's form is sent
    expect(page.get_by_role("status")).to_have_text("API key revoked: it no longer works.")
    expect(row).to_contain_text("Revoked")
    expect(row.get_by_role("button")).to_have_count(0)
    screenshot(page, "member-api-key-revoked")
    with pytest.raises(openai.AuthenticationError):
        sdk(web_ws.ws, key).models.list()


def test_a_member_cannot_revoke_someone_elses_key(page: Page, web_ws: WebWorkspace) -> None:
    with web_ws.ws.owner() as api:
        [owner_key] = ok(api.get(f"/api/users/{web_ws.ws.owner_id}/api-keys"))
    sign_in(page, web_ws, web_ws.member_email)
    page.goto(web_ws.base_url + "/me/api-keys")
    csrf = page.locator("input[name=csrf]").first.input_value()
    answer = page.request.post(
        web_ws.base_url + f"/me/api-keys/{owner_key['id']}/revoke", form={"csrf": csrf}
    )
    assert answer.status == 403
    with web_ws.ws.owner() as api:
        assert ok(api.get("/v1/models")) is not None  # the owner's key still works


def test_a_too_long_key_name_is_shown_at_the_field_and_creates_nothing(
    page: Page, web_ws: WebWorkspace
) -> None:
    sign_in(page, web_ws, web_ws.member_email)
    page.goto(web_ws.base_url + "/me/api-keys")
    page.get_by_label("Name").fill("x" * 201)
    page.get_by_role("button", name="Create API key").click()
    expect(page.locator("#key-name-error")).to_have_text(
        "String should have at most 200 characters"
    )
    expect(page.get_by_label("Name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#new-key")).to_have_count(0)
    member = member_of(web_ws)
    assert api_get(web_ws.ws, f"/api/users/{member['id']}/api-keys") == []
