"""Two replicas on one PostgreSQL database: a sign-in started on one finishes on the other,
and its state is then spent on both."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from modelyard.workspace.bootstrap import create_workspace
from tests.sso.conftest import PROVIDER_WARNINGS
from tests.sso.helpers import Browser, oidc_settings, refusal, users_named
from tests.sso.provider import Provider
from tests.support import RunningServer, Workspace, ok, postgres_database, running_server

pytestmark = PROVIDER_WARNINGS
Open = Callable[..., Browser]


@pytest.fixture(scope="module")
def replicas(
    provider: Provider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningServer, RunningServer, Workspace]]:
    data_dir: Path = tmp_path_factory.mktemp("sso-replicas")  # one secret key for both
    with postgres_database() as url:
        # Behind one load balancer: one address for both (the redirect URI must not change).
        settings = oidc_settings(data_dir, url, provider.issuer, public_url="http://yard.test")
        with (
            running_server(settings, "postgresql") as first,
            running_server(settings, "postgresql") as second,
        ):
            with first.services.session() as db:
                done = create_workspace(db, "Replicas", "ops@example.com", None, web_login=False)
            ws = Workspace(first, done.workspace_id, done.owner_id, done.owner_api_key)
            yield first, second, ws


def test_a_sign_in_started_on_one_replica_finishes_on_another(
    replicas: tuple[RunningServer, RunningServer, Workspace], provider: Provider, browsers: Open
) -> None:
    first, second, ws = replicas
    with ws.owner() as api:
        group = ok(api.post("/api/groups", json={"name": "Replicated"}), 201)
    provider.set_user("replica-user", email="replica@example.net", groups=["Replicated"])
    on_first = browsers(first)
    url = on_first.start()
    back = provider.approve(url, "replica-user")
    on_second = browsers(second)  # the load balancer sends the callback elsewhere
    on_second.http.cookies.set("modelyard_oidc", on_first.http.cookies["modelyard_oidc"])
    done = on_second.callback(back)
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert "replica@example.net" in on_second.me().text
    with ws.owner() as api:
        [user] = users_named(api, "replica@example.net")
        assert user["group_ids"] == [group["id"]]
    refusal(on_first.callback(back), 400, "state_used")  # spent on every replica
