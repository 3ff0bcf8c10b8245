"""Settings -> Models -> Catalog updates -> Deprecated and removed models: the retired model
with its status, successor and dependents; the review page listing every change; the confirm
button (CSRF, the reviewed plan) moving them all; a stale plan refused with nothing changed;
German pages; admins only (issue 17, item 7)."""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Iterator

import httpx
import pytest

from modelyard.testing import FakeProvider
from modelyard.workspace.bootstrap import create_workspace
from tests.catalog.lifecycle_setup import (
    NEXT,
    OLD,
    depend_on_old,
    deprecating,
    preconfigured,
    refresh,
    removing,
    source,
    with_next,
)
from tests.catalog.refresh_source import CatalogSource, bundled_data
from tests.catalog.test_refresh import refresh_settings
from tests.support import RunningServer, Workspace, ok, running_server
from tests.web.conftest import PASSWORD
from tests.web.helpers import csrf_of, sign_in

__all__ = ["source"]  # the module's catalog server, a fixture

PAGE = "/settings/models/lifecycle"


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, source: CatalogSource
) -> Iterator[RunningServer]:
    settings = refresh_settings(tmp_path_factory.mktemp("lifecycle-pages"), None, source.url, 24)
    with running_server(settings, "sqlite") as running:
        yield running


def web_workspace(server: RunningServer) -> tuple[Workspace, str]:
    email = f"lifecycle-owner-{secrets.token_hex(3)}@example.com"
    with server.services.session() as session:
        done = create_workspace(session, "Lifecycle pages", email, PASSWORD)
    return Workspace(server, done.workspace_id, done.owner_id, done.owner_api_key), email


def section_of(html: str, model_id: str) -> str:
    return html.split(f'id="retired-{model_id}"', 1)[1].split("</section>", 1)[0]


def test_review_and_move_in_english_and_german(
    server: RunningServer, source: CatalogSource, fake: FakeProvider
) -> None:
    ws, email = web_workspace(server)
    data = with_next(bundled_data())
    refresh(ws, source, data)
    dep = depend_on_old(ws, fake)
    old, new = dep.old, dep.new
    with httpx.Client(base_url=server.base_url) as client:
        assert sign_in(client, email).status_code == 303
        assert (
            'href="/settings/models/lifecycle"'
            in client.get("/settings/models/catalog-updates").text
        )
        assert 'id="lifecycle-none"' in client.get(PAGE).text

        data = deprecating(data, OLD)
        refresh(ws, source, data)
        page = client.get(PAGE)
        assert page.status_code == 200
        shown = section_of(page.text, old["id"])
        assert 'data-status="deprecated"' in page.text and "deprecated" in shown
        assert f'data-successor="{NEXT}"' in shown and f"<code>{new['slug']}</code>" in shown
        assert dep.assistant["name"] in shown and dep.other["slug"] in shown
        assert f'<option value="{new["id"]}" selected>' in shown

        refresh(ws, source, removing(data, OLD))
        shown = section_of(client.get(PAGE).text, old["id"])
        assert "removed from the catalog" in shown

        review = client.get(f"{PAGE}/{old['id']}", params={"target_model_id": new["id"]})
        assert review.status_code == 200
        rows = set(re.findall(r'<tr data-kind="([^"]+)" data-id="([^"]+)"', review.text))
        assert rows == {
            ("assistant", dep.assistant["id"]),
            ("user_default", dep.member_id),
            ("fallback", dep.other["id"]),
            ("fallback", new["id"]),
            ("budget_fallback", dep.budget["id"]),
        }
        assert f"uses {new['slug']} instead" in review.text
        assert 'data-action="confirm-move"' in review.text
        csrf = csrf_of(review.text)
        plan_id = review.text.split('name="plan_id" value="', 1)[1].split('"', 1)[0]
        url = f"{PAGE}/{old['id']}/migrate"
        form = {"csrf": csrf, "target_model_id": new["id"], "plan_id": plan_id}
        assert client.post(url, data=form | {"csrf": "wrong"}).status_code == 403
        stale = client.post(url, data=form | {"plan_id": "0" * 24})
        assert stale.status_code == 409 and 'id="lifecycle-failure"' in stale.text
        with ws.owner() as api:
            assistants = {a["id"]: a for a in ok(api.get("/api/assistants"))}
            assert assistants[dep.assistant["id"]]["model_id"] == old["id"]  # nothing changed

        moved = client.post(url, data=form)
        assert moved.status_code == 303, moved.text
        done = client.get(moved.headers["location"])
        assert 'id="lifecycle-moved"' in done.text and new["slug"] in done.text
        with ws.owner() as api:
            assistants = {a["id"]: a for a in ok(api.get("/api/assistants"))}
            assert assistants[dep.assistant["id"]]["model_id"] == new["id"]
            assert ok(api.get(f"/api/budgets/{dep.budget['id']}"))["fallback_model_id"] == new["id"]
            actions = ok(api.get("/api/audit", params={"action": "model.migrate"}))
            assert len(actions) == 6  # five changes and the move itself
        # Nothing depends on it any more: the page says so, and offers no confirmation.
        assert "Nothing depends on this model." in section_of(done.text, old["id"])
        empty = client.get(f"{PAGE}/{old['id']}", params={"target_model_id": new["id"]})
        assert 'data-action="confirm-move"' not in empty.text

        with ws.owner() as api:
            ok(api.patch("/api/me", json={"language": "de"}))
        german = client.get(PAGE).text
        assert "Veraltete und entfernte Modelle" in german and "aus dem Katalog entfernt" in german
        assert "Umstellung prüfen" in german
        german_review = client.get(f"{PAGE}/{old['id']}").text
        assert "Umstellen, was von" in german_review

    member_email = f"lifecycle-member-{secrets.token_hex(3)}@example.com"
    with ws.owner() as api:
        body = {"email": member_email, "role": "member", "password": PASSWORD}
        ok(api.post("/api/users", json=body), 201)
    with httpx.Client(base_url=server.base_url) as member:
        assert sign_in(member, member_email).status_code == 303
        assert member.get(PAGE).status_code == 403
        assert member.get(f"{PAGE}/{old['id']}").status_code == 403


def test_a_successor_not_set_up_links_to_the_catalog(
    server: RunningServer, source: CatalogSource, fake: FakeProvider
) -> None:
    ws, email = web_workspace(server)
    retiring, named = "openai/gpt-4.1", "openai/gpt-4.1-mini"
    refresh(ws, source, bundled_data())
    old = preconfigured(ws, fake, retiring)
    refresh(ws, source, deprecating(bundled_data(), retiring, successor=named))
    with httpx.Client(base_url=server.base_url) as client:
        assert sign_in(client, email).status_code == 303
        shown = section_of(client.get(PAGE).text, old["id"])
        assert f'data-successor="{named}"' in shown and "named by the catalog" in shown
        link = re.search(r'href="([^"]+)" data-action="add-successor"', shown)
        assert link is not None
        picker = client.get(html.unescape(link.group(1)))
        assert picker.status_code == 200 and named in picker.text
        # No model of the successor yet: the review names the missing target.
        review = client.get(f"{PAGE}/{old['id']}")
        assert review.status_code == 422 and 'id="lifecycle-failure"' in review.text
        assert "not set up in this workspace" in review.text
