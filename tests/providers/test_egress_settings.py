"""Which proxy a call takes, from the standard variables: their case, MODELYARD_ ones winning,
NO_PROXY's forms, and a malformed proxy URL refused without repeating its password."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from modelyard.providers.egress_proxy import EgressProxies, NoProxy
from modelyard.settings import Settings

PROXY_VARIABLES = [
    "https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY",
    "MODELYARD_HTTPS_PROXY", "MODELYARD_HTTP_PROXY", "MODELYARD_NO_PROXY", "MODELYARD_CA_BUNDLE",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_no_proxy_variables_means_direct() -> None:
    proxies = Settings().egress_proxies
    assert not proxies.configured
    assert proxies.for_upstream(True, "api.openai.com", 443) is None


@pytest.mark.parametrize("name", ["https_proxy", "HTTPS_PROXY"])
def test_the_standard_variable_in_either_case(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, "http://bob:pw@proxy.corp:3128")
    monkeypatch.setenv("NO_PROXY", ".internal.corp,10.0.0.0/8")
    settings = Settings()
    assert "pw" not in repr(settings)  # a secret, as the other credentials are
    proxies = settings.egress_proxies
    chosen = proxies.for_upstream(True, "api.openai.com", 443)
    assert chosen is not None and chosen.shown == "http://proxy.corp:3128"
    assert chosen.authorization == "Basic Ym9iOnB3"  # bob:pw
    assert "pw" not in repr(chosen)
    assert proxies.for_upstream(False, "api.openai.com", 80) is None  # no HTTP_PROXY
    assert proxies.for_upstream(True, "llm.internal.corp", 443) is None
    assert proxies.for_upstream(True, "10.1.2.3", 443) is None


def test_lower_case_first_and_modelyard_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("http_proxy", "lower:1")
    monkeypatch.setenv("HTTP_PROXY", "upper:2")
    assert Settings().egress_proxies.http.shown == "http://lower:1"  # type: ignore[union-attr]
    monkeypatch.setenv("MODELYARD_HTTP_PROXY", "ours:3")
    assert Settings().egress_proxies.http.shown == "http://ours:3"  # type: ignore[union-attr]
    assert Settings(http_proxy="given:4").egress_proxies.http.shown == "http://given:4"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        ("socks5://bob:hunter2@proxy:1080", "only http:// proxies are supported"),
        ("https://bob:hunter2@proxy:3128", "only http:// proxies are supported"),
        ("http://bob:hunter2@proxy:99999", "invalid port"),
    ],
)
def test_a_malformed_proxy_url_names_the_variable_not_the_password(
    monkeypatch: pytest.MonkeyPatch, raw: str, said: str
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", raw)
    with pytest.raises(ValueError, match=f"^HTTPS_PROXY: .*{said}") as refused:
        Settings().egress_proxies  # noqa: B018 - built when the server starts
    assert "hunter2" not in str(refused.value)


@pytest.mark.parametrize(
    ("entries", "host", "port", "bypassed"),
    [
        ("*", "anything.example", 443, True),
        ("example.com", "example.com", 443, True),
        ("example.com", "api.example.com", 443, True),
        ("example.com", "badexample.com", 443, False),
        ("*.example.com", "api.example.com", 443, True),
        ("example.com:8443", "example.com", 443, False),
        ("example.com:8443", "example.com", 8443, True),
        ("192.168.0.0/16", "192.168.4.5", 443, True),
        ("192.168.0.0/16", "192.169.0.1", 443, False),
        ("::1", "[::1]", 443, True),
        ("[::1]:8080", "::1", 8080, True),
        ("localhost", "LOCALHOST.", 443, True),
        ("", "example.com", 443, False),
    ],
)
def test_no_proxy_forms(entries: str, host: str, port: int, bypassed: bool) -> None:
    assert NoProxy.parse(entries).bypasses(host, port) is bypassed
    proxies = EgressProxies.parse("proxy:1", None, entries)
    assert (proxies.for_upstream(True, host, port) is None) is bypassed


def test_the_ca_bundle_must_be_a_pem_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    for path in (tmp_path / "missing.pem", junk):
        with pytest.raises(ValidationError, match=r"ca_bundle\n.*is not a readable PEM file"):
            Settings(ca_bundle=path)
