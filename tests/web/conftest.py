"""Fixtures of the web UI tests: a workspace whose owner can sign in with a password, a member
who can too, and (when Debian's Chromium is installed) a headless browser driven by Playwright.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from modelyard.workspace.bootstrap import create_workspace
from tests.support import RunningServer, Workspace, ok

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
PASSWORD = "correct horse battery"


@dataclass
class WebWorkspace:
    """A fresh workspace with an owner and a member who both have a web password."""

    ws: Workspace
    owner_email: str
    member_email: str

    @property
    def base_url(self) -> str:
        return self.ws.server.base_url


@pytest.fixture
def web_ws(server: RunningServer) -> WebWorkspace:
    tag = secrets.token_hex(3)
    owner_email = f"web-owner-{tag}@example.com"
    with server.services.session() as session:
        done = create_workspace(session, "Web test", owner_email, PASSWORD)
    ws = Workspace(server, done.workspace_id, done.owner_id, done.owner_api_key)
    member_email = f"web-member-{tag}@example.com"
    with ws.owner() as api:
        body = {"email": member_email, "role": "member", "password": PASSWORD}
        ok(api.post("/api/users", json=body), 201)
    return WebWorkspace(ws, owner_email, member_email)


@pytest.fixture
def browser() -> Iterator[Browser]:
    """One browser per test: Playwright's sync API keeps an event loop running in this thread
    while it is open, which would break every later test that calls ``asyncio.run``."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium; .ci/run does it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page in its own context (own cookies), closed after the test."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_timeout(5000)
    new_page = context.new_page()
    try:
        yield new_page
    finally:
        new_page.close()
        context.close()


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
