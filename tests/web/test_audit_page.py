"""Settings -> Audit log through real HTTP (English and German) and in headless Chromium: the
entries the API gives, filtered and paged alike; the CSV behind the link is the API's; a change
made on a web page names that page's request; members are refused; no secret value shows.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect

from modelyard.workspace import audit
from tests.support import Workspace, ok
from tests.web.conftest import WebWorkspace, screenshot
from tests.web.helpers import KEY, api_create, csrf_of, sign_in
from tests.web.test_pages import sign_in as browser_sign_in

PAGE = "/settings/audit"
CANARY = "sk-canary-WEB-0b9c8d7e6f5a"


def _rows(ws: Workspace, count: int, action: str = "test.row") -> None:
    with ws.server.services.session() as session:
        for n in range(count):
            audit.record(session, None, action, "test", f"t{n}", workspace_id=ws.id)
        session.commit()


@contextmanager
def _signed_in(web_ws: WebWorkspace, email: str | None = None) -> Iterator[httpx.Client]:
    with web_ws.ws.server.client() as client:
        sign_in(client, email or web_ws.owner_email)
        yield client


def _ids(page_html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="audit-(\d+)"', page_html)]


def _link(page_html: str, link_id: str) -> str | None:
    found = re.search(rf'<a [^>]*href="([^"]+)" id="{link_id}"', page_html)
    return html.unescape(found.group(1)) if found else None


def _api(ws: Workspace, **params: Any) -> list[dict[str, Any]]:
    with ws.owner() as api:
        entries: list[dict[str, Any]] = ok(api.get("/api/audit", params={"limit": 1000, **params}))
    return entries


def test_page_lists_filters_and_pages_like_the_api(web_ws: WebWorkspace) -> None:
    ws = web_ws.ws
    _rows(ws, 12)
    api_create(ws, "/api/model-keys", KEY)
    with _signed_in(web_ws) as client:
        page = client.get(PAGE)
        assert page.status_code == 200
        assert "<h1>Audit log</h1>" in page.text
        assert 'href="/settings/audit"' in page.text  # in the admin navigation
        assert _ids(page.text) == [e["id"] for e in _api(ws)][:50]
        assert '<option value="model_key.create"' in page.text
        assert "Settings: Audit log" in page.text

        only = client.get(PAGE, params={"action": "model_key.create"})
        assert _ids(only.text) == [e["id"] for e in _api(ws, action="model_key.create")]
        assert '<option value="model_key.create" selected>' in only.text

        # Paging: five at a time, "Older" follows the cursor, "Newest" goes back.
        expected = [e["id"] for e in _api(ws, action="test.row")]
        seen: list[int] = []
        url: str | None = f"{PAGE}?action=test.row&limit=5"
        pages = 0
        while url is not None:
            shown = client.get(url)
            assert shown.status_code == 200
            seen += _ids(shown.text)
            pages += 1
            assert (_link(shown.text, "audit-newest") is not None) == (pages > 1)
            url = _link(shown.text, "audit-older")
            if url is not None:
                assert parse_qs(urlsplit(url).query)["action"] == ["test.row"]
        assert (seen, pages) == (expected, 3)

        # The CSV link carries the filters and gives the API's file.
        csv_url = _link(only.text, "audit-csv")
        assert csv_url == f"{PAGE}/export.csv?action=model_key.create"
        download = client.get(csv_url)
    assert download.status_code == 200
    with ws.owner() as api:
        same = api.get("/api/audit/export.csv", params={"action": "model_key.create"})
    assert download.text == same.text
    assert len(download.text.splitlines()) == 2


def test_a_change_on_a_page_names_its_request(web_ws: WebWorkspace) -> None:
    with _signed_in(web_ws) as client:
        token = csrf_of(client.get("/settings/groups").text)
        made = client.post("/settings/groups", data={"name": "Web made", "csrf": token})
        assert made.status_code == 303
        page = client.get(PAGE, params={"action": "group.create"})
    entry = _api(web_ws.ws, action="group.create")[0]
    assert entry["request_id"] == made.headers["x-request-id"]
    assert entry["actor"]["email"] == web_ws.owner_email
    assert made.headers["x-request-id"] in page.text


def test_bad_filters_are_shown_at_their_field(web_ws: WebWorkspace) -> None:
    with _signed_in(web_ws) as client:
        bad_date = client.get(PAGE, params={"from": "yesterday"})
        bad_cursor = client.get(PAGE, params={"cursor": "garbage!"})
        bad_csv = client.get(f"{PAGE}/export.csv", params={"to": "2026-02-30"})
        bad_text = client.get(PAGE, params={"action": "a\x00b"})
    assert bad_date.status_code == 422
    assert 'id="audit-from" name="from" type="date" value="yesterday" aria-invalid="true"' in (
        bad_date.text
    )
    assert "&#39;from&#39; must be an ISO 8601 date" in bad_date.text
    assert _ids(bad_date.text) == []
    assert bad_cursor.status_code == 422
    assert 'id="audit-cursor-error"' in bad_cursor.text
    assert bad_csv.status_code == 422
    assert 'id="audit-to-error"' in bad_csv.text
    assert bad_text.status_code == 422
    assert 'id="audit-action-error"' in bad_text.text


def test_changes_by_scim_name_the_identity_provider(web_ws: WebWorkspace) -> None:
    ws = web_ws.ws
    with ws.owner() as api:
        token = ok(api.post("/api/scim-tokens", json={"name": "idp"}), 201)["token"]
    headers = {"authorization": f"Bearer {token}", "content-type": "application/scim+json"}
    with httpx.Client(base_url=ws.server.base_url + "/scim/v2", headers=headers) as scim:
        created = scim.post("/Users", json={"userName": "scim-audit@example.com"})
        assert created.status_code == 201, created.text
    with _signed_in(web_ws) as client:
        page = client.get(PAGE, params={"target_id": created.json()["id"]}).text
    row = page.split('data-action="user.create"', 1)[1].split("</tr>", 1)[0]
    assert "Identity provider (SCIM)" in row


def test_members_are_refused(web_ws: WebWorkspace) -> None:
    with _signed_in(web_ws, web_ws.member_email) as client:
        assert client.get(PAGE).status_code == 403
        assert client.get(f"{PAGE}/export.csv").status_code == 403
        assert 'href="/settings/audit"' not in client.get("/").text


def test_german_and_no_secret_values(web_ws: WebWorkspace) -> None:
    ws = web_ws.ws
    key = api_create(ws, "/api/model-keys", KEY | {"secret": CANARY})
    with ws.owner() as api:
        ok(api.patch(f"/api/model-keys/{key['id']}", json={"secret": CANARY + "-2"}))
        ok(api.patch("/api/me", json={"language": "de"}))
    with _signed_in(web_ws) as client:
        page = client.get(PAGE)
        download = client.get(f"{PAGE}/export.csv")
    assert page.status_code == 200
    assert '<html lang="de">' in page.text
    for label in ("<h1>Audit-Log</h1>", "Zieltyp", "Von (UTC, einschließlich)", "Anzeigen"):
        assert label in page.text
    assert "Einstellungen: Audit-Log" in page.text
    assert "secret" in page.text  # the field name of the rotation
    for body in (page.text, download.text):
        assert CANARY[:-4] not in body


SQLITE_ONLY = pytest.mark.parametrize("server", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_filter_and_page_in_chromium(page: Page, web_ws: WebWorkspace) -> None:
    ws = web_ws.ws
    _rows(ws, 7)
    api_create(ws, "/api/groups", {"name": "Browsers"})
    browser_sign_in(page, web_ws, web_ws.owner_email)
    page.get_by_role("link", name="Settings: Audit log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    expect(page.get_by_role("heading", name="Entries", exact=True)).to_be_visible()
    table = page.locator("#audit-entries tbody tr")
    expect(table.first).to_have_attribute("data-action", "group.create")

    page.get_by_label("Action").select_option("test.row")
    page.get_by_role("button", name="Show").click()
    expect(table).to_have_count(7)
    expect(page.locator("#audit-entries")).not_to_contain_text("group.create")
    expect(page.locator("#audit-entries")).to_contain_text("System")
    csv_href = page.locator("#audit-csv").get_attribute("href")
    assert csv_href == f"{PAGE}/export.csv?action=test.row"

    page.goto(page.url + "&limit=3")
    expect(table).to_have_count(3)
    first_ids = table.evaluate_all("rows => rows.map(r => r.dataset.id)")
    page.get_by_role("link", name="Older entries").click()
    expect(table).to_have_count(3)
    second_ids = table.evaluate_all("rows => rows.map(r => r.dataset.id)")
    page.get_by_role("link", name="Older entries").click()
    expect(table).to_have_count(1)
    expect(page.get_by_role("link", name="Older entries")).to_have_count(0)
    last_ids = table.evaluate_all("rows => rows.map(r => r.dataset.id)")
    shown = [int(n) for n in first_ids + second_ids + last_ids]
    assert shown == [e["id"] for e in _api(ws, action="test.row")]
    expect(page.get_by_label("Action")).to_have_value("test.row")
    screenshot(page, "audit-log")

    page.get_by_role("link", name="Newest entries").click()
    expect(table).to_have_count(3)
    page.get_by_label("From (UTC, inclusive)").fill("2001-01-01")
    page.get_by_label("To (UTC, inclusive)").fill("2001-01-02")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#audit-entries")).to_contain_text("No entries match these filters.")
