"""``Authorization: Bearer <SCIM token>``: the token names the workspace SCIM acts on.

Read from the database on every request (see :mod:`modelyard.workspace.scim_tokens`), so a
revoked token is a 401 on the very next request, on every replica.
"""

from __future__ import annotations

from collections.abc import Iterable

from modelyard.scim.errors import ScimError
from modelyard.services import Services
from modelyard.workspace import scim_tokens


def bearer(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
            return None
    return None


def workspace_for(services: Services, headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The workspace of the request's token; a 401 SCIM error without a live one."""
    token = bearer(headers)
    if token is None:
        raise ScimError(401, "Missing SCIM token: send 'Authorization: Bearer <token>'.")
    with services.session() as session:
        workspace_id = scim_tokens.workspace_of(session, token)
    if workspace_id is None:
        raise ScimError(401, "The SCIM token is not valid (unknown or revoked).")
    return workspace_id
