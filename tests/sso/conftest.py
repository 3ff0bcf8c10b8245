"""Fixtures: one OpenID provider and one Modelyard signing in with it (SQLite, email domains
example.com and example.org allowed), whose first workspace is the one ``init`` would make."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from modelyard.workspace.bootstrap import create_workspace
from tests.sso.helpers import Browser, oidc_settings
from tests.sso.provider import Provider, running_provider
from tests.support import RunningServer, Workspace, running_server

OWNER_EMAIL = "boss@example.com"


@pytest.fixture(scope="session")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


@pytest.fixture(scope="session")
def sso_server(
    provider: Provider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    data_dir = tmp_path_factory.mktemp("sso")
    settings = oidc_settings(
        data_dir, None, provider.issuer, oidc_allowed_domains="example.com, Example.org"
    )
    with running_server(settings, "sqlite") as running:
        yield running


@pytest.fixture(scope="session")
def sso_ws(sso_server: RunningServer) -> Workspace:
    """The server's first (oldest) workspace: single sign-on adds its members here."""
    with sso_server.services.session() as session:
        done = create_workspace(session, "Acme", OWNER_EMAIL, None, web_login=False)
    return Workspace(sso_server, done.workspace_id, done.owner_id, done.owner_api_key)


# The provider (oidc-provider-mock) calls an Authlib API that Authlib deprecates; its warning
# would be an error in the provider's thread (filterwarnings = error) and fail the sign-in.
PROVIDER_WARNINGS = pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning")


@pytest.fixture
def browsers() -> Iterator[Callable[..., Browser]]:
    """Open a fresh browser (own cookies) on a server; all closed after the test."""
    opened: list[Browser] = []

    def open_browser(server: RunningServer, **headers: str) -> Browser:
        browser = Browser.open(server, **headers)
        opened.append(browser)
        return browser

    yield open_browser
    for browser in opened:
        browser.close()
