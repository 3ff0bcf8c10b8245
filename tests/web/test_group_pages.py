"""Workspace Settings -> Groups in a real headless Chromium: create a group, pick its members and
its models, see a duplicate name refused at the field, in English and German; members see only
the models their groups give them.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support import ok
from tests.web.conftest import WebWorkspace, screenshot
from tests.web.design_steps import confirm
from tests.web.helpers import CHAT_MODEL, api_create, api_get
from tests.web.test_pages import sign_in

pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)


def _member_id(web_ws: WebWorkspace) -> str:
    users = api_get(web_ws.ws, "/api/users")
    return str(next(u["id"] for u in users if u["email"] == web_ws.member_email))


def test_admin_builds_a_group_and_its_member_gets_the_model(
    page: Page, web_ws: WebWorkspace
) -> None:
    model = api_create(web_ws.ws, "/api/models", CHAT_MODEL | {"visible": True})
    member_id = _member_id(web_ws)
    sign_in(page, web_ws, web_ws.owner_email)
    page.get_by_role("link", name="Settings: Groups").click()
    expect(page.get_by_role("heading", name="Groups", exact=True)).to_be_visible()
    expect(page.get_by_text("No groups yet.")).to_be_visible()

    page.get_by_label("Name").fill("Sales")
    page.get_by_label("Description").fill("The sales team")
    page.get_by_role("button", name="Create group").click()
    expect(page).to_have_url(re.compile(r"/settings/groups/grp_[^/?]+\?saved=created$"))
    expect(page.get_by_role("status")).to_have_text("Group created.")
    group_id = page.url.split("/")[-1].split("?")[0]

    page.get_by_label(re.compile(re.escape(web_ws.member_email))).check()
    page.get_by_role("button", name="Save members").click()
    expect(page.get_by_role("status")).to_contain_text("Members saved")
    assert api_get(web_ws.ws, f"/api/groups/{group_id}")["member_ids"] == [member_id]

    models = page.locator("#group-models")
    expect(models.locator(f'[data-slug="{model["slug"]}"]')).to_contain_text("open to everyone")
    models.get_by_label(re.compile("Acme Chat")).check()
    models.get_by_role("button", name="Save models").click()
    expect(page.get_by_role("status")).to_contain_text("Models saved")
    expect(page.locator("#group-models")).to_contain_text("restricted to: Sales")
    assert api_get(web_ws.ws, f"/api/models/{model['id']}")["access"] == {
        "mode": "groups",
        "group_ids": [group_id],
    }
    screenshot(page, "group-detail")

    page.get_by_role("link", name="All groups").first.click()
    row = page.locator(f"#group-{group_id}")
    expect(row.locator(".members-count")).to_have_text("1")
    expect(row.locator(".models-count")).to_have_text("1")

    # The member sees the model; removed from the group, they no longer do.
    member_page = page.context.browser.new_context().new_page()  # type: ignore[union-attr]
    sign_in(member_page, web_ws, web_ws.member_email)
    expect(member_page.locator(f'li.model[data-slug="{model["slug"]}"]')).to_be_visible()
    page.goto(f"{web_ws.base_url}/settings/groups/{group_id}")
    page.get_by_label(re.compile(re.escape(web_ws.member_email))).uncheck()
    page.get_by_role("button", name="Save members").click()
    expect(page.get_by_role("status")).to_contain_text("Members saved")
    member_page.reload()
    expect(member_page.locator(f'li.model[data-slug="{model["slug"]}"]')).to_have_count(0)
    expect(member_page.locator(f'#default-model-id option[value="{model["id"]}"]')).to_have_count(0)
    member_page.context.close()

    page.get_by_role("button", name="Delete group").click()
    confirm(page)  # ui.js asks before a destructive button's form is sent
    expect(page).to_have_url(re.compile(r"/settings/groups\?saved=deleted$"))
    expect(page.get_by_role("status")).to_have_text("Group deleted.")
    expect(page.locator(f"#group-{group_id}")).to_have_count(0)


def test_a_taken_name_is_refused_at_the_field_in_german(page: Page, web_ws: WebWorkspace) -> None:
    api_create(web_ws.ws, "/api/groups", {"name": "Support"})
    with web_ws.ws.owner() as api:
        ok(api.patch("/api/me", json={"language": "de"}))
    sign_in(page, web_ws, web_ws.owner_email)
    page.goto(web_ws.base_url + "/settings/groups")
    expect(page.get_by_role("heading", name="Gruppen", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Einstellungen: Gruppen")).to_be_visible()
    page.get_by_label("Name").fill("support")
    page.get_by_role("button", name="Gruppe erstellen").click()
    expect(page.locator("#new-name-error")).to_contain_text("already exists")
    expect(page.get_by_label("Name")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Name")).to_have_value("support")
    assert [g["name"] for g in api_get(web_ws.ws, "/api/groups")] == ["Support"]
    screenshot(page, "group-name-taken-de")


def test_members_cannot_open_the_groups_page(page: Page, web_ws: WebWorkspace) -> None:
    sign_in(page, web_ws, web_ws.member_email)
    response = page.goto(web_ws.base_url + "/settings/groups")
    assert response is not None and response.status == 403
