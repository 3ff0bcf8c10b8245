"""SCIM errors (RFC 7644 §3.12): ``status`` as a string, ``scimType`` where the RFC defines
one, and a ``detail`` naming the attribute at fault. The domain's own errors become these."""

from __future__ import annotations

from typing import Any

from modelyard.errors import Conflict, ModelyardError, NotFound

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
MEDIA_TYPE = "application/scim+json"


class ScimError(Exception):
    """An answer in the SCIM error shape."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(self.status)}
        if self.scim_type:
            out["scimType"] = self.scim_type
        out["detail"] = self.detail
        return out


def invalid_value(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidValue")


def invalid_syntax(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidSyntax")


def invalid_path(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidPath")


def invalid_filter(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidFilter")


def not_found(kind: str, resource_id: str) -> ScimError:
    return ScimError(404, f"No {kind} with id '{resource_id}'.")


def from_domain(exc: ModelyardError) -> ScimError:
    """The SCIM form of a domain error (its message already names the field)."""
    if isinstance(exc, Conflict):
        scim_type = "uniqueness" if exc.code in (None, "name_taken", "email_taken") else None
        return ScimError(409, exc.message, scim_type)
    if isinstance(exc, NotFound):
        return ScimError(404, exc.message)
    status = exc.status if 400 <= exc.status < 500 and exc.status != 422 else 400
    if exc.status >= 500:
        status = exc.status
    return ScimError(status, exc.message, "invalidValue" if status == 400 else None)
