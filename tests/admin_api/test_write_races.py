"""Two admins writing the same thing at once: the second gets the 409 the services' own check
gives, naming the field, never a 500 (the database's constraint decides the race)."""

from __future__ import annotations

import pytest

from modelyard.workspace import slugs
from tests.admin_api.test_models import MANUAL_COMPLETION
from tests.support import Workspace, error_of, ok


def test_a_slug_taken_between_the_check_and_the_write_is_a_409(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ws.owner() as api:
        ok(api.post("/api/models", json={**MANUAL_COMPLETION, "slug": "raced"}), 201)
        # The other admin's insert lands after this request checked: its check sees nothing.
        monkeypatch.setattr(slugs, "_taken", lambda session, workspace_id: set())
        error = error_of(api.post("/api/models", json={**MANUAL_COMPLETION, "slug": "raced"}), 409)
        monkeypatch.undo()
        assert error["param"] == "slug"
        assert "slug" in error["message"]
        models = ok(api.get("/api/models"))
        rows = models["data"] if isinstance(models, dict) else models
        assert [m["slug"] for m in rows].count("raced") == 1
