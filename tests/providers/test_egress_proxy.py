"""Upstream calls through a real egress proxy (Debian's tinyproxy on loopback) to the fake
provider over HTTPS, trusting its throw-away CA only through the CA bundle: the tunnel is used
(and kept alive), NO_PROXY goes around it, the host policy still judges the final upstream,
and neither a wrong CA nor a wrong proxy password fails silently or shows the password."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from modelyard.errors import UpstreamError
from modelyard.providers.base import UpstreamRequest
from modelyard.providers.egress_proxy import EgressProxies
from modelyard.providers.h1_pool import H1Pool
from modelyard.providers.http import UpstreamClient, UpstreamRefused
from modelyard.security import parse_allowed
from modelyard.settings import Settings
from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model
from tests.providers.egress_support import (
    PASSWORD,
    TINYPROXY,
    USER,
    Tinyproxy,
    running_tinyproxy,
)
from tests.providers.tls_certs import Pki, make_pki
from tests.support import free_port, new_workspace, running_server

pytestmark = pytest.mark.skipif(
    TINYPROXY is None, reason="Debian's tinyproxy is not installed (.ci/run installs it)"
)

CHAT = {"model": "gpt-x", "messages": [{"role": "user", "content": "hello"}]}
LOCAL = ["localhost", "127.0.0.1"]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def tls_fake(pki: Pki) -> Iterator[FakeProvider]:
    with FakeProvider(host="localhost", tls=(pki.cert_pem, pki.key_pem)) as running:
        yield running


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tinyproxy]:
    with running_tinyproxy(tmp_path_factory.mktemp("tinyproxy")) as running:
        yield running


@pytest.fixture(autouse=True)
def _no_system_trust_for_the_fake(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake's CA is trusted through the bundle only (never the process's default store)."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


def _chat(base: str, *, stream: bool = False) -> UpstreamRequest:
    return UpstreamRequest(
        url=f"{base}/v1/chat/completions",
        headers={"authorization": "Bearer sk-test"},
        json={**CHAT, "stream": stream},
        stream=stream,
    )


async def _call(client: UpstreamClient, base: str, *, stream: bool = False) -> bytes:
    if not stream:
        return (await client.send(_chat(base))).body
    reply, chunks = await client.open_stream(_chat(base, stream=True))
    assert reply.status == 200 and chunks is not None
    return b"".join([chunk async for chunk in chunks])


def _run_calls(client: UpstreamClient, base: str, streams: list[bool]) -> list[bytes]:
    async def calls() -> list[bytes]:
        try:
            return [await _call(client, base, stream=s) for s in streams]
        finally:
            await client.close()

    return asyncio.run(asyncio.wait_for(calls(), 20))


def _client(
    proxy_url: str, ca: Path | None, *, allowed: list[str] = LOCAL, no_proxy: str | None = None
) -> UpstreamClient:
    proxies = EgressProxies.parse(proxy_url, proxy_url, no_proxy)
    return UpstreamClient(allowed, timeout=5, proxies=proxies, ca_bundle=ca)


def test_https_calls_go_through_one_tunnel(
    proxy: Tinyproxy, tls_fake: FakeProvider, pki: Pki
) -> None:
    before = len(proxy.tunnels())
    tls_fake.clear()
    bodies = _run_calls(_client(proxy.url, pki.ca_pem), tls_fake.url, [False, False])
    assert all(b'"chat.completion"' in body for body in bodies)
    tunnels = proxy.wait_for_tunnels(before + 1)
    assert tunnels[before:] == [f"CONNECT localhost:{tls_fake.port} HTTP/1.1"]  # kept alive
    assert len(tls_fake.requests()) == 2  # and they reached the provider, through TLS


def test_a_stream_through_the_tunnel(proxy: Tinyproxy, tls_fake: FakeProvider, pki: Pki) -> None:
    before = len(proxy.tunnels())
    (body,) = _run_calls(_client(proxy.url, pki.ca_pem), tls_fake.url, [True])
    assert body.rstrip().endswith(b"data: [DONE]")
    assert proxy.wait_for_tunnels(before + 1)[before:] == [
        f"CONNECT localhost:{tls_fake.port} HTTP/1.1"
    ]


def test_plain_http_upstreams_are_tunnelled_too(proxy: Tinyproxy, fake: FakeProvider) -> None:
    before = len(proxy.tunnels())
    (body,) = _run_calls(_client(proxy.url, None), fake.url, [False])
    assert b'"chat.completion"' in body
    assert proxy.wait_for_tunnels(before + 1)[before:] == [
        f"CONNECT 127.0.0.1:{fake.port} HTTP/1.1"
    ]


@pytest.mark.parametrize("no_proxy", ["localhost", ".localhost", "example.com, localhost:*"])
def test_no_proxy_goes_around_the_proxy(
    proxy: Tinyproxy, tls_fake: FakeProvider, pki: Pki, no_proxy: str
) -> None:
    if no_proxy.endswith(":*"):  # a port that is not the fake's: still through the proxy
        no_proxy = f"example.com, localhost:{free_port()}"
    before = len(proxy.tunnels())
    tls_fake.clear()
    client = _client(proxy.url, pki.ca_pem, no_proxy=no_proxy)
    (body,) = _run_calls(client, tls_fake.url, [False])
    assert b'"chat.completion"' in body and len(tls_fake.requests()) == 1
    expected = before + 1 if "example.com" in no_proxy else before
    assert len(proxy.wait_for_tunnels(expected)) == expected


def test_the_host_policy_judges_the_final_upstream(
    proxy: Tinyproxy, tls_fake: FakeProvider, pki: Pki
) -> None:
    """Loopback is refused for the upstream even though the proxy itself is on loopback;
    refused before the proxy is asked for anything."""
    before = len(proxy.tunnels())
    with pytest.raises(UpstreamRefused, match="'localhost' resolves to a refused address"):
        _run_calls(_client(proxy.url, pki.ca_pem, allowed=[]), tls_fake.url, [False])
    with pytest.raises(UpstreamRefused, match="does not resolve here"):
        _run_calls(_client(proxy.url, pki.ca_pem), "https://nowhere.invalid", [False])
    assert len(proxy.tunnels()) == before


def test_an_unresolvable_name_the_allow_list_names_goes_to_the_proxy(
    proxy: Tinyproxy, pki: Pki
) -> None:
    """Split DNS: only the proxy can resolve it. tinyproxy cannot either, and says so."""
    before = len(proxy.tunnels())
    client = _client(proxy.url, pki.ca_pem, allowed=["nowhere.invalid"])
    with pytest.raises(UpstreamError, match=r"refused the tunnel to nowhere\.invalid:443: 5"):
        _run_calls(client, "https://nowhere.invalid", [False])
    assert proxy.wait_for_tunnels(before + 1)[before:] == ["CONNECT nowhere.invalid:443 HTTP/1.1"]


def test_a_wrong_ca_fails_clearly(proxy: Tinyproxy, tls_fake: FakeProvider, tmp_path: Path) -> None:
    other = make_pki(tmp_path)  # trusted: another CA than the one that signed the fake's
    before = len(proxy.tunnels())
    with pytest.raises(UpstreamError) as refused:
        _run_calls(_client(proxy.url, other.ca_pem), tls_fake.url, [False])
    message = str(refused.value)
    assert "SSLCertVerificationError, its certificate is not trusted (unable to get" in message
    assert "MODELYARD_CA_BUNDLE" in message
    assert len(proxy.wait_for_tunnels(before + 1)) == before + 1  # the tunnel was open


def test_a_wrong_proxy_password_is_reported_without_it(
    proxy: Tinyproxy, tls_fake: FakeProvider, pki: Pki
) -> None:
    wrong = f"http://{USER}:not-the-{PASSWORD}@127.0.0.1:{proxy.port}"
    with pytest.raises(UpstreamError) as refused:
        _run_calls(_client(wrong, pki.ca_pem), tls_fake.url, [False])
    message = str(refused.value)
    assert message.startswith(f"The egress proxy http://127.0.0.1:{proxy.port} refused")
    assert "401 Unauthorized (check the proxy's user name and password)" in message
    assert PASSWORD not in message and USER not in message


def test_an_unreachable_proxy_is_named_without_its_password(
    tls_fake: FakeProvider, pki: Pki
) -> None:
    port = free_port()  # nothing listens there
    gone = f"http://{USER}:{PASSWORD}@127.0.0.1:{port}"
    with pytest.raises(UpstreamError) as refused:
        _run_calls(_client(gone, pki.ca_pem), tls_fake.url, [False])
    message = str(refused.value)
    assert message == (
        f"Could not reach the egress proxy http://127.0.0.1:{port}: ConnectionRefusedError."
    )


def test_a_served_gateway_calls_through_the_proxy(
    proxy: Tinyproxy, tls_fake: FakeProvider, pki: Pki, tmp_path: Path
) -> None:
    """The whole way: an OpenAI SDK client, a running Modelyard configured by its settings,
    the proxy, the provider over TLS trusted through the bundle."""
    settings = Settings(
        data_dir=tmp_path,
        allowed_upstream_hosts=LOCAL,
        upstream_timeout=5,
        https_proxy=proxy.url,
        no_proxy="example.com",
        ca_bundle=pki.ca_pem,
    )
    before = len(proxy.tunnels())
    with running_server(settings, "sqlite") as server:
        ws = new_workspace(server)
        model = add_model(ws, tls_fake, identifier="gpt-x")
        client = openai.OpenAI(base_url=f"{server.base_url}/v1", api_key=ws.owner_key)
        answer = client.chat.completions.create(model=model["slug"], messages=CHAT["messages"])
        assert answer.choices[0].message.content
        stream = client.chat.completions.create(
            model=model["slug"], messages=CHAT["messages"], stream=True
        )
        assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    tunnels = proxy.wait_for_tunnels(before + 1)[before:]
    assert tunnels and set(tunnels) == {f"CONNECT localhost:{tls_fake.port} HTTP/1.1"}


def test_a_silent_proxy_times_out_and_leaves_no_descriptor(pki: Pki) -> None:
    """A proxy that takes the connection and never answers the CONNECT: the connect timeout
    ends the call, and the socket to it is closed."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel completes the handshake; nobody ever reads
    proxies = EgressProxies.parse(f"127.0.0.1:{silent.getsockname()[1]}", None, None)

    async def scenario() -> None:
        pool = H1Pool(parse_allowed(LOCAL), connect_timeout=0.2, proxies=proxies)
        try:
            with pytest.raises(TimeoutError):
                await pool.request("POST", "https://localhost:9/v1/x", {}, b"{}", 5)
        finally:
            await pool.close()

    try:
        before = len(os.listdir("/proc/self/fd"))
        asyncio.run(asyncio.wait_for(scenario(), 10))
        assert len(os.listdir("/proc/self/fd")) == before
    finally:
        silent.close()


def test_a_served_gateway_never_shows_the_proxy_password(
    proxy: Tinyproxy,
    tls_fake: FakeProvider,
    pki: Pki,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A wrong password: the caller's error and every log record name the proxy without it."""
    wrong = f"not-{PASSWORD}"
    settings = Settings(
        data_dir=tmp_path,
        allowed_upstream_hosts=LOCAL,
        upstream_timeout=5,
        https_proxy=f"http://{USER}:{wrong}@127.0.0.1:{proxy.port}",
        ca_bundle=pki.ca_pem,
    )
    caplog.set_level("DEBUG")
    with running_server(settings, "sqlite") as server:
        ws = new_workspace(server)
        model = add_model(ws, tls_fake, identifier="gpt-x")
        with server.client(ws.owner_key) as api:
            response = api.post("/v1/chat/completions", json={**CHAT, "model": model["slug"]})
    assert response.status_code == 502
    # The owner sees the detail: which proxy refused, and why.
    assert f"egress proxy http://127.0.0.1:{proxy.port} refused the tunnel" in response.text
    assert wrong not in response.text and USER not in response.text
    assert wrong not in caplog.text and USER not in caplog.text
    assert caplog.records  # the failure was logged, without the password
