"""``modelyard keys create`` with scopes and ``modelyard keys list``, as an operator runs them
(a real process on a real data directory), next to a real server on the same database: the key
calls what it was given and nothing else, and the CLI refuses what the API refuses, in its words.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openai
import pytest

from modelyard.settings import Settings
from modelyard.testing import FakeProvider
from tests.cli.test_cli import modelyard
from tests.gateway.setup import add_model, close_clients, sdk
from tests.support import Workspace, error_of, ok, running_server

MESSAGES: Any = [{"role": "user", "content": "hello"}]
BOB = "bob@example.com"


@pytest.fixture
def setup(
    tmp_path: Path, fake: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Workspace, Path, str]]:
    """An initialised data directory served on loopback, with a member Bob (added by the CLI);
    yields the owner's workspace, the data directory and Bob's user id."""
    monkeypatch.setenv("COLUMNS", "250")  # rich's table and errors on one line each
    init = json.loads(modelyard(tmp_path, "init", "--json").stdout)
    bob_id = modelyard(tmp_path, "users", "add", BOB).stdout.split()[0]
    settings = Settings(data_dir=tmp_path, allowed_upstream_hosts=["127.0.0.1"])
    with running_server(settings, "sqlite") as server:
        with server.client(init["owner_api_key"]) as api:
            owner_id = ok(api.get("/api/me"))["id"]
        ws = Workspace(server, init["workspace_id"], owner_id, init["owner_api_key"])
        yield ws, tmp_path, bob_id
        close_clients()


def _api_refusal(ws: Workspace, user_id: str, body: dict[str, Any]) -> str:
    """What the admin API answers an owner issuing this key."""
    with ws.owner() as api:
        message: str = error_of(api.post(f"/api/users/{user_id}/api-keys", json=body), 422)[
            "message"
        ]
    return message


def _keys_of(ws: Workspace, user_id: str) -> list[dict[str, Any]]:
    with ws.owner() as api:
        keys: list[dict[str, Any]] = ok(api.get(f"/api/users/{user_id}/api-keys"))
    return keys


def test_create_with_scopes_then_list(
    setup: tuple[Workspace, Path, str], fake: FakeProvider
) -> None:
    ws, data_dir, bob = setup
    alpha = add_model(ws, fake, display_name="Alpha")
    beta = add_model(ws, fake, display_name="Beta")
    gamma = add_model(ws, fake, display_name="Gamma")
    day = (datetime.now(UTC) + timedelta(days=5)).date()
    # One model by slug, one by id; the day is worked through to its end in UTC.
    created = modelyard(
        data_dir,
        *("keys", "create", BOB, "--name", "nightly", "--expires", day.isoformat()),
        *("--model", alpha["slug"], "--model", beta["id"]),
    )
    plain = created.stdout.strip()
    [key] = [k for k in _keys_of(ws, bob) if k["name"] == "nightly"]
    assert sorted(key["model_ids"]) == sorted([alpha["id"], beta["id"]])
    assert datetime.fromisoformat(key["expires_at"]) == datetime(
        day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=UTC
    )

    client = sdk(ws, plain)
    assert {m.id for m in client.models.list()} == {alpha["slug"], beta["slug"]}
    assert client.chat.completions.create(model=alpha["slug"], messages=MESSAGES).choices
    with pytest.raises(openai.PermissionDeniedError):
        client.chat.completions.create(model=gamma["slug"], messages=MESSAGES)

    modelyard(data_dir, "keys", "create", BOB, "--name", "wide")
    ws.server.services.config.key_activity.flush()
    listed = modelyard(data_dir, "keys", "list", "--email", BOB).stdout
    [nightly] = [line for line in listed.splitlines() if "nightly" in line]
    assert f"{day.isoformat()} 23:59 UTC" in nightly and plain[:10] + "…" in nightly
    assert alpha["slug"] in nightly and beta["slug"] in nightly and gamma["slug"] not in nightly
    assert "active" in nightly and "never" not in nightly  # it was used: a last-used time
    [wide] = [line for line in listed.splitlines() if "wide" in line]
    assert "all" in wide and wide.count("never") == 2  # no expiry, never used
    assert plain not in listed


def test_create_refuses_what_the_api_refuses(
    setup: tuple[Workspace, Path, str], fake: FakeProvider
) -> None:
    ws, data_dir, bob = setup
    hidden = add_model(ws, fake, display_name="Hidden", visible=False)
    before = _keys_of(ws, bob)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    cases: list[tuple[tuple[str, str], dict[str, Any], str]] = [
        (("--expires", yesterday), {"expires_at": yesterday}, "--expires"),
        (("--expires", "soon"), {"expires_at": "soon"}, "--expires"),
        (("--model", hidden["id"]), {"model_ids": [hidden["id"]]}, "--model"),
        (("--model", "mdl_nothing"), {"model_ids": ["mdl_nothing"]}, "--model"),
    ]
    for flags, body, flag in cases:
        refused = modelyard(data_dir, "keys", "create", BOB, *flags, check=False)
        assert refused.returncode == 2
        message = _api_refusal(ws, bob, body)
        assert f"Invalid value for {flag}: {message}" in refused.stderr, (message, refused.stderr)
    # A slug of a model Bob may not use is refused as its id is.
    by_slug = modelyard(data_dir, "keys", "create", BOB, "--model", hidden["slug"], check=False)
    assert by_slug.returncode == 2
    assert f"The user may not use the model '{hidden['id']}'" in by_slug.stderr
    assert _keys_of(ws, bob) == before


def test_list_needs_a_known_user(setup: tuple[Workspace, Path, str]) -> None:
    _, data_dir, _ = setup
    missing = modelyard(data_dir, "keys", "list", "--email", "nobody@example.com", check=False)
    assert missing.returncode == 2 and "No user 'nobody@example.com'" in missing.stderr
