"""The upstream client over TLS: the certificate is verified against the name, trust comes
from the default store (``SSL_CERT_FILE`` here), and a connection is kept alive as over TCP."""

from __future__ import annotations

import asyncio
import ssl

import pytest

from modelyard.errors import UpstreamError
from modelyard.providers.http import UpstreamClient
from tests.providers.h1_server import OK_JSON, Server, post, run
from tests.providers.tls_certs import Pki, make_pki


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def _server_context(pki: Pki) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.cert_pem, pki.key_pem)
    return context


async def _calls(pki: Pki, host: str, count: int) -> tuple[Server, list[bytes]]:
    async with Server(lambda peer: peer.serve(OK_JSON), tls=_server_context(pki)) as server:
        client = UpstreamClient(["localhost", "127.0.0.1"])
        bodies: list[bytes] = []
        try:
            for _ in range(count):
                bodies.append((await client.send(post(server, host=host, json={}))).body)
        finally:
            await client.close()
        await asyncio.wait_for(server.settle(), 1)
    return server, bodies


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_a_trusted_certificate_for_the_name(
    pki: Pki, host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_pem))
    server, bodies = run(lambda: _calls(pki, host, 2))
    assert bodies == [b"{}", b"{}"]
    assert server.accepted == 1  # kept alive over TLS too
    assert server.peers[0].saw_eof  # closed by the client's close()


def test_an_untrusted_certificate_is_refused(pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with pytest.raises(UpstreamError, match="SSLCertVerificationError"):
        run(lambda: _calls(pki, "localhost", 1))


def test_a_certificate_for_another_name_is_refused(
    pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Trusted, but issued for localhost and 127.0.0.1, not for the address 127.0.0.2."""
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_pem))

    async def scenario() -> None:
        tls = _server_context(pki)
        async with Server(lambda peer: peer.serve(OK_JSON), tls=tls, bind="127.0.0.2") as server:
            client = UpstreamClient(["127.0.0.0/8"])
            try:
                await client.send(post(server, host="127.0.0.2", json={}))
            finally:
                await client.close()

    with pytest.raises(UpstreamError, match="SSLCertVerificationError"):
        run(scenario)
