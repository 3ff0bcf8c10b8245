"""Single sign-on: /auth/oidc/login sends the browser to the issuer, the callback signs in.

The flow itself is ``modelyard.sso``; this module adds what is web: the redirect URI (from
``public_url`` behind a TLS proxy, else from the request), the cookie that binds a sign-in to
the browser that started it, the web session, and an error page for every refusal (English
or German, its own status, a fixed text: nothing a provider or token said, no secret).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from modelyard.request_ids import request_id_of
from modelyard.settings import Settings
from modelyard.sso import flow, provisioning
from modelyard.sso.discovery import Discovery
from modelyard.sso.errors import SsoRefused
from modelyard.web import i18n
from modelyard.web.auth import _load_user, _start_session, landing
from modelyard.web.pages import finish, render, services_of, use_session
from modelyard.web.session import WebSession
from modelyard.web.sso_texts import language_of

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

CALLBACK_PATH = "/auth/oidc/callback"
BINDING_COOKIE = "modelyard_oidc"
BINDING_PATH = "/auth/oidc"
# Refusals after which starting again may help (not: SSO off, or the account itself).
_RETRYABLE = frozenset(
    {
        "state_missing",
        "state_unknown",
        "state_used",
        "state_expired",
        "other_browser",
        "provider_error",
        "issuer_unreachable",
        "token_refused",
        "bad_id_token",
    }
)


def redirect_uri(request: Request, settings: Settings) -> str:
    """``<public_url>/auth/oidc/callback`` when set (behind a TLS proxy), else this request's."""
    base = settings.public_url or str(request.base_url)
    return base.rstrip("/") + CALLBACK_PATH


def _client(request: Request, settings: Settings) -> flow.Client:
    assert settings.oidc_client_id and settings.oidc_client_secret  # oidc_enabled
    return flow.Client(
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret.get_secret_value(),
        redirect_uri=redirect_uri(request, settings),
    )


def _discovery(request: Request, settings: Settings) -> Discovery:
    """This process's cache of the issuer's metadata and keys (made on first use)."""
    assert settings.oidc_issuer  # oidc_enabled
    state = request.app.state
    found: Discovery | None = getattr(state, "oidc_discovery", None)
    if found is None or found.issuer != settings.oidc_issuer:
        found = Discovery(settings.oidc_issuer)
        state.oidc_discovery = found
    return found


def _return_to(value: str) -> str:
    """A path on this site to go to after sign-in, or "" (the user's landing page)."""
    if (
        not value.startswith("/")
        or value.startswith(("//", "/\\"))
        or len(value) > 500
        or any(ord(char) < 0x20 or char == "\\" for char in value)
    ):
        return ""
    return value


def _secure(request: Request, settings: Settings) -> bool:
    return request.url.scheme == "https" or (settings.public_url or "").lower().startswith("https")


def refused_page(request: Request, refused: SsoRefused) -> Response:
    """The error page of a refusal, in the browser's language, with the refusal's status."""
    log.info("single sign-on refused: %s", refused)
    t = i18n.texts(language_of(request))
    context: dict[str, Any] = {
        "t": t,
        "code": refused.code,
        "message": t[f"sso_{refused.code}"].format(domain=refused.shown),
        "answer": refused.shown if refused.code in ("provider_error", "token_refused") else "",
        "retry": refused.code in _RETRYABLE,
    }
    return render(request, "sso_error.html", context, status_code=refused.status)


@router.get("/auth/oidc/login")
def oidc_login(request: Request, next: str = "") -> Response:
    """Start a sign-in: a row for the callback, a binding cookie, and off to the issuer."""
    services = services_of(request)
    settings = services.settings
    if not settings.oidc_enabled:
        return refused_page(request, SsoRefused("not_configured"))
    try:
        with services.session() as db:
            started = flow.start(
                db, _discovery(request, settings), _client(request, settings), _return_to(next)
            )
    except SsoRefused as refused:
        return refused_page(request, refused)
    response = RedirectResponse(started.url, status_code=302)
    response.set_cookie(
        BINDING_COOKIE,
        started.browser_secret,
        max_age=int(flow.LIFETIME.total_seconds()),
        path=BINDING_PATH,
        httponly=True,
        samesite="lax",  # sent on the provider's top-level redirect back to the callback
        secure=_secure(request, settings),
    )
    return response


def _signed_in_user(request: Request, settings: Settings, pending: flow.Pending, code: str) -> str:
    """The id of the user the provider's ``code`` signs in (SsoRefused otherwise)."""
    discovery = _discovery(request, settings)
    client = _client(request, settings)
    id_token = flow.exchange(discovery, client, code, pending.code_verifier)
    claims = flow.verify(discovery, client, id_token, pending.nonce)
    identity = provisioning.identity_from(
        claims, discovery.metadata().issuer, settings.oidc_groups_claim
    )
    with services_of(request).session() as db:
        return provisioning.sign_in(
            db, identity, settings.oidc_allowed_domains, request_id_of(request.scope)
        )


@router.get(CALLBACK_PATH)
def oidc_callback(request: Request) -> Response:
    """Finish a sign-in: claim its state (once, this browser), verify, sign in."""
    services = services_of(request)
    settings = services.settings
    if not settings.oidc_enabled:
        return refused_page(request, SsoRefused("not_configured"))
    params = request.query_params
    error = params.get("error")
    try:
        if error is not None:
            raise SsoRefused("provider_error", "error on the callback", flow.safe_code(error))
        with services.session() as db:
            pending = flow.claim(db, params.get("state") or "", request.cookies.get(BINDING_COOKIE))
        code = params.get("code")
        if not code:
            raise SsoRefused("provider_error", "callback without a code")
        user_id = _signed_in_user(request, settings, pending, code)
    except SsoRefused as refused:
        return refused_page(request, refused)
    session_id = _start_session(request, user_id)
    user = _load_user(request, user_id, session_id)
    if user is None:  # deactivated between the check and now
        return refused_page(request, SsoRefused("deactivated", "just now"))
    use_session(request, WebSession.new(user_id, session_id))
    response = RedirectResponse(pending.return_to or landing(user), status_code=303)
    response.delete_cookie(BINDING_COOKIE, path=BINDING_PATH)
    return finish(request, response)
