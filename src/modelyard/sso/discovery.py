"""The issuer's discovery document and signing keys, fetched over HTTPS and kept a while.

Every sign-in needs the endpoints and every callback the keys; fetching them each time would
make each sign-in wait on the provider twice more and fail with it. They are cached per
process for an hour (the keys are fetched again sooner when a token names a key we do not
have: the provider rotated them). A fetch that fails is not cached, so the next sign-in tries
again; every fetch has a timeout, so a provider that hangs cannot hold a worker.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from modelyard.sso.errors import SsoRefused

TIMEOUT_SECONDS = 5.0
CACHE_SECONDS = 3600.0
# Keys named by no cached key are fetched again, but at most this often (a forged token with a
# made-up key id must not make every callback call the provider).
KEYS_REFETCH_SECONDS = 30.0
# Signatures we accept: asymmetric only (never "none", nor HMAC with a guessable secret).
ASYMMETRIC_ALGS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)


@dataclass(frozen=True, slots=True)
class ProviderMetadata:
    """What the flow needs of the discovery document."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    signing_algs: tuple[str, ...]
    token_auth_method: str  # client_secret_basic or client_secret_post


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def _get_json(url: str, timeout: float) -> Any:
    """The JSON at ``url``; SsoRefused("issuer_unreachable") for any failure on the way."""
    try:
        response = httpx.get(url, timeout=timeout, headers={"accept": "application/json"})
        response.raise_for_status()
        return response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SsoRefused("issuer_unreachable", f"GET {url}: {type(exc).__name__}") from None


def _url(document: dict[str, Any], name: str) -> str:
    value = document.get(name)
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise SsoRefused("issuer_unreachable", f"discovery document without a valid {name}")
    return value


def parse_metadata(configured_issuer: str, document: Any) -> ProviderMetadata:
    """The metadata, once the document names the issuer we were configured with (OpenID
    Connect Discovery 4.3: else another issuer's tokens could be passed off as this one's)."""
    if not isinstance(document, dict):
        raise SsoRefused("issuer_unreachable", "discovery document is not a JSON object")
    issuer = document.get("issuer")
    if not isinstance(issuer, str) or issuer.rstrip("/") != configured_issuer.rstrip("/"):
        raise SsoRefused("issuer_unreachable", "discovery document names another issuer")
    offered = document.get("id_token_signing_alg_values_supported") or ["RS256"]
    algs = tuple(alg for alg in ASYMMETRIC_ALGS if alg in offered)
    if not algs:
        raise SsoRefused("issuer_unreachable", "the issuer signs ID tokens with no accepted alg")
    methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    method = "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
    return ProviderMetadata(
        issuer=issuer,
        authorization_endpoint=_url(document, "authorization_endpoint"),
        token_endpoint=_url(document, "token_endpoint"),
        jwks_uri=_url(document, "jwks_uri"),
        signing_algs=algs,
        token_auth_method=method,
    )


class Discovery:
    """The cached metadata and keys of one issuer (one per web app process)."""

    def __init__(self, issuer: str, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self.issuer = issuer
        self.timeout = timeout
        self._lock = threading.Lock()
        self._metadata: tuple[float, ProviderMetadata] | None = None
        self._keys: tuple[float, KeySet] | None = None

    def metadata(self) -> ProviderMetadata:
        with self._lock:
            if self._metadata and time.monotonic() - self._metadata[0] < CACHE_SECONDS:
                return self._metadata[1]
        found = parse_metadata(self.issuer, _get_json(discovery_url(self.issuer), self.timeout))
        with self._lock:
            self._metadata = (time.monotonic(), found)
        return found

    def keys(self, *, refresh: bool = False) -> KeySet:
        """The issuer's public keys; ``refresh``: fetch again unless fetched a moment ago."""
        with self._lock:
            cached = self._keys
        if cached:
            age = time.monotonic() - cached[0]
            if age < (KEYS_REFETCH_SECONDS if refresh else CACHE_SECONDS):
                return cached[1]
        document = _get_json(self.metadata().jwks_uri, self.timeout)
        try:
            keys = KeySet.import_key_set(document)
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise SsoRefused("issuer_unreachable", f"JWKS: {type(exc).__name__}") from None
        with self._lock:
            self._keys = (time.monotonic(), keys)
        return keys
