"""Helpers of the SCIM tests: the SCIM error shape, and users made through SCIM."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def scim_ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.text)
    if status == 204:
        assert not response.content
        return None
    assert response.headers["content-type"].startswith("application/scim+json"), response.headers
    return response.json()


def scim_error(response: httpx.Response, status: int, scim_type: str | None = None) -> str:
    """The ``detail`` of a SCIM error answer with ``status`` (and ``scimType``)."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/scim+json"), response.headers
    body = response.json()
    assert body["schemas"] == [ERROR], body
    assert body["status"] == str(status), body
    assert body.get("scimType") == scim_type, body
    assert isinstance(body["detail"], str) and body["detail"], body
    detail: str = body["detail"]
    return detail


def email() -> str:
    return f"user-{secrets.token_hex(4)}@example.com"


def create_user(api: httpx.Client, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schemas": [USER],
        "userName": email(),
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "active": True,
    } | extra
    created: dict[str, Any] = scim_ok(api.post("/Users", json=body), 201)
    return created


def patch_ops(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH], "Operations": list(operations)}
