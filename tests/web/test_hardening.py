"""Browser hardening and sign-in throttling of the web UI, through real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import make_settings
from tests.support import RunningServer, running_server
from tests.web.conftest import WebWorkspace
from tests.web.helpers import sign_in


def _assert_hardened(response: httpx.Response) -> None:
    policy = response.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in policy
    assert "default-src 'self'" in policy
    assert response.headers.get("x-content-type-options") == "nosniff"
    assert response.headers.get("referrer-policy") in {
        "same-origin",
        "strict-origin-when-cross-origin",
    }


def test_login_page_and_signed_in_page_carry_security_headers(web_ws: WebWorkspace) -> None:
    with httpx.Client(base_url=web_ws.base_url) as client:
        _assert_hardened(client.get("/login"))
        signed_in = sign_in(client, web_ws.member_email)
        assert signed_in.status_code == 303
        home = client.get("/")
        assert home.status_code == 200
        _assert_hardened(home)


def test_cookie_is_not_secure_over_plain_http_by_default(web_ws: WebWorkspace) -> None:
    with httpx.Client(base_url=web_ws.base_url) as client:
        cookie = client.get("/login").headers["set-cookie"]
    assert "secure" not in cookie.lower()


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[RunningServer]:
    settings = make_settings(tmp_path, None).model_copy(
        update={"public_url": "https://modelyard.example.com"}
    )
    with running_server(settings, "sqlite") as running:
        yield running


def test_cookie_is_secure_when_public_url_is_https(https_server: RunningServer) -> None:
    with httpx.Client(base_url=https_server.base_url) as client:
        response = client.get("/login")
    cookie = response.headers["set-cookie"]
    assert "; secure" in cookie.lower()
    _assert_hardened(response)
