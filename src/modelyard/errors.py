"""The one error tree of Modelyard and its mapping to the OpenAI error body.

::

    ModelyardError                 500 api_error
    ├── InvalidInput               422 invalid_request_error  (names the field in ``param``)
    │   ├── BadRequest             400 invalid_request_error
    │   ├── PayloadTooLarge        413 invalid_request_error  (a body, file or input too big)
    │   └── RequestTimeout         408 invalid_request_error  (a body that did not arrive in time)
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
never contain secrets: they are written for the caller and may be shown as they are. What only an
operator should read (deployment ids, a provider's own words, file paths) goes into ``detail``:
``body(detailed=True)`` (admins and owners) and the logs show it, members never see it.

Anything else that escapes a handler is a bug: its 500 body (:func:`internal_error_body`) is the
same shape with the call's ``request_id`` beside it, so an operator can find the traceback in the
log; the body never carries it.
"""

from __future__ import annotations

from typing import Any


class ModelyardError(Exception):
    """Base of every error we raise on purpose."""

    status = 500
    type = "api_error"

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code
        self.detail = detail

    @property
    def admin_message(self) -> str:
        """The message with the internals behind it, for admins, owners and the logs."""
        return f"{self.message} (Detail: {self.detail})" if self.detail else self.message

    def conceal(self, message: str, detail: str | None = None) -> None:
        """Show ``message`` to members from now on; what was said so far (and ``detail``)
        stays in the detail for admins. For errors that reflect upstream words or internals."""
        old = self.admin_message
        self.detail = f"{old}; {detail}" if detail else old
        self.message = message
        self.args = (message,)

    def body(self, *, detailed: bool = False) -> dict[str, Any]:
        """The OpenAI-shaped error body; ``detailed`` adds the internals (for admins only)."""
        return {
            "error": {
                "type": self.type,
                "message": self.admin_message if detailed else self.message,
                "param": self.param,
                "code": self.code,
            }
        }


INTERNAL_MESSAGE = "The server had an error while processing your request."


def internal_error_body(request_id: str | None) -> dict[str, Any]:
    """The body of an unexpected 500: the OpenAI shape, plus the id that finds it in the log."""
    body: dict[str, Any] = ModelyardError(INTERNAL_MESSAGE).body()
    body["request_id"] = request_id
    return body


class InvalidInput(ModelyardError):
    status = 422
    type = "invalid_request_error"


class BadRequest(InvalidInput):
    status = 400


class PayloadTooLarge(InvalidInput):
    """413: the body, a file or an input is over a size bound (bytes or tokens)."""

    status = 413


class RequestTimeout(InvalidInput):
    """408: the request's body did not arrive within the server's deadline."""

    status = 408


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
    """429; ``retry_after`` seconds go out as ``Retry-After``, None when no wait helps (a
    total budget that never resets)."""

    status = 429
    type = "rate_limit_error"

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None,
        code: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message, code=code, detail=detail)
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
        detail: str | None = None,
    ) -> None:
        super().__init__(message, param=param, code=code, detail=detail)
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
    "PayloadTooLarge",
    "RateLimited",
    "RequestTimeout",
    "Unauthenticated",
    "Unavailable",
    "UpstreamError",
    "UpstreamTimeout",
    "internal_error_body",
]
