"""The wizard's state between steps, kept server-side (``wizard_drafts``).

Every step is a page of its own (``/settings/models/new/<draft id>/<step>``): a form posts, the
server keeps what was typed and redirects to the next step's page, so reload, Back, Forward, a
pasted URL and a restored tab all show the step with the draft, and F5 never posts again (nor
re-runs the paid live test). The draft is encrypted with the app's secret box (it may hold an
inline key's secret) and belongs to the admin and workspace it was made for: anyone else's id is
as unknown as a made-up one. Once saved it remembers the model it became, so Back + Save shows
that model instead of making a second one.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from modelyard.security import SecretBox
from modelyard.security.secret_box import SecretDecryptError
from modelyard.storage.tables import WizardDraftRow
from modelyard.storage.types import utcnow
from modelyard.workspace.actor import Actor
from modelyard.workspace.schemas import Kind

# A draft older than this is gone: long enough for an unhurried admin, short for a leaked secret.
MAX_AGE = timedelta(hours=12)


class Draft(BaseModel):
    """What the admin chose and typed so far; form values as typed (the services judge them)."""

    kind: Kind
    catalog_id: str | None = None
    model_form: dict[str, str] = {}
    deployment_form: dict[str, str] = {}
    fallbacks: list[str] = []
    test: dict[str, Any] | None = None
    confirm_duplicate: bool = False
    confirm_duplicate_key: bool = False
    # The furthest step reached, so a pasted URL of a later step goes where the draft is.
    reached: int = 2

    @property
    def manual(self) -> bool:
        return self.catalog_id is None


class DraftRefused(Exception):
    """No such draft for this admin (never made, another admin's, or expired)."""


class Stored:
    """A draft as loaded: its id, its content, and the model it became once saved."""

    def __init__(self, row: WizardDraftRow, draft: Draft) -> None:
        self.id, self.draft, self.saved_model_id = row.id, draft, row.saved_model_id


def start(session: Session, box: SecretBox, actor: Actor, draft: Draft) -> str:
    """Keep a new draft; returns its id. Drafts past their age are cleared on the way."""
    session.execute(delete(WizardDraftRow).where(WizardDraftRow.created_at < utcnow() - MAX_AGE))
    row = WizardDraftRow(
        id="drf_" + secrets.token_urlsafe(16),
        workspace_id=actor.workspace_id,
        user_id=actor.user_id,
        data=_seal(box, draft),
    )
    session.add(row)
    session.commit()
    return row.id


def _seal(box: SecretBox, draft: Draft) -> str:
    return box.encrypt(draft.model_dump_json()).decode("ascii")


def load(session: Session, box: SecretBox, actor: Actor, draft_id: str) -> Stored:
    """The draft ``draft_id`` of ``actor``; DraftRefused otherwise."""
    row = session.get(WizardDraftRow, draft_id)
    if row is None or (row.user_id, row.workspace_id) != (actor.user_id, actor.workspace_id):
        raise DraftRefused
    if row.created_at < utcnow() - MAX_AGE:
        raise DraftRefused
    try:
        draft = Draft.model_validate_json(box.decrypt(row.data.encode("ascii")))
    except (SecretDecryptError, UnicodeEncodeError, ValidationError):
        raise DraftRefused from None
    return Stored(row, draft)


def store(session: Session, box: SecretBox, draft_id: str, draft: Draft) -> None:
    """Write ``draft`` back (committed), unless the draft was saved as a model meanwhile."""
    session.execute(
        update(WizardDraftRow)
        .where(WizardDraftRow.id == draft_id, WizardDraftRow.saved_model_id.is_(None))
        .values(data=_seal(box, draft), updated_at=utcnow())
    )
    session.commit()


def claim(session: Session, draft_id: str, model_id: str) -> bool:
    """Mark the draft as saved as ``model_id`` in the caller's transaction; False when it was
    saved already (by an earlier Save, or a concurrent one: the row's update serializes them)."""
    done = session.execute(
        update(WizardDraftRow)
        .where(WizardDraftRow.id == draft_id, WizardDraftRow.saved_model_id.is_(None))
        .values(saved_model_id=model_id, updated_at=utcnow())
    )
    return bool(getattr(done, "rowcount", 0))
