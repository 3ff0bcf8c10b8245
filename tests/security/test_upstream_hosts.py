from __future__ import annotations

import re
import socket

import pytest

from modelyard.errors import InvalidInput
from modelyard.security import (
    UpstreamHostRefused,
    check_base_url,
    is_address_allowed,
    parse_allowed,
    resolve_and_check,
)

HINT = "MODELYARD_ALLOWED_UPSTREAM_HOSTS"


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("http://127.0.0.1:8000/v1", "loopback"),
        ("http://localhost/v1", "local name"),
        ("http://LocalHost./v1", "local name"),
        ("http://api.localhost/v1", "local name"),
        ("http://10.1.2.3", "private"),
        ("http://172.16.5.4", "private"),
        ("http://192.168.0.1", "private"),
        ("http://169.254.169.254/latest", "metadata"),
        ("http://100.100.100.200", "metadata"),
        ("http://[fd00:ec2::254]", "metadata"),
        ("http://169.254.1.1", "link-local"),
        ("http://[fe80::1]", "link-local"),
        ("http://[fc00::1]", "private"),
        ("http://[::1]:80", "loopback"),
        ("http://[::ffff:127.0.0.1]", "loopback"),
        ("http://[::ffff:10.0.0.1]", "private"),
        ("http://[64:ff9b::a00:1]", "private"),
        ("http://[2002:7f00:1::]", "loopback"),
        ("http://0.0.0.0", "unspecified"),
        ("http://[::]", "unspecified"),
        ("http://224.0.0.1", "multicast"),
        ("http://240.0.0.1", "reserved"),
        ("http://100.64.0.1", "CGNAT"),
        # Shorthand IPv4 forms that connect to 127.0.0.1.
        ("http://127.1", "loopback"),
        ("http://2130706433", "loopback"),
        ("http://0x7f.0.0.1", "loopback"),
    ],
)
def test_refused_addresses(url: str, rule: str) -> None:
    with pytest.raises(InvalidInput) as info:
        check_base_url(url, [])
    assert info.value.param == "base_url"
    assert rule in info.value.message
    assert HINT in info.value.message


@pytest.mark.parametrize("url", ["http://127.0.0.1/v1", "http://[::1]", "http://10.0.0.1"])
def test_literals_are_refused_without_resolving(url: str) -> None:
    with pytest.raises(UpstreamHostRefused):
        check_base_url(url, [], resolve=False)


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("ftp://x.example", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("example.com/v1", "http:// or https://"),
        ("http://", "host"),
        ("http:///v1", "host"),
        ("https://api.example.com/v1?x=1", "query"),
        ("https://api.example.com/v1#frag", "fragment"),
        ("https://api.example.com:99999/v1", "port"),
        ("https://api.example.com\\@127.0.0.1/v1", "user name"),
        ("https://127.0.0.1\\.example.com/v1", "backslash"),
        ("https://%31%32%37.0.0.1/v1", "percent"),
        ("https://api.exa\nmple.com/v1", "control"),
    ],
)
def test_malformed_urls(url: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as info:
        check_base_url(url, [], param="config.base_url")
    assert info.value.param == "config.base_url"
    assert fragment in info.value.message


def test_userinfo_is_refused_and_not_echoed() -> None:
    with pytest.raises(InvalidInput) as info:
        check_base_url("http://user:pw@example.com", [])
    assert "pw" not in info.value.message
    assert "user:" not in info.value.message
    assert info.value.param == "base_url"


@pytest.mark.parametrize("allowed", [["127.0.0.1"], ["127.0.0.0/8"], [" 127.0.0.0/8 ", ""]])
def test_allowed_address(allowed: list[str]) -> None:
    assert check_base_url("http://127.0.0.1:8000/v1/", allowed) == "http://127.0.0.1:8000/v1"
    assert check_base_url("http://[::ffff:127.0.0.1]:8000", allowed) == (
        "http://[::ffff:127.0.0.1]:8000"
    )


def test_allowed_list_does_not_open_other_addresses() -> None:
    with pytest.raises(InvalidInput):
        check_base_url("http://10.0.0.1", ["127.0.0.0/8"])
    with pytest.raises(InvalidInput):
        check_base_url("http://169.254.169.254", ["127.0.0.1", "localhost"])


def test_allowed_host_name() -> None:
    assert check_base_url("http://localhost:11434/v1", ["LOCALHOST"]) == (
        "http://localhost:11434/v1"
    )
    assert check_base_url("http://LocalHost/", ["localhost"]) == "http://LocalHost"


def test_allowed_ipv6_network() -> None:
    assert check_base_url("http://[::1]:8080", ["::1/128"]) == "http://[::1]:8080"
    assert check_base_url("http://[fd12::5]", ["[fc00::/7]"]) == "http://[fd12::5]"
    # A mapped IPv6 entry allows the IPv4 address it stands for.
    assert check_base_url("http://10.2.3.4", ["::ffff:10.0.0.0/104"]) == "http://10.2.3.4"


def test_public_ip_literal_accepted() -> None:
    assert check_base_url("https://8.8.8.8/v1", []) == "https://8.8.8.8/v1"
    assert check_base_url("https://[2001:4860:4860::8888]/v1/", []) == (
        "https://[2001:4860:4860::8888]/v1"
    )


def test_unresolvable_name_accepted_at_configuration_time() -> None:
    url = "https://api.openai-test.invalid/v1/"
    assert check_base_url(url, []) == "https://api.openai-test.invalid/v1"
    assert check_base_url(url, [], resolve=False) == "https://api.openai-test.invalid/v1"


def test_invalid_allowed_entry_is_an_error() -> None:
    with pytest.raises(ValueError, match=re.escape("10.0.0.0/33")):
        parse_allowed(["10.0.0.0/33"])
    with pytest.raises(ValueError, match="ports are not supported"):
        parse_allowed(["localhost:8000"])


def test_parse_allowed() -> None:
    spec = parse_allowed(["Ollama.Local.", "10.0.0.0/8", "::1"])
    assert spec.names == frozenset({"ollama.local"})
    assert len(spec.networks) == 2
    assert parse_allowed(["Ollama.Local.", "10.0.0.0/8", "::1"]) is spec  # cached
    assert parse_allowed(spec) is spec


def test_is_address_allowed() -> None:
    assert is_address_allowed("8.8.8.8", "dns.google", [])
    assert not is_address_allowed("127.0.0.1", "example.com", [])
    assert is_address_allowed("127.0.0.1", "example.com", ["127.0.0.1"])
    assert is_address_allowed("127.0.0.1", "Example.com", ["example.com"])
    assert not is_address_allowed("::ffff:169.254.169.254", "example.com", ["127.0.0.0/8"])
    assert is_address_allowed("::ffff:10.1.1.1", "example.com", ["10.0.0.0/8"])
    assert is_address_allowed("fe80::1%1", "example.com", ["fe80::/10"])


def test_resolve_and_check() -> None:
    resolve_and_check("8.8.8.8", [])
    resolve_and_check("127.0.0.1", ["127.0.0.1"])
    resolve_and_check("localhost", ["localhost"])
    with pytest.raises(UpstreamHostRefused):
        resolve_and_check("127.0.0.1", [])
    with pytest.raises(UpstreamHostRefused):
        resolve_and_check("[::1]", [])
    with pytest.raises(UpstreamHostRefused):
        resolve_and_check("localhost", ["127.0.0.2"])
    with pytest.raises(socket.gaierror):
        resolve_and_check("nothing-here.invalid", [])
