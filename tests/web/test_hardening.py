"""Browser hardening and sign-in throttling of the web UI, through real HTTP."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from modelyard.web.login_throttle import (
    MAX_PER_ADDRESS,
    MAX_PER_EMAIL,
    WINDOW_SECONDS,
    LoginThrottle,
)
from modelyard.workspace.bootstrap import create_workspace
from tests.conftest import make_settings
from tests.support import RunningServer, running_server
from tests.web.conftest import PASSWORD, WebWorkspace
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
        login_page = client.get("/login")
        _assert_hardened(login_page)
        # Plain http and no https public_url: the cookie must still reach the browser.
        assert "secure" not in login_page.headers["set-cookie"].lower()
        signed_in = sign_in(client, web_ws.member_email)
        assert signed_in.status_code == 303
        home = client.get("/")
        assert home.status_code == 200
        _assert_hardened(home)


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


# Sign-in throttling: a server of its own, so that these failures from 127.0.0.1 do not count
# against the other tests' sign-ins on the shared server.


@pytest.fixture
def throttled_server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(make_settings(tmp_path, None), "sqlite") as running:
        yield running


def _owner_email(server: RunningServer) -> str:
    email = f"throttle-{secrets.token_hex(3)}@example.com"
    with server.services.session() as session:
        create_workspace(session, "Throttle test", email, PASSWORD)
    return email


def test_sixth_wrong_password_is_429_and_the_right_one_waits_too(
    throttled_server: RunningServer,
) -> None:
    email = _owner_email(throttled_server)
    with httpx.Client(base_url=throttled_server.base_url) as client:
        for _ in range(MAX_PER_EMAIL):
            assert sign_in(client, email, "wrong password").status_code == 401
        refused = sign_in(client, email, "wrong password")
        assert refused.status_code == 429
        assert 0 < int(refused.headers["retry-after"]) <= WINDOW_SECONDS
        assert "Too many failed sign-ins" in refused.text
        _assert_hardened(refused)
        right = sign_in(client, email, PASSWORD)
        assert right.status_code == 429
        assert "retry-after" in right.headers


def test_success_clears_the_email_count_but_not_the_limit(throttled_server: RunningServer) -> None:
    email = _owner_email(throttled_server)
    with httpx.Client(base_url=throttled_server.base_url) as client:
        for _ in range(MAX_PER_EMAIL - 1):
            assert sign_in(client, email, "wrong password").status_code == 401
        assert sign_in(client, email).status_code == 303
    with httpx.Client(base_url=throttled_server.base_url) as client:
        for _ in range(MAX_PER_EMAIL):
            assert sign_in(client, email, "wrong password").status_code == 401
        assert sign_in(client, email, "wrong password").status_code == 429


def test_one_address_guessing_many_accounts_meets_the_address_limit(
    throttled_server: RunningServer,
) -> None:
    email = _owner_email(throttled_server)
    with httpx.Client(base_url=throttled_server.base_url) as client:
        for number in range(MAX_PER_ADDRESS):
            response = sign_in(client, f"spray-{number}@example.com", "guess")
            assert response.status_code == 401
        refused = sign_in(client, email, PASSWORD)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 0


def test_failures_are_forgotten_once_the_window_passed() -> None:
    now = [1000.0]
    throttle = LoginThrottle(
        max_per_email=2, max_per_address=3, window_seconds=60, clock=lambda: now[0]
    )
    throttle.failed("A@example.com", "10.0.0.1")
    now[0] += 10
    throttle.failed("a@example.com", "10.0.0.2")
    assert throttle.retry_after("a@example.com", "10.0.0.3") == 50
    assert throttle.retry_after("b@example.com", "10.0.0.1") == 0
    now[0] += 50
    assert throttle.retry_after("a@example.com", "10.0.0.3") == 0
    throttle.failed("a@example.com", "10.0.0.1")
    throttle.failed("b@example.com", "10.0.0.1")
    throttle.failed("c@example.com", "10.0.0.1")
    assert throttle.retry_after("d@example.com", "10.0.0.1") > 0
    throttle.succeeded("a@example.com")
    assert throttle.retry_after("a@example.com", "10.0.0.9") == 0
