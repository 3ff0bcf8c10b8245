"""The authorization code flow with PKCE: start a sign-in, then finish it at the callback.

Starting writes an ``oidc_logins`` row (state, nonce, PKCE verifier, where to go after) to the
shared database, so the callback may reach any replica, and the row is marked used by the
first callback that claims it (a conditional UPDATE), so a state is good once.

The sign-in is also bound to the browser that started it: the state is the SHA-256 of a random
secret kept in a short-lived cookie of that browser. A callback URL opened in another browser
(a victim sent an attacker's link, or an attacker who saw the victim's) has no such cookie and
is refused; knowing the state from the URL does not give the secret.

The ID token is verified with joserfc against the issuer's keys: signature (asymmetric
algorithms the issuer announces), ``iss``, ``aud`` (and ``azp`` with several audiences),
``exp``, ``iat`` and our ``nonce``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from authlib.oauth2.auth import ClientAuth  # type: ignore[import-untyped]
from authlib.oauth2.rfc6749.parameters import (  # type: ignore[import-untyped]
    prepare_grant_uri,
    prepare_token_request,
)
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]
from joserfc import jwt
from joserfc.errors import JoseError
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from modelyard.sso.discovery import Discovery
from modelyard.sso.errors import SsoRefused
from modelyard.storage.tables import OidcLoginRow
from modelyard.storage.types import utcnow

LIFETIME = timedelta(minutes=10)
SCOPE = "openid email profile"
LEEWAY_SECONDS = 60  # clock skew between us and the issuer
# Error codes of OAuth are [\x20-\x21\x23-\x5B\x5D-\x7E]+; the page names only plain ones.
_SAFE_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True, slots=True)
class Client:
    """This Modelyard as the issuer's client."""

    client_id: str
    client_secret: str
    redirect_uri: str


@dataclass(frozen=True, slots=True)
class Started:
    """Where to send the browser, and the secret its binding cookie keeps."""

    url: str
    browser_secret: str


@dataclass(frozen=True, slots=True)
class Pending:
    """A claimed sign-in: what the callback checks the provider's answer against."""

    nonce: str
    code_verifier: str
    return_to: str


def safe_code(value: str | None) -> str:
    """``value`` when it is a plain OAuth error code, else "" (the page shows nothing)."""
    return value if value and _SAFE_CODE.match(value) else ""


def state_of(browser_secret: str) -> str:
    """The state a browser secret stands for (SHA-256, base64url without padding)."""
    digest = hashlib.sha256(browser_secret.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def start(db: Session, discovery: Discovery, client: Client, return_to: str) -> Started:
    """A new sign-in: its row, and the issuer's authorization URL (code flow, PKCE S256)."""
    metadata = discovery.metadata()
    browser_secret = secrets.token_urlsafe(32)
    state = state_of(browser_secret)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)  # 86 characters: RFC 7636 wants 43 to 128
    url = prepare_grant_uri(
        metadata.authorization_endpoint,
        client.client_id,
        "code",
        redirect_uri=client.redirect_uri,
        scope=SCOPE,
        state=state,
        nonce=nonce,
        code_challenge=create_s256_code_challenge(verifier),
        code_challenge_method="S256",
    )
    now = utcnow()
    # Sign-ins never finished (the browser closed at the provider) go after a day.
    db.execute(delete(OidcLoginRow).where(OidcLoginRow.expires_at < now - timedelta(days=1)))
    db.add(
        OidcLoginRow(
            state=state,
            nonce=nonce,
            code_verifier=verifier,
            return_to=return_to,
            created_at=now,
            expires_at=now + LIFETIME,
        )
    )
    db.commit()
    return Started(str(url), browser_secret)


def claim(db: Session, state: str, browser_secret: str | None) -> Pending:
    """The sign-in ``state`` names, marked used; refused when unknown, used, expired or
    started in another browser (that refusal leaves it unused, for the browser it belongs to)."""
    if not state:
        raise SsoRefused("state_missing")
    row = db.get(OidcLoginRow, state[:128])
    now = utcnow()
    if row is None:
        raise SsoRefused("state_unknown")
    if row.used_at is not None:
        raise SsoRefused("state_used")
    if row.expires_at <= now:
        raise SsoRefused("state_expired")
    expected = state_of(browser_secret).encode() if browser_secret else b""
    if not browser_secret or not hmac.compare_digest(expected, state.encode()):
        raise SsoRefused("other_browser")
    pending = Pending(row.nonce, row.code_verifier, row.return_to)
    result = db.execute(
        update(OidcLoginRow)
        .where(OidcLoginRow.state == state, OidcLoginRow.used_at.is_(None))
        .values(used_at=now)
    )
    db.commit()
    if int(getattr(result, "rowcount", 0) or 0) != 1:
        raise SsoRefused("state_used")  # another callback claimed it a moment ago
    return pending


def exchange(discovery: Discovery, client: Client, code: str, verifier: str) -> str:
    """The ID token the issuer gives for ``code`` (with our secret and the PKCE verifier)."""
    metadata = discovery.metadata()
    body = prepare_token_request(
        "authorization_code", code=code, redirect_uri=client.redirect_uri, code_verifier=verifier
    )
    headers = {"content-type": "application/x-www-form-urlencoded", "accept": "application/json"}
    auth = ClientAuth(client.client_id, client.client_secret, metadata.token_auth_method)
    url, headers, body = auth.prepare("POST", metadata.token_endpoint, headers, body)
    try:
        response = httpx.post(str(url), content=body, headers=headers, timeout=discovery.timeout)
    except httpx.HTTPError as exc:
        raise SsoRefused("issuer_unreachable", f"token endpoint: {type(exc).__name__}") from None
    if response.status_code >= 500:
        raise SsoRefused("issuer_unreachable", f"token endpoint: HTTP {response.status_code}")
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise SsoRefused("token_refused", f"token endpoint: HTTP {response.status_code}")
    if response.status_code != 200 or "error" in answer:
        error = safe_code(str(answer.get("error") or ""))
        raise SsoRefused("token_refused", f"token endpoint: {error or response.status_code}", error)
    id_token = answer.get("id_token")
    if not isinstance(id_token, str) or not id_token:
        raise SsoRefused("token_refused", "token endpoint answered without an id_token")
    return id_token


def _decode(discovery: Discovery, id_token: str) -> Any:
    algs = list(discovery.metadata().signing_algs)
    try:
        return jwt.decode(id_token, discovery.keys(), algorithms=algs)
    except (JoseError, ValueError, KeyError, TypeError):
        pass  # perhaps signed with a key the issuer added since we fetched its keys
    try:
        return jwt.decode(id_token, discovery.keys(refresh=True), algorithms=algs)
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise SsoRefused("bad_id_token", f"signature: {type(exc).__name__}") from None


def verify(discovery: Discovery, client: Client, id_token: str, nonce: str) -> dict[str, Any]:
    """The ID token's claims once its signature, issuer, audience, times and nonce hold."""
    token = _decode(discovery, id_token)
    claims: dict[str, Any] = dict(token.claims)
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": discovery.metadata().issuer},
        aud={"essential": True, "value": client.client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except (JoseError, ValueError, TypeError) as exc:
        raise SsoRefused("bad_id_token", f"claims: {type(exc).__name__}") from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client.client_id:
        raise SsoRefused("bad_id_token", "several audiences and azp is not this client")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise SsoRefused("bad_id_token", "no subject")
    return claims
