"""The one error tree of Modelyard and its mapping to the OpenAI error body.

::

    ModelyardError                 500 api_error
    ├── InvalidInput               422 invalid_request_error  (names the field in ``param``)
    │   └── BadRequest             400 invalid_request_error
    ├── Unauthenticated            401 authentication_error
    ├── Forbidden                  403 permission_error
    ├── NotFound                   404 not_found_error
    ├── Conflict                   409 conflict_error
    ├── RateLimited                429 rate_limit_error       (carries ``retry_after`` seconds)
    ├── Unavailable                503 service_unavailable    (maintenance, no deployment)
    ├── UpstreamError              502 upstream_error
    │   └── UpstreamTimeout        504 upstream_timeout
    └── CallerLeft                 499 caller_left  (never sent: recorded when a caller leaves
                                                     in the middle of a streamed answer)

Domain code raises these; each entry point (admin API, gateway, web UI, CLI) renders them. Messages
never contain secrets: they are written for the caller and may be shown as they are.
"""

from __future__ import annotations

from typing import Any


class ModelyardError(Exception):
    """Base of every error we raise on purpose."""

    status = 500
    type = "api_error"

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code

    def body(self) -> dict[str, Any]:
        """The OpenAI-shaped error body."""
        return {
            "error": {
                "type": self.type,
                "message": self.message,
                "param": self.param,
                "code": self.code,
            }
        }


class InvalidInput(ModelyardError):
    status = 422
    type = "invalid_request_error"


class BadRequest(InvalidInput):
    status = 400


class Unauthenticated(ModelyardError):
    status = 401
    type = "authentication_error"


class Forbidden(ModelyardError):
    status = 403
    type = "permission_error"


class NotFound(ModelyardError):
    status = 404
    type = "not_found_error"


class Conflict(ModelyardError):
    status = 409
    type = "conflict_error"


class RateLimited(ModelyardError):
    status = 429
    type = "rate_limit_error"

    def __init__(self, message: str, *, retry_after: float, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class Unavailable(ModelyardError):
    """503; ``retry_after`` (seconds), when known, is sent as the ``Retry-After`` header."""

    status = 503
    type = "service_unavailable"

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message, param=param, code=code)
        self.retry_after = retry_after


class UpstreamError(ModelyardError):
    status = 502
    type = "upstream_error"


class UpstreamTimeout(UpstreamError):
    status = 504
    type = "upstream_timeout"


class CallerLeft(ModelyardError):
    status = 499
    type = "caller_left"


__all__ = [
    "BadRequest",
    "CallerLeft",
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "ModelyardError",
    "NotFound",
    "RateLimited",
    "Unauthenticated",
    "Unavailable",
    "UpstreamError",
    "UpstreamTimeout",
]
