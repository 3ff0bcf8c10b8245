"""Test support: a real Modelyard server on loopback, over a real SQLite or PostgreSQL database."""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import uvicorn
from sqlalchemy import Engine

from modelyard.app import create_app
from modelyard.services import Services
from modelyard.settings import Settings
from modelyard.storage.engine import make_engine
from modelyard.storage.migrate import upgrade
from modelyard.workspace.bootstrap import create_workspace

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test session, dropped afterwards."""
    name = f"modelyard_test_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def migrated_engine(backend: str, directory: Path) -> Iterator[Engine]:
    """A fresh database of its own (a file in ``directory``, or a new PostgreSQL database),
    migrated to the latest schema; disposed (and dropped) afterwards."""
    if backend == "sqlite":
        made = make_engine(f"sqlite:///{directory / 'modelyard.db'}")
        upgrade(made)
        try:
            yield made
        finally:
            made.dispose()
        return
    with postgres_database() as url:
        made = make_engine(url)
        upgrade(made)
        try:
            yield made
        finally:
            made.dispose()


@dataclass
class RunningServer:
    base_url: str
    services: Services
    backend: str

    def client(self, api_key: str | None = None) -> httpx.Client:
        headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30)


@contextmanager
def running_server(settings: Settings, backend: str) -> Iterator[RunningServer]:
    """Serve ``create_app(settings)`` with uvicorn in a thread, on a free loopback port."""
    services = Services.build(settings)
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, services), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield RunningServer(f"http://127.0.0.1:{port}", services, backend)
    finally:
        server.should_exit = True
        thread.join(10)
        services.close()


@dataclass
class Workspace:
    """A fresh workspace on the running server, with its owner's API key."""

    server: RunningServer
    id: str
    owner_id: str
    owner_key: str

    def owner(self) -> httpx.Client:
        return self.server.client(self.owner_key)

    def add_user(self, role: str = "member", email: str | None = None) -> tuple[str, str]:
        """Create a user with ``role`` through the API; return (user id, their API key)."""
        with self.owner() as api:
            email = email or f"{role}-{secrets.token_hex(3)}@example.com"
            user = ok(api.post("/api/users", json={"email": email, "role": role}), 201)
            key = ok(api.post(f"/api/users/{user['id']}/api-keys", json={"name": "t"}), 201)
        return user["id"], key["key"]


def new_workspace(server: RunningServer) -> Workspace:
    with server.services.session() as session:
        # No web password: argon2 is slow on purpose, and these owners use API keys only.
        done = create_workspace(
            session, "Test", f"owner-{secrets.token_hex(3)}@example.com", None, web_login=False
        )
    return Workspace(server, done.workspace_id, done.owner_id, done.owner_api_key)


def ok(response: httpx.Response, status: int = 200) -> Any:
    """The JSON body of a response that must have ``status`` (the body is shown when not)."""
    assert response.status_code == status, (response.status_code, response.text)
    return response.json() if response.content else None


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    """The OpenAI-shaped error of a response that must have failed with ``status``."""
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"type", "message", "param", "code"}, body
    assert body["error"]["message"], body
    error: dict[str, Any] = body["error"]
    return error


def sqlite_files(data_dir: Path) -> list[Path]:
    return sorted(data_dir.glob("modelyard.db*"))


def create_chat_model(api: httpx.Client, name: str = "Chat Model", **extra: Any) -> dict[str, Any]:
    """A visible manual completion model through the admin API; ``extra`` overrides fields."""
    body: dict[str, Any] = {
        "kind": "completion",
        "display_name": name,
        "provider": "openai",
        "provider_model_name": "gpt-x",
        "context_window": 8000,
        "max_output_tokens": 1000,
        "visible": True,
    } | extra
    created: dict[str, Any] = ok(api.post("/api/models", json=body), 201)
    return created
