"""The "Add custom model" wizard walked with the keyboard alone (Tab, typing, Space, arrows,
Enter) in headless Chromium, from the skip link to the saved model; every control reached shows
a visible focus, and axe finds nothing serious on any step."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from modelyard.testing import FakeProvider
from tests.web.conftest import WebWorkspace, screenshot
from tests.web.helpers import api_get
from tests.web.test_accessibility_browser import RUN_AXE, audited_context
from tests.web.test_pages import sign_in

pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)

MAX_TABS = 120
# The focused element's name as a person reads it: its label, or a button's or link's text.
FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const label = e.labels && e.labels.length ? e.labels[0].textContent : e.textContent;
  const style = getComputedStyle(e);
  return { name: (e.getAttribute("aria-label") || label || "").replace(/\\s+/g, " ").trim(),
           tag: e.tagName, type: e.type || "",
           value: e.tagName === "SELECT" ? e.options[e.selectedIndex].text : (e.value || ""),
           focusRing: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2 };
}"""


def focused(page: Page) -> dict[str, Any]:
    found: dict[str, Any] | None = page.evaluate(FOCUSED)
    assert found is not None, "nothing has the focus"
    return found


def tab_to(page: Page, name: str | re.Pattern[str]) -> dict[str, Any]:
    """Press Tab until the control named ``name`` has the focus, which must be visible."""
    seen: list[str] = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        now = page.evaluate(FOCUSED) or {"name": ""}
        if isinstance(name, str):
            matches = now["name"].casefold() == name.casefold()
        else:
            matches = name.search(now["name"]) is not None
        if matches:
            assert now["focusRing"], f"{name!r} has no visible focus"
            return dict(now)
        seen.append(now["name"])
    raise AssertionError(f"Tab never reached {name!r}; it went through {seen}")


def type_into(page: Page, label: str, text: str) -> None:
    tab_to(page, label)
    page.keyboard.press("Control+a")
    page.keyboard.type(text)


def choose(page: Page, label: str, option: str) -> None:
    """Pick ``option`` of the select labelled ``label`` with the arrow keys."""
    tab_to(page, label)
    for key in ("ArrowDown", "ArrowUp"):
        for _ in range(80):
            if focused(page)["value"].casefold() == option.casefold():
                return
            before = focused(page)["value"]
            page.keyboard.press(key)
            if focused(page)["value"] == before:
                break  # this end of the list
    raise AssertionError(f"{label!r} has no option {option!r}")


def tick(page: Page, label: str) -> None:
    tab_to(page, label)
    page.keyboard.press("Space")


def press_button(page: Page, name: str) -> None:
    tab_to(page, name)
    page.keyboard.press("Enter")


def no_serious_violations(page: Page, where: str) -> None:
    found = page.evaluate(RUN_AXE)
    assert found == [], f"{where}: {found}"


def start_of_main(page: Page) -> None:
    """From the top of the page through the skip link into the page's own content."""
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "Skip to content"
    page.keyboard.press("Enter")


def test_the_wizard_by_keyboard_alone(
    browser: Browser, web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    context = audited_context(browser)
    page = context.new_page()
    try:
        sign_in(page, web_ws, web_ws.owner_email)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        start_of_main(page)
        press_button(page, "Add custom model (completion)")
        expect(page.get_by_role("heading", name=re.compile("Step 1 of 5"))).to_be_visible()
        no_serious_violations(page, "step 1")

        start_of_main(page)
        press_button(page, "Set up your model manually")
        expect(page.get_by_role("heading", name=re.compile("Step 2 of 5"))).to_be_visible()
        no_serious_violations(page, "step 2")
        start_of_main(page)
        choose(page, "Provider", "OpenAI")
        type_into(page, "Provider model name", "kbd-chat-1")
        type_into(page, "Display name", "Keyboard Chat")
        type_into(page, "Context window size", "32000")
        type_into(page, "Max output tokens", "4000")
        type_into(page, "Input token price", "2")
        type_into(page, "Output token price", "8")
        tick(page, "Visible to users")
        screenshot(page, "keyboard-wizard-2-configure")
        press_button(page, "Continue to deployment")

        expect(page.get_by_role("heading", name=re.compile("Step 3 of 5"))).to_be_visible()
        no_serious_violations(page, "step 3")
        start_of_main(page)
        choose(page, "Key", "Add a new model key")
        type_into(page, "Key name", "Keyboard key")
        choose(page, "Key provider", "openai")
        type_into(page, "Secret", "sk-keyboard-secret-9876")
        type_into(page, "Base URL", fake.url + "/v1")
        screenshot(page, "keyboard-wizard-3-deployment")
        press_button(page, "Continue to test")

        expect(page.get_by_role("heading", name=re.compile("Step 4 of 5"))).to_be_visible()
        start_of_main(page)
        press_button(page, "Run the test")
        result = page.locator(".test-result").get_by_role("heading")
        expect(result).to_have_text(re.compile(r"^Test passed"))
        no_serious_violations(page, "step 4")
        start_of_main(page)
        press_button(page, "Continue to review")

        expect(page.get_by_role("heading", name=re.compile("Step 5 of 5"))).to_be_visible()
        no_serious_violations(page, "step 5")
        screenshot(page, "keyboard-wizard-5-review")
        start_of_main(page)
        press_button(page, "Save model")
        expect(page).to_have_url(re.compile(r"/settings/models"))
        [model] = [
            m for m in api_get(web_ws.ws, "/api/models") if m["display_name"] == "Keyboard Chat"
        ]
        assert (model["provider_model_name"], model["visible"]) == ("kbd-chat-1", True)
    finally:
        context.close()
