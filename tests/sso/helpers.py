"""Steps of the single sign-on tests: a Modelyard with OIDC settings from MODELYARD_*
variables, and a "browser" (an httpx client keeping cookies, redirects followed by hand)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from modelyard.settings import Settings
from tests.conftest import make_settings
from tests.sso.provider import CLIENT_ID, CLIENT_SECRET, Provider, query_of
from tests.support import RunningServer, ok

CALLBACK = "/auth/oidc/callback"


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def oidc_settings(data_dir: Path, database_url: str | None, issuer: str, **extra: str) -> Settings:
    """The test settings plus single sign-on, read from MODELYARD_* as in production."""
    env = {
        "MODELYARD_OIDC_ISSUER": issuer,
        "MODELYARD_OIDC_CLIENT_ID": CLIENT_ID,
        "MODELYARD_OIDC_CLIENT_SECRET": CLIENT_SECRET,
    } | {f"MODELYARD_{name.upper()}": value for name, value in extra.items()}
    with environment(env):
        settings = make_settings(data_dir, database_url)
    assert settings.oidc_enabled
    return settings


@dataclass
class Browser:
    """One browser's cookies against one Modelyard; every redirect is looked at by the test."""

    server: RunningServer
    http: httpx.Client

    @classmethod
    def open(cls, server: RunningServer, **headers: str) -> Browser:
        http = httpx.Client(base_url=server.base_url, timeout=30, headers=headers)
        return cls(server, http)

    def start(self, path: str = "/auth/oidc/login") -> str:
        """Click "Sign in with SSO": the provider's authorization URL it is sent to."""
        response = self.http.get(path)
        assert response.status_code == 302, (response.status_code, response.text[:500])
        return response.headers["location"]

    def callback(self, provider_redirect: str) -> httpx.Response:
        """Follow the provider's redirect back (onto this server, whatever its host)."""
        return self.http.get(CALLBACK, params=query_of(provider_redirect))

    def sign_in(self, provider: Provider, sub: str) -> httpx.Response:
        return self.callback(provider.approve(self.start(), sub))

    def me(self) -> httpx.Response:
        return self.http.get("/")

    def close(self) -> None:
        self.http.close()


def refusal(response: httpx.Response, status: int, code: str) -> str:
    """The error page's text, once it is the refusal ``code`` with ``status``."""
    assert response.status_code == status, (response.status_code, response.text[:800])
    assert f'data-reason="{code}"' in response.text, response.text[:800]
    assert "Traceback" not in response.text and CLIENT_SECRET not in response.text
    return response.text


def users_named(api: httpx.Client, email: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = ok(api.get("/api/users", params={"q": email}))
    return [user for user in found if user["email"] == email]
