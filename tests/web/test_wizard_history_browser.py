"""The wizard's steps are pages, in headless Chromium: Back, Forward and reload show each step
with the draft, a reload of the test's result sends nothing upstream, a pasted step URL opens
in a fresh tab, and Back after Save then Save again shows the saved model instead of making a
second one. Screenshots: ``test-output/screenshots/wizard-history-*``."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from modelyard.testing import FakeProvider
from tests.web.conftest import WebWorkspace, screenshot
from tests.web.helpers import api_get
from tests.web.test_pages import sign_in
from tests.web.wizard_steps import Walk

pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)


def heading(page: Page, number: int, title: str) -> None:
    expect(page.get_by_role("heading", name=f"Step {number} of 5: {title}")).to_be_visible()


def chat_calls(fake: FakeProvider) -> int:
    return sum(1 for r in fake.requests() if r["path"].endswith("/chat/completions"))


def test_back_forward_reload_and_save_once(
    page: Page, browser: Browser, web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    sign_in(page, web_ws, web_ws.owner_email)
    walk = Walk(page, "completion")
    walk.select(web_ws, "gpt-4o", "openai/gpt-4o")
    walk.fill({"Region": "EU", "Premium model": True})
    walk.next("Continue to deployment")
    heading(page, 3, "Configure your deployment")

    page.go_back()  # the model step, with what was chosen
    heading(page, 2, "Configure your model")
    expect(page.get_by_label("Region")).to_have_value("EU")
    expect(page.get_by_label("Premium model")).to_be_checked()
    screenshot(page, "wizard-history-1-back")
    page.go_forward()
    heading(page, 3, "Configure your deployment")
    page.reload()  # a GET: no "resubmit the form?" and the same step
    heading(page, 3, "Configure your deployment")
    walk.fill(
        {
            "Key": "Add a new model key",
            "Key name": "History key",
            "Key provider": "openai",
            "Secret": "sk-history-secret-9911",
            "Base URL": fake.url + "/v1",
        }
    )
    walk.next("Continue to test")
    heading(page, 4, "Test your model")
    test_url = page.url

    fake.clear()
    page.get_by_role("button", name="Run the test").click()
    expect(page.locator(".test-result").get_by_role("heading")).to_have_text("Test passed")
    ran = chat_calls(fake)
    assert ran >= 1
    page.reload()  # F5 on the result: shown again from the draft, never re-run
    expect(page.locator(".test-result").get_by_role("heading")).to_have_text("Test passed")
    assert chat_calls(fake) == ran
    screenshot(page, "wizard-history-2-reloaded-result")

    # A pasted URL (or a restored tab) in another tab of the same browser session.
    tab = page.context.new_page()
    tab.goto(test_url)
    expect(tab.locator(".test-result").get_by_role("heading")).to_have_text("Test passed")
    tab.close()
    assert chat_calls(fake) == ran

    walk.next("Continue to review")
    heading(page, 5, "Review and save")
    walk.next("Save model")
    expect(page).to_have_url(re.compile(r"/settings/models#model-mdl"))
    model_id = page.url.rsplit("#model-", 1)[1]

    page.go_back()  # the review again: it says the draft is saved
    heading(page, 5, "Review and save")
    expect(page.locator("#wizard-saved")).to_contain_text("saved already")
    screenshot(page, "wizard-history-3-back-after-save")
    walk.next("Save model")  # ... and Save shows the saved model, making no second one
    expect(page).to_have_url(re.compile(rf"/settings/models#model-{model_id}$"))
    assert [m["id"] for m in api_get(web_ws.ws, "/api/models")] == [model_id]
    assert len(api_get(web_ws.ws, "/api/model-keys")) == 1
