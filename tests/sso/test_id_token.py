"""ID token verification with real signatures (joserfc keys made here): what a provider, or
someone posing as one, could send that must not sign anybody in."""

from __future__ import annotations

import time
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from modelyard.sso import flow
from modelyard.sso.discovery import Discovery, ProviderMetadata, parse_metadata
from modelyard.sso.errors import SsoRefused

ISSUER = "https://idp.example.com"
CLIENT = flow.Client("client-1", "not-used-here", "https://yard.example.com/auth/oidc/callback")
NONCE = "nonce-123"


class FixedDiscovery(Discovery):
    """The issuer's metadata and keys as given (what the HTTP fetch would have returned)."""

    def __init__(self, keys: KeySet, refreshed: KeySet | None = None) -> None:
        super().__init__(ISSUER)
        self._given, self._refreshed = keys, refreshed
        self.refreshes = 0

    def metadata(self) -> ProviderMetadata:
        return ProviderMetadata(ISSUER, ISSUER + "/a", ISSUER + "/t", ISSUER + "/k", ("RS256",), "")

    def keys(self, *, refresh: bool = False) -> KeySet:
        if refresh:
            self.refreshes += 1
            return self._refreshed or self._given
        return self._given


def _key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid})


def _public(*keys: RSAKey) -> KeySet:
    return KeySet.import_key_set({"keys": [key.as_dict(private=False) for key in keys]})


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": CLIENT.client_id, "sub": "u1", "iat": now, "exp": now + 300}
    return {**claims, "nonce": NONCE, **changes}


def _token(key: RSAKey | OctKey, alg: str = "RS256", **changes: Any) -> str:
    claims = {name: value for name, value in _claims(**changes).items() if value is not None}
    return jwt.encode({"alg": alg, "kid": key.kid}, claims, key, algorithms=[alg])


SIGNING = _key("k1")


def test_a_good_token_gives_its_claims() -> None:
    claims = flow.verify(FixedDiscovery(_public(SIGNING)), CLIENT, _token(SIGNING), NONCE)
    assert claims["sub"] == "u1"


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "https://evil.example.com"},
        {"aud": "another-client"},
        {"aud": ["another-client", CLIENT.client_id]},  # several audiences, no azp
        {"exp": int(time.time()) - 3600},
        {"iat": int(time.time()) + 3600},
        {"nonce": "replayed-nonce"},
        {"nonce": None},
        {"sub": None},
    ],
)
def test_claims_that_do_not_hold_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(SsoRefused) as refused:
        flow.verify(FixedDiscovery(_public(SIGNING)), CLIENT, _token(SIGNING, **changes), NONCE)
    assert refused.value.code == "bad_id_token"


def test_several_audiences_with_this_client_as_azp_are_fine() -> None:
    token = _token(SIGNING, aud=["api", CLIENT.client_id], azp=CLIENT.client_id)
    assert flow.verify(FixedDiscovery(_public(SIGNING)), CLIENT, token, NONCE)["azp"]


def test_another_key_an_hmac_or_no_signature_is_refused() -> None:
    discovery = FixedDiscovery(_public(SIGNING))
    forged = _token(_key("k1"))  # same key id, another key
    hmac = _token(OctKey.generate_key(256, parameters={"kid": "k1"}), alg="HS256")
    header, payload, _ = _token(SIGNING).split(".")
    unsigned = "eyJhbGciOiJub25lIn0." + payload + "."
    for token in (forged, hmac, unsigned, header + "." + payload + ".AAAA", "not-a-jwt"):
        with pytest.raises(SsoRefused) as refused:
            flow.verify(discovery, CLIENT, token, NONCE)
        assert refused.value.code == "bad_id_token"


def test_a_key_the_issuer_rotated_in_is_fetched_again() -> None:
    new = _key("k2")
    discovery = FixedDiscovery(_public(SIGNING), refreshed=_public(SIGNING, new))
    assert flow.verify(discovery, CLIENT, _token(new), NONCE)["sub"] == "u1"
    assert discovery.refreshes == 1


def test_a_discovery_document_of_another_issuer_is_refused() -> None:
    document = {
        "issuer": "https://other.example.com",
        "authorization_endpoint": ISSUER + "/a",
        "token_endpoint": ISSUER + "/t",
        "jwks_uri": ISSUER + "/k",
    }
    with pytest.raises(SsoRefused) as refused:
        parse_metadata(ISSUER, document)
    assert refused.value.code == "issuer_unreachable"
    assert parse_metadata(ISSUER + "/", document | {"issuer": ISSUER}).issuer == ISSUER
    with pytest.raises(SsoRefused):
        parse_metadata(ISSUER, document | {"issuer": ISSUER, "jwks_uri": "file:///etc/passwd"})
    only_hmac = document | {"issuer": ISSUER, "id_token_signing_alg_values_supported": ["HS256"]}
    with pytest.raises(SsoRefused):
        parse_metadata(ISSUER, only_hmac)
