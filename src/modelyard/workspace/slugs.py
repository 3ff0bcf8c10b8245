"""Slugs: the names callers put in ``model``. Models and assistants share one namespace."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelyard.errors import Conflict
from modelyard.storage.tables import AssistantRow, ModelRow


def slugify(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._:-]+", "-", text.strip()).strip("-.").lower()
    return slug[:100] or "model"


def _taken(session: Session, workspace_id: str) -> set[str]:
    models = session.scalars(select(ModelRow.slug).where(ModelRow.workspace_id == workspace_id))
    assistants = session.scalars(
        select(AssistantRow.slug).where(AssistantRow.workspace_id == workspace_id)
    )
    return set(models) | set(assistants)


def allocate(session: Session, workspace_id: str, wanted: str | None, base: str) -> str:
    """The explicit slug if free (else 409), or a free one derived from ``base``."""
    taken = _taken(session, workspace_id)
    if wanted is not None:
        if wanted in taken:
            raise Conflict(f"The slug '{wanted}' is already used in this workspace.", param="slug")
        return wanted
    candidate = slugify(base)
    n = 2
    while candidate in taken:
        candidate = f"{slugify(base)}-{n}"
        n += 1
    return candidate
