"""The scoped-key form in a real headless Chromium, in German: the member picks a day and one
model, sees the key listed with both, and the key calls that model only (official SDK)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import openai
import pytest
from playwright.sync_api import Page, expect

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model, close_clients, sdk
from tests.web.conftest import WebWorkspace, screenshot
from tests.web.test_pages import sign_in

pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)
MESSAGES: Any = [{"role": "user", "content": "hallo"}]


@pytest.fixture(autouse=True)
def _close_sdk_clients() -> Iterator[None]:
    yield
    close_clients()


def test_a_member_creates_a_scoped_key_in_german(
    page: Page, web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    alpha = add_model(web_ws.ws, fake, display_name="Alpha")
    beta = add_model(web_ws.ws, fake, display_name="Beta")
    sign_in(page, web_ws, web_ws.member_email)
    page.get_by_role("link", name="API keys").click()
    page.get_by_role("button", name="Deutsch").click()
    expect(page.get_by_role("heading", name="Ihre API-Schlüssel")).to_be_visible()

    expires = page.get_by_label("Läuft ab am (optional)")
    today = datetime.now(UTC).date()
    expect(expires).to_have_attribute("type", "date")
    expect(expires).to_have_attribute("min", today.isoformat())  # the browser offers no past day
    expect(page.locator("#key-expires-hint")).to_contain_text("23:59 UTC")
    models = page.get_by_role("group", name="Modelle, die dieser Schlüssel aufrufen darf")
    expect(models).to_contain_text("Keines angekreuzt: alle Modelle")
    expect(models.get_by_role("checkbox")).to_have_count(2)

    day = today + timedelta(days=2)
    page.get_by_label("Name", exact=True).fill("Nachtlauf")
    expires.fill(day.isoformat())
    models.get_by_label(re.compile(r"^Alpha")).check()
    page.get_by_role("button", name="API-Schlüssel erstellen").click()
    key = page.locator("#new-key").input_value()
    assert key.startswith("my-")

    row = page.locator("table.api-keys tbody tr", has_text="Nachtlauf")
    expect(row.locator(".key-expires")).to_have_text(f"{day.isoformat()} 23:59 UTC")
    expect(row.locator(".key-models")).to_have_text(alpha["slug"])
    expect(row.locator(".key-last-used")).to_have_text("nie")
    expect(row).to_contain_text("Aktiv")
    header = page.locator("table.api-keys thead")
    for label in ("Läuft ab", "Modelle", "Zuletzt verwendet"):
        expect(header).to_contain_text(label)
    screenshot(page, "member-scoped-key-de")

    client = sdk(web_ws.ws, key)
    assert client.chat.completions.create(model=alpha["slug"], messages=MESSAGES).choices
    with pytest.raises(openai.PermissionDeniedError):
        client.chat.completions.create(model=beta["slug"], messages=MESSAGES)


def test_a_refused_model_is_shown_at_the_fieldset(
    page: Page, web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    """A model taken away while the form was open: the error sits at the model list, the
    field is marked, what was typed stays, and no key is shown."""
    model = add_model(web_ws.ws, fake, display_name="Alpha")
    sign_in(page, web_ws, web_ws.member_email)
    page.goto(web_ws.base_url + "/me/api-keys")
    page.get_by_label("Name", exact=True).fill("stale")
    page.get_by_label(re.compile(r"^Alpha")).check()
    with web_ws.ws.owner() as api:
        assert api.patch(f"/api/models/{model['id']}", json={"visible": False}).is_success
    page.get_by_role("button", name="Create API key").click()
    expect(page.locator("#key-models-error")).to_have_text(
        f"No model with id '{model['id']}' in this workspace."
    )
    expect(page.locator("#new-key")).to_have_count(0)
    expect(page.get_by_label("Name", exact=True)).to_have_value("stale")
    expect(page.get_by_text("You have no API keys yet.")).to_be_visible()
