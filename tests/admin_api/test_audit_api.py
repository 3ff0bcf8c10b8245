"""``GET /api/audit`` and ``/api/audit/export.csv`` through real HTTP: field names and request
ids of model, group and user changes, the filters, keyset paging (no duplicates, no gaps, rows
written while paging), members refused, bad parameters named, the CSV equal to the JSON and
safe in a spreadsheet, and no secret value anywhere in either.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from modelyard.storage.tables import AuditRow
from modelyard.workspace import audit
from tests.support import Workspace, create_chat_model, error_of, new_workspace, ok

CANARY_SECRET = "sk-canary-KEY-5d1e0c9a7b3f"
CANARY_ROTATED = "sk-canary-ROTATED-8e2b4a6c"
CANARY_PASSWORD = "canary-password-1f3e5d7c9b"


def _all(api: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """Every entry matching ``params``, newest first, following the cursor."""
    entries: list[dict[str, Any]] = []
    query = {"limit": 1000, **params}
    while True:
        response = api.get("/api/audit", params=query)
        entries += ok(response)
        cursor = response.headers.get("x-next-cursor")
        if cursor is None:
            return entries
        query["cursor"] = cursor


def _csv(api: httpx.Client, **params: Any) -> list[dict[str, str]]:
    response = api.get("/api/audit/export.csv", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def _only(entries: list[dict[str, Any]], action: str, target_id: str) -> dict[str, Any]:
    found = [e for e in entries if e["action"] == action and e["target_id"] == target_id]
    assert len(found) == 1, (action, target_id, entries)
    return found[0]


def _rows(ws: Workspace, count: int, at: datetime | None = None, action: str = "test.row") -> None:
    """``count`` audit rows written by the domain's own ``record`` (many, fast), optionally all
    at one instant (to page through ties)."""
    with ws.server.services.session() as session:
        for n in range(count):
            audit.record(session, None, action, "test", f"t{n}", workspace_id=ws.id)
        session.flush()
        if at is not None:
            rows = select(AuditRow).where(AuditRow.workspace_id == ws.id, AuditRow.action == action)
            for row in session.scalars(rows):
                row.at = at
        session.commit()


def test_model_group_and_user_changes_name_fields_and_request_ids(ws: Workspace) -> None:
    with ws.owner() as api:
        sent = api.post(
            "/api/models",
            json={
                "kind": "completion",
                "display_name": "Audited",
                "provider": "openai",
                "provider_model_name": "gpt-x",
                "context_window": 8000,
                "max_output_tokens": 1000,
            },
            headers={"x-request-id": "audit-test.model-create_1"},
        )
        model = ok(sent, 201)
        patched = api.patch(f"/api/models/{model['id']}", json={"premium": True, "visible": True})
        ok(patched)
        group_made = api.post("/api/groups", json={"name": "Sales"})
        group = ok(group_made, 201)
        group_patched = api.patch(f"/api/groups/{group['id']}", json={"description": "d"})
        ok(group_patched)
        user_made = api.post("/api/users", json={"email": "a@example.com", "role": "member"})
        user = ok(user_made, 201)
        user_patched = api.patch(f"/api/users/{user['id']}", json={"role": "admin", "name": "A"})
        ok(user_patched)
        entries = _all(api)

    assert sent.headers["x-request-id"] == "audit-test.model-create_1"
    expected = [
        ("model.create", model["id"], sent, []),
        ("model.update", model["id"], patched, ["premium", "visible"]),
        ("group.create", group["id"], group_made, []),
        ("group.update", group["id"], group_patched, ["description"]),
        ("user.create", user["id"], user_made, []),
        ("user.update", user["id"], user_patched, ["name", "role"]),
    ]
    for action, target_id, response, fields in expected:
        entry = _only(entries, action, target_id)
        assert entry["request_id"] == response.headers["x-request-id"], action
        assert entry["fields"] == fields, action
        assert entry["actor"]["id"] == entry["actor_id"] == ws.owner_id
        assert entry["actor"]["email"].startswith("owner-")
    ids = [e["request_id"] for e in entries if e["target_id"] in (model["id"], group["id"])]
    assert len(set(ids)) == 4  # one id per request, no two requests alike
    # The workspace's creation was made by no one and in no request.
    assert (entries[-1]["action"], entries[-1]["actor"], entries[-1]["request_id"]) == (
        "workspace.create",
        None,
        None,
    )


def test_filters(ws: Workspace) -> None:
    admin_id, admin_key = ws.add_user("admin")
    with ws.owner() as api:
        first = create_chat_model(api, "First")
        second = create_chat_model(api, "Second")
    with ws.server.client(admin_key) as admin:
        ok(admin.patch(f"/api/models/{first['id']}", json={"maintenance": True}))
        group = ok(admin.post("/api/groups", json={"name": "Ops"}), 201)
    with ws.owner() as api:
        everything = _all(api)
        by_admin = _all(api, actor_id=admin_id)
        assert [(e["action"], e["target_id"]) for e in by_admin] == [
            ("group.create", group["id"]),
            ("model.update", first["id"]),
        ]
        creates = _all(api, action="model.create")
        assert {e["target_id"] for e in creates} == {first["id"], second["id"]}
        assert all(e["action"] == "model.create" for e in creates)
        groups = _all(api, target_type="group")
        assert [e["target_id"] for e in groups] == [group["id"]]
        on_first = _all(api, target_id=first["id"])
        assert [e["action"] for e in on_first] == ["model.update", "model.create"]
        both = _all(api, target_type="model", actor_id=admin_id)
        assert [e["target_id"] for e in both] == [first["id"]]
        assert _all(api, action="no.such.action") == []

        # from is inclusive, to exclusive; naive times are UTC; a date as "to" is that whole day.
        middle = everything[2]
        newer = _all(api, **{"from": middle["at"]})
        assert [e["id"] for e in newer] == [e["id"] for e in everything[:3]]
        older = _all(api, to=middle["at"])
        assert [e["id"] for e in older] == [e["id"] for e in everything[3:]]
        naive = datetime.fromisoformat(middle["at"]).replace(tzinfo=None).isoformat()
        assert [e["id"] for e in _all(api, **{"from": naive})] == [e["id"] for e in newer]
        today = datetime.fromisoformat(middle["at"]).date()
        assert len(_all(api, **{"from": today.isoformat(), "to": today.isoformat()})) == len(
            everything
        )
        assert _all(api, **{"from": (today + timedelta(days=1)).isoformat()}) == []

        # The CSV takes the same filters.
        assert [int(r["id"]) for r in _csv(api, actor_id=admin_id)] == [e["id"] for e in by_admin]


def test_cursor_pages_have_no_duplicates_or_gaps_while_rows_are_written(ws: Workspace) -> None:
    _rows(ws, 23)
    with ws.owner() as api:
        snapshot = [e["id"] for e in _all(api)]
        assert len(snapshot) == 24  # and the workspace's creation
        seen: list[int] = []
        response = api.get("/api/audit", params={"limit": 5})
        pages = 1
        while True:
            page = ok(response)
            assert len(page) <= 5
            seen += [e["id"] for e in page]
            if pages == 1:
                create_chat_model(api, "Written while paging")  # newer: not on a later page
            cursor = response.headers.get("x-next-cursor")
            if cursor is None:
                break
            assert response.headers["link"].endswith('; rel="next"')
            assert f"cursor={cursor}" in response.headers["link"]
            response = api.get("/api/audit", params={"limit": 5, "cursor": cursor})
            pages += 1
        assert seen == snapshot
        assert pages == 5
        # The first page now starts with the row written meanwhile.
        assert ok(api.get("/api/audit", params={"limit": 1}))[0]["action"] == "model.create"


def test_rows_at_the_same_instant_page_by_id(ws: Workspace) -> None:
    instant = datetime.fromisoformat("2026-01-02T03:04:05.123456+00:00")
    _rows(ws, 7, at=instant, action="test.tie")
    with ws.owner() as api:
        seen: list[int] = []
        params: dict[str, Any] = {"limit": 2, "action": "test.tie"}
        while True:
            response = api.get("/api/audit", params=params)
            seen += [e["id"] for e in ok(response)]
            if "x-next-cursor" not in response.headers:
                break
            params["cursor"] = response.headers["x-next-cursor"]
    assert len(seen) == 7
    assert seen == sorted(set(seen), reverse=True)


def test_limit_default_and_bounds(ws: Workspace) -> None:
    _rows(ws, 1100)
    with ws.owner() as api:
        default = api.get("/api/audit")
        assert len(ok(default)) == 100
        assert "x-next-cursor" in default.headers
        most = api.get("/api/audit", params={"limit": 1000})
        assert len(ok(most)) == 1000
        rest = ok(
            api.get("/api/audit", params={"limit": 1000, "cursor": most.headers["x-next-cursor"]})
        )
        assert len(rest) == 101
        # The CSV is every matching row, not one page (streamed a few hundred at a time).
        lines = _csv(api)
        assert [int(r["id"]) for r in lines] == [e["id"] for e in ok(most) + rest]


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"cursor": "not-a-cursor!"}, "cursor"),
        ({"cursor": base64.urlsafe_b64encode(b"yesterday|7").decode()}, "cursor"),
        ({"cursor": base64.urlsafe_b64encode(b"2026-01-01T00:00:00|7").decode()}, "cursor"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "from"),
        ({"action": "model\x00.create"}, "action"),
        ({"target_id": "\x00"}, "target_id"),
    ],
)
def test_bad_parameters_are_422_naming_them(
    ws: Workspace, params: dict[str, Any], param: str
) -> None:
    with ws.owner() as api:
        error = error_of(api.get("/api/audit", params=params), 422)
        assert error["param"] == param
        assert param in error["message"]
        if param != "cursor" and param != "limit":
            csv_error = error_of(api.get("/api/audit/export.csv", params=params), 422)
            assert csv_error["param"] == param


def test_members_are_refused_admins_read(ws: Workspace) -> None:
    _, member_key = ws.add_user("member")
    admin_id, admin_key = ws.add_user("admin")
    with ws.server.client(member_key) as member:
        for path in ("/api/audit", "/api/audit/export.csv"):
            assert error_of(member.get(path), 403)["type"] == "permission_error"
    with ws.server.client(admin_key) as admin:
        assert any(e["target_id"] == admin_id for e in _all(admin, action="user.create"))
        assert _csv(admin, action="user.create")


def test_csv_matches_the_json_and_is_safe_in_a_spreadsheet(ws: Workspace) -> None:
    with ws.owner() as api:
        admin = ok(
            api.post(
                "/api/users",
                json={"email": "formula@example.com", "role": "admin", "name": "=HYPERLINK(1)"},
            ),
            201,
        )
        key = ok(api.post(f"/api/users/{admin['id']}/api-keys", json={"name": "t"}), 201)["key"]
    with ws.server.client(key) as formula:
        ok(
            formula.post("/api/groups", json={"name": "+Sum"}, headers={"x-request-id": "-2-1"}),
            201,
        )
    with ws.owner() as api:
        entries = _all(api)
        lines = _csv(api)
    assert len(lines) == len(entries)
    for line, entry in zip(lines, entries, strict=True):
        actor = entry["actor"] or {}
        expected = {
            "id": str(entry["id"]),
            "at": entry["at"],
            "actor_id": entry["actor_id"] or "",
            "actor_email": actor.get("email") or "",
            "actor_name": actor.get("name") or "",
            "action": entry["action"],
            "target_type": entry["target_type"],
            "target_id": entry["target_id"],
            "fields": " ".join(entry["fields"]),
            "request_id": entry["request_id"] or "",
        }
        unquoted = {
            name: value[1:] if value[:2] in ("'=", "'+", "'-", "'@") else value
            for name, value in line.items()
        }
        assert {name: unquoted[name] for name in expected} == expected
        assert datetime.fromisoformat(line["at"]) == datetime.fromisoformat(entry["at"])
        assert json.loads(line["details"]) == entry["details"]
    made = next(line for line in lines if line["action"] == "group.create")
    assert (made["actor_name"], made["request_id"]) == ("'=HYPERLINK(1)", "'-2-1")
    for line in lines:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in line.values())


def test_no_secret_value_reaches_the_trail(ws: Workspace) -> None:
    member_id, member_key = ws.add_user("member")
    with ws.owner() as api:
        key = ok(
            api.post(
                "/api/model-keys",
                json={
                    "name": "canary",
                    "provider": "openai",
                    "secret": CANARY_SECRET,
                    "base_url": "http://127.0.0.1:9/v1",
                },
            ),
            201,
        )
        ok(api.patch(f"/api/model-keys/{key['id']}", json={"secret": CANARY_ROTATED}))
        ok(api.patch(f"/api/users/{member_id}", json={"password": CANARY_PASSWORD}))
        issued = ok(api.post(f"/api/users/{member_id}/api-keys", json={"name": "ci"}), 201)
    with ws.server.client(member_key) as member:
        own = ok(member.post("/api/me/api-keys", json={"name": "laptop"}), 201)
    with ws.owner() as api:
        text = api.get("/api/audit", params={"limit": 1000}).text
        csv_text = api.get("/api/audit/export.csv").text
        entries = _all(api)
    assert _only(entries, "model_key.update", key["id"])["fields"] == ["secret"]
    assert _only(entries, "user.update", member_id)["fields"] == ["password"]
    canaries = (CANARY_SECRET, CANARY_ROTATED, CANARY_PASSWORD, issued["key"], own["key"])
    for canary in canaries:
        for body in (text, csv_text):
            assert canary not in body
            assert canary[:-4] not in body  # nor a recognisable part of it
    assert member_key not in text + csv_text


def test_record_refuses_a_detail_named_like_a_secret(ws: Workspace) -> None:
    with ws.server.services.session() as session:
        for name in ("secret", "password", "token", "api_key"):
            with pytest.raises(ValueError, match="never secret values"):
                audit.record(session, None, "x", "x", "x", workspace_id=ws.id, **{name: "v"})
        session.rollback()


def test_another_workspace_never_shows_not_even_through_its_cursor(ws: Workspace) -> None:
    other = new_workspace(ws.server)
    _rows(other, 3, action="test.other")
    with other.owner() as api:
        theirs = api.get("/api/audit", params={"limit": 1})
        their_cursor = theirs.headers["x-next-cursor"]
        their_ids = {e["id"] for e in _all(api)}
    with ws.owner() as api:
        mine = _all(api)
        through_theirs = ok(api.get("/api/audit", params={"cursor": their_cursor}))
        by_their_owner = _all(api, actor_id=other.owner_id)
        csv_ids = {int(r["id"]) for r in _csv(api, action="test.other")}
    assert their_ids.isdisjoint(e["id"] for e in mine + through_theirs)
    assert by_their_owner == []
    assert csv_ids == set()
