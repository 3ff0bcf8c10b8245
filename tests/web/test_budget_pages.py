"""Settings -> Budgets and My spend through real HTTP on both backends: budgets made, changed
and deleted through the forms are the API's budgets; bad input is refused at its field with
nothing saved; members are refused the admin pages; a member's page shows what their real /v1
calls spent, in English and German; the admins' banner shows a used-up budget and a failed
webhook.
"""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from modelyard.storage.tables import BudgetAlertRow
from modelyard.testing import FakeProvider
from modelyard.usage.budget_periods import period_bounds
from modelyard.web.budget_format import usd
from tests.gateway.setup import add_model, close_clients, sdk
from tests.support import ok
from tests.usage import stored_rows
from tests.web.conftest import WebWorkspace
from tests.web.helpers import api_create, api_get, csrf_of, sign_in

PAGE = "/settings/budgets"
MESSAGES: Any = [{"role": "user", "content": "Hello"}]


@contextmanager
def _signed_in(web_ws: WebWorkspace, email: str | None = None) -> Iterator[httpx.Client]:
    with web_ws.ws.server.client() as client:
        assert sign_in(client, email or web_ws.owner_email).status_code == 303
        yield client


def _member_id(web_ws: WebWorkspace) -> str:
    people = api_get(web_ws.ws, "/api/users")
    return str(next(u["id"] for u in people if u["email"] == web_ws.member_email))


def _form(client: httpx.Client, path: str, **fields: str) -> dict[str, str]:
    base = {
        "scope": "workspace",
        "scope_id": "",
        "amount_usd": "10",
        "period": "month",
        "timezone": "UTC",
        "on_exceed": "block",
        "fallback_model_id": "",
        "notify_at": "80, 100",
        "webhook_url": "",
    }
    return base | fields | {"csrf": csrf_of(client.get(path).text)}


def _budgets(web_ws: WebWorkspace) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api_get(web_ws.ws, "/api/budgets")
    return found


def _error(page: str, field: str, prefix: str = "new-") -> str:
    found = re.search(rf'<p class="error" id="{prefix}{field}-error">([^<]*)</p>', page)
    assert found, page
    return html.unescape(found.group(1))


def test_admin_creates_edits_and_deletes_a_budget(web_ws: WebWorkspace, fake: FakeProvider) -> None:
    model = add_model(web_ws.ws, fake, display_name="Cheap Chat")
    member = _member_id(web_ws)
    with _signed_in(web_ws) as client:
        first = client.get(PAGE)
        assert first.status_code == 200
        assert "<h1>Budgets</h1>" in first.text and "No budgets yet." in first.text
        assert 'href="/settings/budgets"' in first.text  # in the admin navigation
        assert f'<option value="{model["id"]}"' in first.text  # a completion model to pick
        form = _form(
            client,
            PAGE,
            scope="user",
            scope_id=member,
            amount_usd="25.5",
            period="week",
            timezone="Europe/Berlin",
            on_exceed="fallback",
            fallback_model_id=model["id"],
            notify_at="50, 90%, 100",
        )
        created = client.post(PAGE, data=form)
        assert created.status_code == 303
        assert created.headers["location"] == PAGE + "?saved=created"
        [budget] = _budgets(web_ws)
        assert budget["scope"] == "user" and budget["scope_id"] == member
        assert budget["amount_usd"] == "25.5" and budget["period"] == "week"
        assert budget["timezone"] == "Europe/Berlin"
        assert budget["on_exceed"] == "fallback" and budget["fallback_model_id"] == model["id"]
        assert budget["notify_at"] == ["0.5", "0.9", "1"]

        listing = client.get(created.headers["location"]).text
        assert "Budget created." in listing
        row = listing.split(f'<tr id="budget-{budget["id"]}">')[1].split("</tr>")[0]
        assert web_ws.member_email in row and "$25.50" in row and "Europe/Berlin" in row
        assert "50%, 90%, 100%" in row and "Cheap Chat" in row
        assert "0% used" in row

        detail = f"{PAGE}/{budget['id']}"
        page = client.get(detail).text
        assert 'value="25.5"' in page and 'value="50, 90, 100"' in page
        # Blocking drops the fallback model even though its select still holds one.
        form = _form(
            client,
            detail,
            scope="workspace",
            scope_id=member,
            amount_usd="30",
            on_exceed="block",
            fallback_model_id=model["id"],
            notify_at="",
            webhook_url="",
        )
        saved = client.post(detail, data=form)
        assert saved.status_code == 303 and saved.headers["location"] == detail + "?saved=saved"
        [budget] = _budgets(web_ws)
        assert budget["scope"] == "workspace" and budget["scope_id"] is None
        assert budget["amount_usd"] == "30" and budget["period"] == "month"
        assert budget["on_exceed"] == "block" and budget["fallback_model_id"] is None
        assert budget["notify_at"] == []

        token = csrf_of(client.get(detail).text)
        unconfirmed = client.post(detail + "/delete", data={"csrf": token})
        assert unconfirmed.status_code == 422
        assert "Tick the box to confirm" in unconfirmed.text
        assert len(_budgets(web_ws)) == 1
        deleted = client.post(detail + "/delete", data={"csrf": token, "confirm": "yes"})
        assert deleted.status_code == 303 and deleted.headers["location"] == PAGE + "?saved=deleted"
        assert _budgets(web_ws) == []
        assert "Budget deleted." in client.get(deleted.headers["location"]).text


def test_bad_input_is_shown_at_its_field_and_nothing_is_saved(
    web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    add_model(web_ws.ws, fake)
    cases = [
        ({"amount_usd": "-3"}, "amount_usd", "greater than 0"),
        ({"amount_usd": "ten"}, "amount_usd", "decimal"),
        ({"amount_usd": ""}, "amount_usd", "required"),
        ({"on_exceed": "fallback"}, "fallback_model_id", "'fallback_model_id' is required"),
        ({"timezone": "Mars/Olympus"}, "timezone", "not an IANA time zone"),
        ({"notify_at": "eighty"}, "notify_at", "'eighty' is not a percentage"),
        ({"notify_at": "150"}, "notify_at", "at most 1"),
        ({"scope": "group"}, "scope_id", "'scope_id' is required"),
        ({"webhook_url": "ftp://example.com/hook"}, "webhook_url", ""),
    ]
    with _signed_in(web_ws) as client:
        for fields, field, message in cases:
            refused = client.post(PAGE, data=_form(client, PAGE, **fields))
            assert refused.status_code == 422, (fields, refused.text)
            assert message in _error(refused.text, field), fields
            assert 'aria-invalid="true"' in refused.text
            assert _budgets(web_ws) == [], fields
        # The form keeps what was typed.
        refused = client.post(
            PAGE, data=_form(client, PAGE, amount_usd="-3", timezone="Asia/Tokyo")
        )
        assert 'value="-3"' in refused.text and 'value="Asia/Tokyo"' in refused.text

        budget = api_create(
            web_ws.ws, "/api/budgets", {"scope": "workspace", "amount_usd": "5", "period": "day"}
        )
        detail = f"{PAGE}/{budget['id']}"
        edits = [*cases[:2], ({"amount_usd": ""}, "amount_usd", "cannot be null"), *cases[3:7]]
        for fields, field, message in edits:
            refused = client.post(detail, data=_form(client, detail, **fields))
            assert refused.status_code == 422, (fields, refused.text)
            assert message in _error(refused.text, field, "edit-"), fields
        assert _budgets(web_ws) == [budget]


def test_members_are_refused_the_admin_pages(web_ws: WebWorkspace) -> None:
    budget = api_create(
        web_ws.ws, "/api/budgets", {"scope": "workspace", "amount_usd": "5", "period": "day"}
    )
    with web_ws.ws.server.client() as anonymous:
        assert anonymous.get(PAGE).status_code == 303
        assert anonymous.get(PAGE).headers["location"] == "/login"
    with _signed_in(web_ws, web_ws.member_email) as client:
        home = client.get("/").text
        assert 'href="/me/spend"' in home and 'href="/settings/budgets"' not in home
        assert client.get(PAGE).status_code == 403
        assert client.get(f"{PAGE}/{budget['id']}").status_code == 403
        token = csrf_of(home)
        assert (
            client.post(
                PAGE, data={"csrf": token, "scope": "workspace", "amount_usd": "1", "period": "day"}
            ).status_code
            == 403
        )
        delete = client.post(
            f"{PAGE}/{budget['id']}/delete", data={"csrf": token, "confirm": "yes"}
        )
        assert delete.status_code == 403
    assert _budgets(web_ws) == [budget]


def test_my_spend_shows_what_real_calls_spent_in_english_and_german(
    web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    ws = web_ws.ws
    model = add_model(ws, fake, input_price=2, output_price=8)
    fallback = add_model(ws, fake, display_name="Spare Chat")
    member = _member_id(web_ws)
    with ws.owner() as api:
        key = ok(api.post(f"/api/users/{member}/api-keys", json={"name": "laptop"}), 201)
    everyone = api_create(
        ws, "/api/budgets", {"scope": "workspace", "amount_usd": "1000", "period": "month"}
    )
    mine = api_create(
        ws,
        "/api/budgets",
        {
            "scope": "api_key",
            "scope_id": key["id"],
            "amount_usd": "2",
            "period": "day",
            "timezone": "Europe/Berlin",
            "on_exceed": "fallback",
            "fallback_model_id": fallback["id"],
        },
    )
    api_create(
        ws,
        "/api/budgets",
        {"scope": "user", "scope_id": ws.owner_id, "amount_usd": "3", "period": "day"},
    )
    for _ in range(2):
        sdk(ws, key["key"]).chat.completions.create(model=model["slug"], messages=MESSAGES)
    close_clients()
    records = stored_rows(ws.server, 2, workspace_id=ws.id)
    spent = sum((r.cost_usd for r in records), Decimal(0))
    assert spent > 0
    with _signed_in(web_ws, web_ws.member_email) as client:
        page = client.get("/me/spend")
        assert page.status_code == 200
        assert '<h1 id="spend-title">My spend</h1>' in page.text
        assert f'<span id="month-spend">{usd(spent, "en")}</span>' in page.text
        assert (
            f'id="budget-{everyone["id"]}"' in page.text
            and f'id="budget-{mine["id"]}"' in page.text
        )
        assert page.text.count('class="card my-budget"') == 2  # not the owner's own budget
        card = page.text.split(f'id="budget-{mine["id"]}"')[1].split("</li>")[0]
        assert "laptop" in card and f"Spent: {usd(spent, 'en')}" in card
        assert f"Remaining: {usd(Decimal(2) - spent, 'en')}" in card
        assert "answered by Spare Chat" in card
        resets = period_bounds("day", "Europe/Berlin", datetime.now(UTC))[1]
        assert resets is not None
        berlin = resets.astimezone(ZoneInfo("Europe/Berlin"))
        assert f"Resets {berlin:%Y-%m-%d %H:%M} (Europe/Berlin)" in card
        assert "refused until it resets" in page.text  # the workspace's budget blocks

        token = csrf_of(page.text)
        switched = client.post(
            "/me/language", data={"csrf": token, "language": "de", "next": "/me/spend"}
        )
        assert switched.status_code == 303  # the page's own language switch leads back to it
        assert switched.headers["location"] == "/me/spend?saved=language"
        german = client.get(switched.headers["location"]).text
        assert "Sprache gespeichert" in german
        assert '<h1 id="spend-title">Meine Ausgaben</h1>' in german
        assert f'<span id="month-spend">{usd(spent, "de")}</span>' in german
        assert usd(spent, "de").endswith(" $") and "," in usd(spent, "de")
        card = german.split(f'id="budget-{mine["id"]}"')[1].split("</li>")[0]
        assert f"Übrig: {usd(Decimal(2) - spent, 'de')}" in card
        assert f"Zurückgesetzt am {berlin:%d.%m.%Y %H:%M} (Europe/Berlin)" in card
        assert "beantwortet Spare Chat" in card


def _alert(web_ws: WebWorkspace, budget: dict[str, Any], threshold: str, **fields: Any) -> str:
    start = period_bounds(budget["period"], budget["timezone"], datetime.now(UTC))[0]
    alert_id = f"bal_{secrets.token_hex(6)}"
    with web_ws.ws.server.services.session() as session:
        session.add(
            BudgetAlertRow(
                id=alert_id,
                workspace_id=web_ws.ws.id,
                budget_id=budget["id"],
                period_start=start,
                threshold=Decimal(threshold),
                spent_usd=Decimal("4.2"),
                **fields,
            )
        )
        session.commit()
    return alert_id


def test_alerts_are_listed_and_the_banner_shows_what_needs_attention(web_ws: WebWorkspace) -> None:
    budget = api_create(
        web_ws.ws, "/api/budgets", {"scope": "workspace", "amount_usd": "4", "period": "month"}
    )
    with _signed_in(web_ws) as client:
        assert 'id="budget-banner"' not in client.get(PAGE).text
        delivered = _alert(web_ws, budget, "0.8", delivered_at=datetime.now(UTC), attempts=1)
        assert 'id="budget-banner"' not in client.get(PAGE).text  # a delivered 80% is no alarm
        failed = _alert(web_ws, budget, "1.0", attempts=3, last_error="HTTP 500")
        listing = client.get(PAGE).text
        banner = listing.split('id="budget-banner"')[1].split("</p>")[0]
        assert "1 budget(s) are used up" in banner
        assert "1 budget alert(s) could not be delivered" in banner
        assert "delivered" in listing.split(f'id="alert-{delivered}"')[1].split("</tr>")[0]
        row = listing.split(f'id="alert-{failed}"')[1].split("</tr>")[0]
        assert "100%" in row and "$4.20" in row and "failed" in row and "HTTP 500" in row
        assert 'id="budget-banner"' in client.get("/settings/groups").text  # any admin page
        assert 'id="budget-banner"' not in client.get("/").text  # not the members' pages
        token = csrf_of(listing)
        client.post("/me/language", data={"csrf": token, "language": "de", "next": "/"})
        german = client.get(PAGE).text
        assert "Letzte Warnungen" in german and "Einstellungen: Budgets" in german
        row = german.split(f'id="alert-{failed}"')[1].split("</tr>")[0]
        assert "100 %" in row and "4,20 $" in row and "fehlgeschlagen" in row
        banner = german.split('id="budget-banner"')[1].split("</p>")[0]
        assert "1 Budget(s) sind aufgebraucht" in banner
    with _signed_in(web_ws, web_ws.member_email) as member:
        assert 'id="budget-banner"' not in member.get("/me/spend").text
