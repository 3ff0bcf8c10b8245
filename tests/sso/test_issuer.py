"""Behind a TLS proxy (``public_url``) and with the issuer down: a provider of its own that
this module stops, and an issuer where nothing listens."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from modelyard.workspace.bootstrap import create_workspace
from tests.sso.conftest import PROVIDER_WARNINGS
from tests.sso.helpers import Browser, oidc_settings, refusal
from tests.sso.provider import Provider, query_of, running_provider
from tests.support import RunningServer, free_port, running_server

pytestmark = PROVIDER_WARNINGS
Open = Callable[..., Browser]
PUBLIC_URL = "https://modelyard.example.com"


@pytest.fixture(scope="module")
def own_provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


@pytest.fixture(scope="module")
def proxied(
    own_provider: Provider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """A Modelyard behind a TLS proxy: browsers know it as ``PUBLIC_URL``."""
    data_dir: Path = tmp_path_factory.mktemp("sso-proxied")
    settings = oidc_settings(data_dir, None, own_provider.issuer, public_url=PUBLIC_URL + "/")
    with running_server(settings, "sqlite") as running:
        with running.services.session() as db:
            create_workspace(db, "Proxied", "owner@example.com", None, web_login=False)
        yield running


def test_behind_a_tls_proxy_the_redirect_uri_is_the_public_one(
    proxied: RunningServer, browsers: Open
) -> None:
    browser = browsers(proxied)
    response = browser.http.get("/auth/oidc/login")
    assert response.status_code == 302
    assert query_of(response.headers["location"])["redirect_uri"] == (
        PUBLIC_URL + "/auth/oidc/callback"
    )
    cookie = response.headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "path=/auth/oidc" in cookie


def test_the_issuer_down_at_the_code_exchange_is_a_502_page(
    proxied: RunningServer, own_provider: Provider
) -> None:
    with proxied.client() as http:
        started = http.get("/auth/oidc/login")
        secret = started.cookies["modelyard_oidc"]  # Secure: the proxy's https would carry it
        own_provider.set_user("down", email="down@example.com")
        back = own_provider.approve(started.headers["location"], "down")
        assert back.startswith(PUBLIC_URL + "/auth/oidc/callback?")
        own_provider.stop()
        response = http.get(
            "/auth/oidc/callback",
            params=query_of(back),
            headers={"cookie": f"modelyard_oidc={secret}"},
        )
    page = refusal(response, 502, "issuer_unreachable")
    assert "could not be reached" in page and "down@example.com" not in page


def test_an_issuer_that_does_not_answer_is_a_502_page(tmp_path: Path, browsers: Open) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    settings = oidc_settings(tmp_path, None, dead)
    with running_server(settings, "sqlite") as running:
        german = browsers(running, **{"accept-language": "de"})
        page = refusal(german.http.get("/auth/oidc/login"), 502, "issuer_unreachable")
        assert "nicht erreichbar" in page and "Anmeldung neu beginnen" in page
        assert "modelyard_oidc" not in german.http.cookies
        with running.services.session() as db:
            from modelyard.storage.tables import OidcLoginRow

            assert db.query(OidcLoginRow).count() == 0
