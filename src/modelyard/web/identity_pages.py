"""Workspace Settings -> Sign-in and provisioning: what an admin enters at the identity
provider (the redirect URI, the SCIM URL), whether single sign-on is configured here (never
its secret), and the SCIM tokens: owners create one (shown once) and revoke them.

The tokens go through ``workspace.scim_tokens`` like ``/api/scim-tokens``, so its owner-only
rule holds here too (admins see the settings, not the tokens).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from modelyard.errors import ModelyardError
from modelyard.web import i18n
from modelyard.web.auth import AdminUserDep, FormDep, WebUser
from modelyard.web.oidc_pages import redirect_uri
from modelyard.web.pages import field_errors, finish, render, services_of
from modelyard.workspace import scim_tokens

router = APIRouter(include_in_schema=False)

PAGE = "/settings/sign-in"


def _page(
    request: Request,
    user: WebUser,
    *,
    issued: scim_tokens.ScimTokenIssued | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    services = services_of(request)
    settings = services.settings
    with services.session() as db:
        # SCIM tokens are the owners' (the domain's rule): admins see what to enter, not them.
        tokens = scim_tokens.list_tokens(db, user.actor) if user.actor.role == "owner" else []
    base = (settings.public_url or str(request.base_url)).rstrip("/")
    context: dict[str, Any] = {
        "t": i18n.texts(user.language),
        "sso_enabled": settings.oidc_enabled,
        "issuer": settings.oidc_issuer,
        "client_id": settings.oidc_client_id,
        "groups_claim": settings.oidc_groups_claim,
        "domains": settings.oidc_allowed_domains,
        "redirect_uri": redirect_uri(request, settings),
        "scim_url": base + "/scim/v2",
        "tokens": tokens,
        "is_owner": user.actor.role == "owner",
        "issued": issued,
        "errors": errors or {},
        "saved": request.query_params.get("saved") == "revoked",
    }
    response = render(request, "identity.html", context, status_code=status)
    if issued is not None:
        response.headers["cache-control"] = "no-store"  # the token is on this page only
    return response


@router.get(PAGE)
def identity_page(request: Request, user: AdminUserDep) -> Response:
    return _page(request, user)


@router.post(PAGE + "/tokens")
def create_token(request: Request, user: AdminUserDep, form: FormDep) -> Response:
    try:
        data = scim_tokens.ScimTokenCreate(name=str(form.get("name", "")))
        with services_of(request).session() as db:
            issued = scim_tokens.create_token(db, user.actor, data)
    except (ModelyardError, ValidationError) as exc:
        status = exc.status if isinstance(exc, ModelyardError) else 422
        return _page(request, user, errors=field_errors(exc, user.language), status=status)
    return _page(request, user, issued=issued, status=201)


@router.post(PAGE + "/tokens/{token_id}/revoke")
def revoke_token(request: Request, user: AdminUserDep, form: FormDep, token_id: str) -> Response:
    try:
        with services_of(request).session() as db:
            scim_tokens.revoke_token(db, user.actor, token_id)
    except ModelyardError as exc:
        return _page(request, user, errors=field_errors(exc, user.language), status=exc.status)
    return finish(request, RedirectResponse(f"{PAGE}?saved=revoked", status_code=303))
