"""Settings -> Budgets in a real headless Chromium: an admin makes a fallback budget through the
form (first refused at the fallback model's field, then saved) and sees it listed; the member it
applies to sees it on My spend. (The project injects no axe-core anywhere, so no axe check.)
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model
from tests.web.conftest import WebWorkspace, screenshot
from tests.web.helpers import api_get
from tests.web.test_pages import sign_in

pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)


def test_admin_creates_a_fallback_budget_and_the_member_sees_it(
    page: Page, web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    model = add_model(web_ws.ws, fake, display_name="Cheap Chat")
    sign_in(page, web_ws, web_ws.owner_email)
    page.get_by_role("link", name="Settings: Budgets").click()
    expect(page.get_by_role("heading", name="Budgets", exact=True)).to_be_visible()
    expect(page.get_by_text("No budgets yet.")).to_be_visible()

    form = page.locator("#new-budget")
    form.get_by_label("Applies to").select_option(label="A person")
    form.get_by_label("Which group, person or API key").select_option(label=web_ws.member_email)
    form.get_by_label("Amount (USD)").fill("12.5")
    form.get_by_label("Period").select_option(label="Per day")
    form.get_by_label("Time zone").fill("Europe/Berlin")
    form.get_by_label("Answer with a fallback model").check()
    form.get_by_role("button", name="Create budget").click()
    field = page.get_by_label("Fallback model", exact=True)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#new-fallback_model_id-error")).to_contain_text(
        "'fallback_model_id' is required"
    )
    assert api_get(web_ws.ws, "/api/budgets") == []
    # What was typed is still there; only the model is missing.
    expect(page.get_by_label("Amount (USD)")).to_have_value("12.5")
    expect(page.get_by_label("Answer with a fallback model")).to_be_checked()

    field.select_option(value=model["id"])
    page.get_by_role("button", name="Create budget").click()
    expect(page).to_have_url(re.compile(r"/settings/budgets\?saved=created$"))
    expect(page.get_by_role("status")).to_have_text("Budget created.")
    [budget] = api_get(web_ws.ws, "/api/budgets")
    assert budget["on_exceed"] == "fallback" and budget["fallback_model_id"] == model["id"]
    row = page.locator(f"#budget-{budget['id']}")
    expect(row).to_contain_text(web_ws.member_email)
    expect(row.locator(".amount")).to_contain_text("$12.50")
    expect(row.locator(".on-exceed")).to_contain_text("Cheap Chat")
    expect(row.locator(".thresholds")).to_have_text("80%, 100%")
    screenshot(page, "budgets")

    member_page = page.context.browser.new_context().new_page()  # type: ignore[union-attr]
    sign_in(member_page, web_ws, web_ws.member_email)
    member_page.get_by_role("link", name="My spend").click()
    card = member_page.locator(f"#budget-{budget['id']}")
    expect(card).to_contain_text("$12.50")
    expect(card.locator(".on-exceed")).to_have_text(
        "When used up: calls are answered by Cheap Chat."
    )
    expect(card.locator(".resets")).to_contain_text("(Europe/Berlin)")
    screenshot(member_page, "member-spend")
    member_page.context.close()
