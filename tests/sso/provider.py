"""A real OpenID provider on loopback for the tests: ``oidc-provider-mock`` (Authlib's
authorization server, RS256 ID tokens, discovery and JWKS) in a thread.

The mock accepts any client secret and ignores PKCE, so ``ClientChecks`` in front of it
enforces both, as a real provider does: a token request must carry the configured client
secret (HTTP Basic) and a ``code_verifier`` whose S256 is the ``code_challenge`` the code was
issued for. It also keeps the authorization requests it saw, for the tests to look at.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import authlib.deprecate  # type: ignore[import-untyped]  # its filter first, then ours
import httpx
import werkzeug.serving

with warnings.catch_warnings():  # the mock imports authlib.jose, which Authlib deprecates
    warnings.simplefilter("ignore", authlib.deprecate.AuthlibDeprecationWarning)
    from oidc_provider_mock import app as provider_app

CLIENT_ID = "modelyard-test"
CLIENT_SECRET = "test-client-secret-5b1f"

StartResponse = Callable[..., Any]


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _refuse(start_response: StartResponse, status: str, error: str) -> Iterable[bytes]:
    body = json.dumps({"error": error, "error_description": "refused by the test checks"})
    start_response(status, [("content-type", "application/json")])
    return [body.encode()]


@dataclass
class ClientChecks:
    """WSGI middleware: the client secret and PKCE checks the mock does not make."""

    app: Any
    challenges: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == "/oauth2/authorize" and method == "POST":
            return self._authorize(environ, start_response)
        if path == "/oauth2/token" and method == "POST":
            refusal = self._check_token_request(environ, start_response)
            if refusal is not None:
                return refusal
        result: Iterable[bytes] = self.app(environ, start_response)
        return result

    def _authorize(self, environ: dict[str, Any], start_response: StartResponse) -> Any:
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        self.authorize_requests.append(query)

        def capture(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            for name, value in headers:
                if name.lower() == "location":
                    code = parse_qs(urlsplit(value).query).get("code")
                    if code:
                        pair = (query.get("code_challenge"), query.get("code_challenge_method"))
                        self.challenges[code[0]] = pair
            return start_response(status, headers, *args)

        return self.app(environ, capture)

    def _check_token_request(
        self, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes] | None:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        auth = environ.get("HTTP_AUTHORIZATION", "")
        if auth != f"Basic {expected}":
            return _refuse(start_response, "401 Unauthorized", "invalid_client")
        code = form.get("code", "")
        if code in self.challenges:
            challenge, method = self.challenges.pop(code)
            verifier = form.get("code_verifier")
            if method != "S256" or not challenge or not verifier or _s256(verifier) != challenge:
                return _refuse(start_response, "400 Bad Request", "invalid_grant")
        return None


@dataclass
class Provider:
    """The running provider: its issuer URL, and ways to set users and act as the person."""

    base_url: str
    checks: ClientChecks
    _server: Any
    _thread: threading.Thread

    @property
    def issuer(self) -> str:
        return self.base_url

    def set_user(self, sub: str, **claims: Any) -> None:
        """The claims the ID token of ``sub`` carries (email, name, groups...)."""
        httpx.put(f"{self.base_url}/users/{sub}", json=claims).raise_for_status()

    def approve(self, authorize_url: str, sub: str) -> str:
        """Sign in as ``sub`` on the provider's page (its form POST); the callback URL it
        sends the browser to."""
        response = httpx.post(authorize_url, data={"sub": sub})
        assert response.status_code == 302, (response.status_code, response.text[:500])
        return response.headers["location"]

    def deny(self, authorize_url: str) -> str:
        response = httpx.post(authorize_url, data={"action": "deny"})
        assert response.status_code == 302, (response.status_code, response.text[:500])
        return response.headers["location"]

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(5)
            self._server.server_close()


@contextmanager
def running_provider() -> Iterator[Provider]:
    """The provider on 127.0.0.1:<free port> (nonce required), stopped afterwards."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    checks = ClientChecks(provider_app(require_nonce=True))
    server = werkzeug.serving.make_server("127.0.0.1", 0, checks, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    provider = Provider(f"http://127.0.0.1:{server.server_port}", checks, server, thread)
    try:
        yield provider
    finally:
        provider.stop()


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
