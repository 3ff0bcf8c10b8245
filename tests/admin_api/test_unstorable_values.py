"""Values a database cannot store are bad input on every backend: a NUL character in any text
(PostgreSQL refuses it: these were 500s the fuzz run found) and numbers too large for a column."""

from __future__ import annotations

import pytest

from tests.support import Workspace, error_of, ok


@pytest.mark.parametrize(
    ("path", "body", "param"),
    [
        ("/api/users", {"email": "a\x00b@example.com", "role": "member"}, "email"),
        ("/api/groups", {"name": "team\x00"}, "name"),
        ("/api/me/api-keys", {"name": "k\x00"}, "name"),
    ],
)
def test_a_nul_in_a_body_is_a_422_naming_the_field(
    ws: Workspace, path: str, body: dict[str, str], param: str
) -> None:
    with ws.owner() as api:
        error = error_of(api.post(path, json=body), 422)
        assert error["param"] == param and "NUL" in error["message"]
        users = ok(api.get("/api/users"))
    assert not any("\x00" in user["email"] for user in users)


def test_a_nul_in_a_list_of_ids(ws: Workspace) -> None:
    with ws.owner() as api:
        group = ok(api.post("/api/groups", json={"name": "g"}), 201)
        response = api.put(f"/api/groups/{group['id']}/members", json={"user_ids": ["x\x00"]})
    assert error_of(response, 422)["param"] == "user_ids"


def test_a_nul_in_a_path_or_query_is_never_a_500(ws: Workspace) -> None:
    with ws.owner() as api:
        by_path = api.get("/api/models/mdl%00x")
        by_query = api.get("/api/users/usr%00/api-keys")
    for response in (by_path, by_query):
        assert response.status_code in (404, 422), response.text
        if response.status_code == 422:  # PostgreSQL: the database refused the value
            assert error_of(response, 422)["code"] == "unstorable_value"
