"""Walking the "Add custom model" wizard: in the browser (as an admin would, with a screenshot
of each step) and over plain HTTP forms (for the refusals, where a browser adds nothing)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.web.conftest import WebWorkspace, screenshot
from tests.web.helpers import csrf_of

WIZARD = "/settings/models/new"
# The names of the visible form controls that no <label> names.
UNLABELLED = """() => [...document.querySelectorAll('main input, main select, main textarea')]
    .filter(e => e.type !== 'hidden' && e.labels.length === 0).map(e => e.name || e.id)"""


@dataclass
class Walk:
    """One trip through the wizard in the browser; ``shots`` names the screenshots (or none)."""

    page: Page
    kind: str
    shots: str | None = None
    taken: list[str] = field(default_factory=list)

    def step(self, number: int, title: str, name: str) -> None:
        heading = f"Step {number} of 5: {title}"
        expect(self.page.get_by_role("heading", name=heading)).to_be_visible()
        expect(self.page.locator("[aria-current=step]")).to_contain_text(title)
        unlabelled = self.page.evaluate(UNLABELLED)
        assert unlabelled == [], f"inputs without a label on step {number}: {unlabelled}"
        if self.shots:
            shot = f"wizard-{self.shots}-{number}-{name}"
            screenshot(self.page, shot)
            self.taken.append(shot)

    def select(self, web_ws: WebWorkspace, search: str | None, catalog_id: str | None) -> None:
        self.page.goto(web_ws.base_url + "/settings/models")
        label = f"Add custom model ({self.kind})"
        self.page.get_by_role("link", name=label).click()
        if search:
            self.page.get_by_label("Search the catalog").fill(search)
            self.page.get_by_role("button", name="Search").click()
            expect(self.page.get_by_role("status")).to_contain_text(f"matching “{search}”")
        self.step(1, "Select the model", "select")
        if catalog_id:
            entry = self.page.locator(f".catalog-table tr[data-id='{catalog_id}']")
            entry.get_by_role("button").click()
        else:
            self.page.get_by_role("button", name="Set up your model manually").click()
        self.step(2, "Configure your model", "configure")

    def fill(self, values: dict[str, str | bool]) -> None:
        """Fill inputs by their label: text for strings, ticks for booleans."""
        for label, value in values.items():
            target = self.page.get_by_label(label, exact=True)
            if isinstance(value, bool):
                target.set_checked(value)
            elif target.evaluate("e => e.tagName") == "SELECT":
                target.select_option(value)
            else:
                target.fill(value)

    def next(self, button: str) -> None:
        self.page.get_by_role("button", name=button).click()

    def deployment(self, values: dict[str, str | bool]) -> None:
        self.next("Continue to deployment")
        self.step(3, "Configure your deployment", "deployment")
        self.fill(values)
        self.next("Continue to test")
        self.step(4, "Test your model", "test")

    def test_and_save(self, checks: tuple[str, ...] = ()) -> str:
        """Run the live test, see it pass, review, save; returns the saved model's id."""
        self.page.get_by_role("button", name="Run the test").click()
        result = self.page.locator(".test-result")
        # "Test passed" or "Test passed, with notes" (a capability that works, undeclared)
        expect(result.get_by_role("heading")).to_have_text(re.compile(r"^Test passed"))
        for capability in checks:
            row = result.locator(f"tr[data-capability='{capability}']")
            expect(row).to_contain_text("OK")
        if self.shots:
            screenshot(self.page, f"wizard-{self.shots}-4-test-result")
        self.next("Continue to review")
        self.step(5, "Review and save", "review")
        self.next("Save model")
        expect(self.page).to_have_url(re.compile(r"/settings/models#model-mdl"))
        model_id = self.page.url.rsplit("#model-", 1)[1]
        expect(self.page.locator(f"#model-{model_id}")).to_be_visible()
        return model_id


def draft_url_of(url: str) -> str:
    """``/settings/models/new/<draft id>`` from the URL of one of the draft's steps."""
    found = re.search(r"(/settings/models/new/drf_[\w-]+)/", url)
    assert found, url
    return found.group(1)


class FormWalk:
    """The wizard over plain HTTP: each step's form posts to the step's URL with the page's
    CSRF token; redirects are followed, so ``html`` is the page the browser would show next
    (``url`` its address)."""

    def __init__(self, client: httpx.Client, kind: str) -> None:
        self.client = client
        response = client.get(WIZARD, params={"kind": kind})
        self.html, self.url = response.text, str(response.url)
        self.kind = kind
        self.draft_url = ""

    def post(self, path: str, form: dict[str, Any], status: int = 200) -> str:
        """Post step ``path`` ("/select", "/model", "/deployment", "/test", "/review")."""
        data = {"csrf": csrf_of(self.html), **form}
        url = WIZARD + path if path == "/select" else self.draft_url + path
        response = self.client.post(url, data=data, follow_redirects=True)
        assert response.status_code == status, (response.status_code, response.text)
        self.html, self.url = response.text, str(response.url)
        if "/drf_" in self.url:
            self.draft_url = draft_url_of(self.url)
        return self.html

    def get(self, path: str, status: int = 200) -> str:
        """Open step ``path`` of the draft as a reload or a pasted URL would."""
        response = self.client.get(self.draft_url + path, follow_redirects=True)
        assert response.status_code == status, (response.status_code, response.text)
        self.html, self.url = response.text, str(response.url)
        return self.html

    def error_of(self, html_id: str) -> str:
        pattern = rf'<p class="error" id="{re.escape(html_id)}-error">([^<]*)</p>'
        found = re.search(pattern, self.html)
        assert found, f"no error next to {html_id} in:\n{self.html}"
        return html.unescape(found.group(1))
