"""axe-core (vendored under tests/web/vendor/axe-core, scripts/update_vendor.sh) on every page
of the web UI, admin and member, at 1280 and 390 px: no serious or critical violation. The same
walk leaves a screenshot of every page at both widths in English and German under
``test-output/screenshots/a11y-*``. One browser, three contexts (owner, member, signed out),
each page loaded once per language and looked at in both widths."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model
from tests.knowledge import add_text, embedding_model, new_collection, unique
from tests.support import ok
from tests.web.conftest import PASSWORD, WebWorkspace, screenshot
from tests.web.helpers import api_create, api_get

pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
WIDTHS = (1280, 390)
BAD_IMPACTS = ("serious", "critical")
# What axe reports, shortened to what a failure message needs.
RUN_AXE = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                 nodes: v.nodes.slice(0, 4).map(n => n.target.join(" ")) }));
}"""

# Every sideways-scrolling table box is focusable, and no other one (ui.js on resize).
TABLES_SETTLED = """() => [...document.querySelectorAll(".table-wrap, .chart-box")].every(
  box => (box.scrollWidth > box.clientWidth + 1) === box.hasAttribute("tabindex"))"""


@dataclass(frozen=True)
class Visit:
    name: str
    path: str
    status: int = 200


def audit(page: Page, where: str) -> list[dict[str, Any]]:
    """The serious and critical violations axe finds on ``page`` as it is laid out now."""
    found: list[dict[str, Any]] = page.evaluate(RUN_AXE)
    return [{"page": where, **violation} for violation in found]


def look_at(page: Page, visit: Visit, language: str, run_axe: bool) -> list[dict[str, Any]]:
    """Both widths of one loaded page: a screenshot each, and axe's findings when asked."""
    found: list[dict[str, Any]] = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900 if width > 400 else 844})
        screenshot(page, f"a11y-{visit.name}-{language}-{width}")
        if run_axe:
            page.wait_for_function(TABLES_SETTLED)  # ui.js redoes them after a resize
            found += audit(page, f"{visit.name} ({language}, {width} px)")
    return found


def open_page(page: Page, base_url: str, visit: Visit) -> None:
    response = page.goto(base_url + visit.path)
    assert response is not None and response.status == visit.status, (visit, response)


def audited_context(browser: Browser) -> BrowserContext:
    """A context of its own (cookies) whose every page starts with axe loaded (past the CSP,
    which lets no injected script in)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.add_init_script(script=AXE_SOURCE)
    context.set_default_timeout(10_000)
    return context


def signed_in(browser: Browser, web_ws: WebWorkspace, email: str) -> tuple[BrowserContext, Page]:
    """A context signed in as ``email``."""
    context = audited_context(browser)
    page = context.new_page()
    page.goto(web_ws.base_url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#site-menu")).to_be_attached()
    return context, page


def choose_language(page: Page, base_url: str, label: str) -> None:
    page.goto(base_url + "/me/api-keys")
    page.get_by_role("button", name=label).click()
    expect(page.get_by_role("button", name=label)).to_have_attribute("aria-pressed", "true")


def workspace_with_content(web_ws: WebWorkspace, fake: FakeProvider) -> dict[str, str]:
    """Something on every page: models, keys, usage, a group, a budget, a collection, an
    invite and the member's own API key."""
    ws = web_ws.ws
    chat = add_model(ws, fake, identifier=unique("chat"), display_name="Team Chat")
    embed = embedding_model(ws, fake, identifier=unique("embed-8"))
    with ws.owner() as api:
        collection = new_collection(api, embed["id"])
        add_text(api, collection["id"], "handbook.md", "vec:1,0")
        body = {"model": chat["slug"], "messages": [{"role": "user", "content": "hi"}]}
        ok(api.post("/v1/chat/completions", json=body))
        members = [u for u in ok(api.get("/api/users")) if u["email"] == web_ws.member_email]
    group = api_create(ws, "/api/groups", {"name": "Research"})
    budget = api_create(
        ws, "/api/budgets", {"scope": "workspace", "amount_usd": "25", "period": "month"}
    )
    invite = api_create(ws, "/api/invites", {"email": "ines@example.com", "name": "Ines"})
    return {
        "model": chat["id"],
        "collection": collection["id"],
        "group": group["id"],
        "budget": budget["id"],
        "member": members[0]["id"],
        "invite": httpx.URL(invite["invite_url"]).path,
    }


def admin_visits(ids: dict[str, str]) -> list[Visit]:
    return [
        Visit("admin-models", "/settings/models"),
        Visit("admin-model", f"/settings/models/{ids['model']}"),
        Visit("admin-model-prices", f"/settings/models/{ids['model']}/prices"),
        Visit("admin-catalog-updates", "/settings/models/catalog-updates"),
        Visit("admin-wizard-select", "/settings/models/new?kind=completion"),
        Visit("admin-model-keys", "/settings/model-keys"),
        Visit("admin-knowledge", "/settings/knowledge"),
        Visit("admin-collection", f"/settings/knowledge/{ids['collection']}"),
        Visit("admin-usage", "/settings/usage"),
        Visit("admin-budgets", "/settings/budgets"),
        Visit("admin-budget", f"/settings/budgets/{ids['budget']}"),
        Visit("admin-users", "/settings/users"),
        Visit("admin-user", f"/settings/users/{ids['member']}"),
        Visit("admin-groups", "/settings/groups"),
        Visit("admin-group", f"/settings/groups/{ids['group']}"),
        Visit("admin-sign-in", "/settings/sign-in"),
        Visit("admin-audit", "/settings/audit"),
        Visit("admin-not-found", "/settings/no-such-page", status=404),
    ]


MEMBER_VISITS = [
    Visit("member-models", "/"),
    Visit("member-api-keys", "/me/api-keys"),
    Visit("member-playground", "/playground"),
    Visit("member-spend", "/me/spend"),
    Visit("member-admin-refused", "/settings/models", status=403),
]


def test_every_page_has_no_serious_violations_at_both_widths(
    browser: Browser, web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    ids = workspace_with_content(web_ws, fake)
    base = web_ws.base_url
    owner_context, owner = signed_in(browser, web_ws, web_ws.owner_email)
    member_context, member = signed_in(browser, web_ws, web_ws.member_email)
    anonymous_context = audited_context(browser)
    anonymous = anonymous_context.new_page()
    found: list[dict[str, Any]] = []
    try:
        for language, button in (("en", "English"), ("de", "Deutsch")):
            run_axe = language == "en"
            if language == "de":
                choose_language(owner, base, button)
                choose_language(member, base, button)
            walks = [(owner, visit) for visit in admin_visits(ids)]
            walks += [(member, visit) for visit in MEMBER_VISITS]
            for page, visit in walks:
                open_page(page, base, visit)
                found += look_at(page, visit, language, run_axe)
            anonymous.set_extra_http_headers({"accept-language": language})
            for visit in (
                Visit("login", "/login"),
                Visit("invite", ids["invite"]),
                Visit("signed-out-not-found", "/settings/nothing", status=404),
            ):
                open_page(anonymous, base, visit)
                found += look_at(anonymous, visit, language, run_axe)

        owner.set_viewport_size({"width": 390, "height": 844})  # the phone menu, open
        owner.get_by_role("button", name="Menü").click()
        screenshot(owner, "a11y-phone-menu-open-de-390")
        found += audit(owner, "phone menu open (de, 390 px)")
    finally:
        for context in (owner_context, member_context, anonymous_context):
            context.close()
    assert found == [], "\n".join(map(str, found))
    assert api_get(web_ws.ws, "/api/me")["language"] == "de"
