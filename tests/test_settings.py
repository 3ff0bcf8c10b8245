"""Settings read from ``MODELYARD_*`` variables as pydantic-settings read them before."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from modelyard.settings import Settings, environment_values


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.upper().startswith("MODELYARD_"):
            monkeypatch.delenv(name)


def test_defaults_without_variables() -> None:
    settings = Settings()
    assert settings.data_dir == Path("./data")
    assert settings.database_url is None and settings.secret_key is None
    assert settings.allowed_upstream_hosts == []
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 8080, 1)
    assert settings.upstream_timeout == settings.request_deadline == 120.0


def test_variables_are_read_converted_and_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELYARD_DATA_DIR", "/srv/modelyard")
    monkeypatch.setenv("MODELYARD_PORT", "9090")
    monkeypatch.setenv("modelyard_workers", "3")  # names are case-insensitive
    monkeypatch.setenv("MODELYARD_SECRET_KEY", "k1,k2")
    monkeypatch.setenv("MODELYARD_ALLOWED_UPSTREAM_HOSTS", " 127.0.0.1, 10.0.0.0/8 ,,")
    monkeypatch.setenv("MODELYARD_UPSTREAM_TIMEOUT", "2.5")
    monkeypatch.setenv("MODELYARD_SOMETHING_ELSE", "ignored")
    settings = Settings()
    assert settings.data_dir == Path("/srv/modelyard")
    assert (settings.port, settings.workers, settings.upstream_timeout) == (9090, 3, 2.5)
    assert isinstance(settings.secret_key, SecretStr)
    assert settings.secret_key.get_secret_value() == "k1,k2"
    assert settings.allowed_upstream_hosts == ["127.0.0.1", "10.0.0.0/8"]
    assert settings.resolved_database_url.endswith("/srv/modelyard/modelyard.db")


def test_given_values_win_over_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELYARD_DATA_DIR", "/from/env")
    monkeypatch.setenv("MODELYARD_DATABASE_URL", "sqlite:///env.db")
    settings = Settings(data_dir=Path("/given"), database_url=None)
    assert settings.data_dir == Path("/given") and settings.database_url is None


@pytest.mark.parametrize(
    ("name", "value"),
    [("MODELYARD_PORT", "eighty"), ("MODELYARD_WORKERS", "0"), ("MODELYARD_REQUEST_DEADLINE", "0")],
)
def test_invalid_variables_are_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()


def test_environment_values_keep_only_fields() -> None:
    assert environment_values({"MODELYARD_HOST": "0.0.0.0", "MODELYARD_X": "1", "HOME": "/"}) == {
        "host": "0.0.0.0"
    }
