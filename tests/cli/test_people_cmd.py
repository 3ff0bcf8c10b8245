"""``modelyard users invite`` and ``users deactivate/reactivate`` as an operator runs them (a real
process on a real data directory) next to a real server on the same database: the printed link
works in the server's invite page, the group is set, a deactivated user's key stops at once,
and the CLI refuses what the domain refuses, pointing at the flag.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard.settings import Settings
from tests.cli.test_cli import modelyard
from tests.support import Workspace, ok, running_server
from tests.web.helpers import csrf_of

PASSWORD = "a long new password"


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Workspace, Path]]:
    monkeypatch.setenv("COLUMNS", "250")
    init = json.loads(modelyard(tmp_path, "init", "--json").stdout)
    settings = Settings(data_dir=tmp_path, allowed_upstream_hosts=["127.0.0.1"])
    with running_server(settings, "sqlite") as server:
        with server.client(init["owner_api_key"]) as api:
            owner_id = ok(api.get("/api/me"))["id"]
        yield Workspace(server, init["workspace_id"], owner_id, init["owner_api_key"]), tmp_path


def test_invite_deactivate_reactivate(setup: tuple[Workspace, Path]) -> None:
    ws, data_dir = setup
    with ws.owner() as api:
        group = ok(api.post("/api/groups", json={"name": "Sales"}), 201)
    done = modelyard(
        data_dir, "users", "invite", "--email", "Ann@Example.com", "--role", "admin",
        "--group", "sales", "--name", "Ann",
    )  # fmt: skip
    url = done.stdout.strip()
    assert url.startswith("http://127.0.0.1:8080/invite/") and "works once" in done.stderr
    path = "/invite/" + url.rsplit("/", 1)[1]
    with ws.owner() as api:
        [ann] = [u for u in ok(api.get("/api/users")) if u["email"] == "ann@example.com"]
        key = ok(api.post(f"/api/users/{ann['id']}/api-keys", json={"name": "cli"}), 201)
    assert (ann["role"], ann["name"], ann["group_ids"]) == ("admin", "Ann", [group["id"]])
    with ws.server.client() as browser:
        page = browser.get(path)
        form = {"csrf": csrf_of(page.text), "password": PASSWORD, "password_confirm": PASSWORD}
        assert browser.post(path, data=form).status_code == 303

        done = modelyard(data_dir, "users", "deactivate", "--email", "ann@example.com")
        assert done.stdout.split() == [ann["id"], "ann@example.com", "deactivated"]
        with ws.server.client(key["key"]) as as_ann:
            assert as_ann.get("/api/me").status_code == 401
        assert browser.get("/settings/models").status_code == 303  # signed out
    done = modelyard(data_dir, "users", "reactivate", "--email", "ann@example.com")
    assert done.stdout.split()[-1] == "active"
    with ws.owner() as api:
        assert ok(api.get(f"/api/users/{ann['id']}"))["active"] is True


def test_refusals_name_the_flag(setup: tuple[Workspace, Path]) -> None:
    ws, data_dir = setup
    refused = modelyard(
        data_dir, "users", "invite", "--email", "b@example.com", "--group", "nope", check=False
    )
    assert refused.returncode == 2
    assert "--group" in refused.stderr and "No group with id 'nope'" in refused.stderr
    refused = modelyard(data_dir, "users", "invite", "--email", "not-an-email", check=False)
    assert refused.returncode == 2 and "--email" in refused.stderr
    with ws.owner() as api:
        owner = ok(api.get("/api/me"))
    refused = modelyard(data_dir, "users", "deactivate", "--email", owner["email"], check=False)
    assert refused.returncode == 2 and "last active owner" in refused.stderr
    with ws.owner() as api:
        emails = [u["email"] for u in ok(api.get("/api/users"))]
        assert ok(api.get("/api/me"))["active"] is True
    assert emails == [owner["email"]]
