"""The wizard's state between steps, kept out of the database.

Nothing is written until the admin presses Save, so the draft travels with the pages: a Fernet
token (the app's secret box) in a hidden field. It is encrypted, so an inline key's secret never
appears in the HTML in clear, and authenticated, so a browser cannot alter it. It names the admin
and workspace it was made for; anyone else's token is refused.
"""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, ValidationError

from modelyard.security import SecretBox
from modelyard.security.secret_box import SecretDecryptError
from modelyard.workspace.actor import Actor
from modelyard.workspace.schemas import Kind

# A draft older than this is refused: long enough for an unhurried admin, short for a leaked page.
MAX_AGE_SECONDS = 12 * 60 * 60


class Draft(BaseModel):
    """What the admin chose and typed so far; form values as typed (the services judge them)."""

    user_id: str
    workspace_id: str
    issued_at: float
    kind: Kind
    catalog_id: str | None = None
    model_form: dict[str, str] = {}
    deployment_form: dict[str, str] = {}
    fallbacks: list[str] = []
    test: dict[str, Any] | None = None

    @classmethod
    def start(cls, actor: Actor, kind: Kind, catalog_id: str | None) -> Draft:
        return cls(
            user_id=actor.user_id,
            workspace_id=actor.workspace_id,
            issued_at=time.time(),
            kind=kind,
            catalog_id=catalog_id,
        )

    @property
    def manual(self) -> bool:
        return self.catalog_id is None

    def seal(self, box: SecretBox) -> str:
        return box.encrypt(self.model_dump_json()).decode("ascii")


class DraftRefused(Exception):
    """The draft token is missing, forged, too old, or another admin's."""


def open_draft(box: SecretBox, token: object, actor: Actor) -> Draft:
    """The draft in ``token``, made for ``actor``; DraftRefused otherwise."""
    if not isinstance(token, str) or not token:
        raise DraftRefused
    try:
        draft = Draft.model_validate_json(box.decrypt(token.encode("ascii")))
    except (SecretDecryptError, UnicodeEncodeError, ValidationError):
        raise DraftRefused from None
    if (draft.user_id, draft.workspace_id) != (actor.user_id, actor.workspace_id):
        raise DraftRefused
    if not 0 <= time.time() - draft.issued_at <= MAX_AGE_SECONDS:
        raise DraftRefused
    return draft
