"""``/api/scim-tokens``: the owner's bearer tokens for SCIM provisioning (``/scim/v2``)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from modelyard.admin_api.deps import ActorDep, SessionDep
from modelyard.admin_api.openapi import errors
from modelyard.workspace import scim_tokens
from modelyard.workspace.scim_tokens import ScimTokenCreate, ScimTokenIssued, ScimTokenOut

router = APIRouter(prefix="/api", tags=["identity"])


@router.post("/scim-tokens", status_code=201)
def create_scim_token(
    data: ScimTokenCreate, actor: ActorDep, session: SessionDep
) -> ScimTokenIssued:
    """Issue a token (owner only); the plain token is in this answer only."""
    return scim_tokens.create_token(session, actor, data)


@router.get("/scim-tokens", responses=errors(403))
def list_scim_tokens(actor: ActorDep, session: SessionDep) -> list[ScimTokenOut]:
    return scim_tokens.list_tokens(session, actor)


@router.delete("/scim-tokens/{token_id}", status_code=204)
def revoke_scim_token(token_id: str, actor: ActorDep, session: SessionDep) -> Response:
    """Revoke at once: the next SCIM request with it is a 401, on every replica."""
    scim_tokens.revoke_token(session, actor, token_id)
    return Response(status_code=204)
