"""The ``modelyard`` command as an operator runs it: a real process on a real data directory."""

from __future__ import annotations

import functools
import http.server
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelyard.settings import Settings
from tests.support import error_of, free_port, ok, running_server


def modelyard(data_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    env["MODELYARD_DATA_DIR"] = str(data_dir)
    done = subprocess.run(
        [sys.executable, "-m", "modelyard", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check:
        assert done.returncode == 0, (done.stdout, done.stderr)
    return done


@pytest.fixture
def initialised(tmp_path: Path) -> dict[str, Any]:
    done = modelyard(
        tmp_path,
        "init",
        "--json",
        "--owner-email",
        "Admin@Example.com",
        "--owner-password",
        "correct-horse",
    )
    info: dict[str, Any] = json.loads(done.stdout)
    info["data_dir"] = tmp_path
    return info


def test_init_prints_credentials_once(initialised: dict[str, Any]) -> None:
    assert initialised["owner_email"] == "admin@example.com"
    assert initialised["owner_api_key"].startswith("my-")
    assert initialised["owner_password"] is None  # it was given, so it is not echoed
    data_dir = initialised["data_dir"]
    assert (data_dir / "modelyard.db").exists()
    assert oct((data_dir / "secret.key").stat().st_mode & 0o777) == "0o600"
    again = modelyard(data_dir, "init", check=False)
    assert again.returncode == 1 and "Already initialised" in again.stdout
    quiet = modelyard(data_dir, "init", "--if-needed")
    assert quiet.stdout == ""


def test_init_generates_a_password_when_none_is_given(tmp_path: Path) -> None:
    done = modelyard(tmp_path, "init")
    assert "Owner password:" in done.stdout and "Owner API key:  my-" in done.stdout


def test_serve_answers_health_and_the_admin_api(initialised: dict[str, Any]) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    env["MODELYARD_DATA_DIR"] = str(initialised["data_dir"])
    process = subprocess.Popen(
        [sys.executable, "-m", "modelyard", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "serve did not come up"
                time.sleep(0.05)
        assert ok(health) == {"status": "ok"}
        auth = {"authorization": f"Bearer {initialised['owner_api_key']}"}
        assert ok(httpx.get(f"http://127.0.0.1:{port}/api/models", headers=auth)) == []
        assert "openapi" in ok(httpx.get(f"http://127.0.0.1:{port}/openapi.json"))
        assert httpx.get(f"http://127.0.0.1:{port}/docs").status_code == 200
    finally:
        process.terminate()
        process.wait(10)


def test_users_add_and_keys_create(initialised: dict[str, Any]) -> None:
    data_dir = initialised["data_dir"]
    added = modelyard(data_dir, "users", "add", "Bob@Example.com", "--role", "admin")
    assert "bob@example.com admin" in added.stdout
    bad = modelyard(data_dir, "users", "add", "not-an-email", check=False)
    assert bad.returncode != 0 and "email" in bad.stderr
    dup = modelyard(data_dir, "users", "add", "bob@example.com", check=False)
    assert dup.returncode != 0 and "already exists" in dup.stderr
    key = modelyard(data_dir, "keys", "create", "bob@example.com").stdout.strip()
    settings = Settings(data_dir=data_dir, allowed_upstream_hosts=["127.0.0.1"])
    with running_server(settings, "sqlite") as server, server.client(key) as bob:
        me = ok(bob.get("/api/me"))
        assert (me["email"], me["role"]) == ("bob@example.com", "admin")


@pytest.fixture
def http_dir(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """Serve a folder over HTTP on loopback (a catalog URL for ``catalog update --from``)."""
    folder = tmp_path / "www"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_catalog_update_moves_preconfigured_models_only(
    initialised: dict[str, Any], http_dir: tuple[Path, str]
) -> None:
    data_dir = initialised["data_dir"]
    listed = modelyard(data_dir, "catalog", "list", "--kind", "embedding").stdout
    assert "text-embedding-3-small" in listed
    exported = json.loads(modelyard(data_dir, "catalog", "export", "--json").stdout)
    settings = Settings(data_dir=data_dir, allowed_upstream_hosts=["127.0.0.1"])
    with (
        running_server(settings, "sqlite") as server,
        server.client(initialised["owner_api_key"]) as api,
    ):
        follows = ok(
            api.post("/api/models", json={"kind": "completion", "catalog_id": "openai/gpt-4o"}), 201
        )
        doomed = ok(
            api.post(
                "/api/models", json={"kind": "completion", "catalog_id": "openai/gpt-4.1-mini"}
            ),
            201,
        )
        manual = ok(
            api.post(
                "/api/models",
                json={
                    "kind": "completion",
                    "display_name": "gpt-4o by hand",
                    "provider": "openai",
                    "provider_model_name": "gpt-4o",
                    "context_window": 128000,
                    "max_output_tokens": 16384,
                    "input_price": 2.5,
                    "output_price": 10,
                },
            ),
            201,
        )
        entries = {e["id"]: e for e in exported["entries"]}
        entries["openai/gpt-4o"] = {
            **entries["openai/gpt-4o"],
            "input_price": "1.25",
            "context_window": 256000,
        }
        del entries["openai/gpt-4.1-mini"]
        entries["openai/gpt-next"] = {
            **entries["openai/gpt-4o"],
            "id": "openai/gpt-next",
            "provider_model_name": "gpt-next",
            "display_name": "GPT Next",
        }
        new = {**exported, "version": "test-2", "entries": list(entries.values())}
        folder, base = http_dir
        (folder / "catalog.json").write_text(json.dumps(new))

        dry = modelyard(
            data_dir, "catalog", "update", "--from", f"{base}/catalog.json", "--dry-run"
        ).stdout
        assert "nothing applied" in dry
        assert ok(api.get(f"/api/models/{follows['id']}"))["input_price"] == follows["input_price"]

        out = modelyard(data_dir, "catalog", "update", "--from", f"{base}/catalog.json").stdout
        assert "+ openai/gpt-next" in out
        assert "- openai/gpt-4.1-mini" in out
        assert "~ openai/gpt-4o" in out and "input_price" in out
        assert "1 added, 1 changed, 1 removed" in out

        moved = ok(api.get(f"/api/models/{follows['id']}"))
        assert (moved["input_price"], moved["context_window"]) == (1.25, 256000)
        assert moved["catalog_status"] == "changed"
        kept = ok(api.get(f"/api/models/{doomed['id']}"))
        assert kept["catalog_status"] == "removed"
        assert kept["context_window"] == doomed["context_window"]
        assert kept["input_price"] == doomed["input_price"]
        assert any("removed" in w for w in kept["warnings"])
        untouched = ok(api.get(f"/api/models/{manual['id']}"))
        assert (untouched["input_price"], untouched["context_window"]) == (2.5, 128000)
        assert ok(api.get("/api/catalog/openai/gpt-next"))["display_name"] == "GPT Next"
        error = error_of(
            api.post(
                "/api/models", json={"kind": "completion", "catalog_id": "openai/gpt-4.1-mini"}
            ),
            422,
        )
        assert error["param"] == "catalog_id"
        actions = {row["action"] for row in ok(api.get("/api/audit"))}
        assert {"catalog.entry_changed", "catalog.entry_removed"} <= actions


def test_catalog_update_refuses_bad_files(initialised: dict[str, Any]) -> None:
    data_dir = initialised["data_dir"]
    bad = data_dir / "bad.json"
    bad.write_text("{not json")
    done = modelyard(data_dir, "catalog", "update", "--from", str(bad), check=False)
    assert done.returncode == 1 and "Cannot use this catalog" in done.stdout
    missing = modelyard(
        data_dir, "catalog", "update", "--from", str(data_dir / "nope.json"), check=False
    )
    assert missing.returncode == 1
