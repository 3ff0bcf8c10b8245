"""What deprovisioning must stop: a user's key on /v1 and their web sessions."""

from __future__ import annotations

from modelyard.workspace import web_sessions
from tests.support import Workspace, ok


def key_and_session(ws: Workspace, user_id: str) -> tuple[str, str]:
    """A fresh API key (that works on /v1/models now) and a live web session of the user."""
    with ws.owner() as owner:
        key: str = ok(owner.post(f"/api/users/{user_id}/api-keys", json={"name": "k"}), 201)["key"]
    assert v1_status(ws, key) == 200
    with ws.server.services.session() as session:
        session_id = web_sessions.start(session, user_id)
    return key, session_id


def v1_status(ws: Workspace, key: str) -> int:
    with ws.server.client(key) as gateway:
        return gateway.get("/v1/models").status_code


def session_live(ws: Workspace, user_id: str, session_id: str) -> bool:
    with ws.server.services.session() as session:
        return web_sessions.is_live(session, session_id, user_id)
