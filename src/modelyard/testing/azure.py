"""Azure OpenAI: OpenAI's wire behind Azure's endpoints, auth and error bodies.

Only the endpoint and auth differ from OpenAI (the deployment in the path, ``api-version`` in the
query, an ``api-key`` header), plus Azure's content-filter fields on chat answers and its own
error codes. The OpenAI wire modules do the rest.
"""

from __future__ import annotations

from collections.abc import Callable

from modelyard.testing.asgi import FakeRequest, Header, Reply, json_reply
from modelyard.testing.faults import status_text
from modelyard.testing.openai_common import error as openai_error

Handler = Callable[[FakeRequest, str], Reply]

_CODES = {
    401: "401",
    403: "403",
    404: "DeploymentNotFound",
    429: "429",
    500: "InternalServerError",
    503: "ServiceUnavailable",
}
_MESSAGES = {
    401: "Access denied due to invalid subscription key or wrong API endpoint. Make sure to "
    "provide a valid key for an active subscription and use a correct regional API endpoint "
    "for your resource.",
    404: "The API deployment for this resource does not exist. If you created the deployment "
    "within the last 5 minutes, please wait a moment and try again.",
    429: "Requests to the Fake Operation under Azure OpenAI API have exceeded the token rate "
    "limit of your current pricing tier. Please retry after 1 second.",
}


def headers(request: FakeRequest) -> list[Header]:
    request_id = request.digest.encode()
    return [
        (b"apim-request-id", request_id),
        (b"x-request-id", request_id),
        (b"x-ms-region", b"Fake Region"),
        (b"x-ratelimit-remaining-requests", b"9999"),
        (b"x-ratelimit-remaining-tokens", b"9999000"),
    ]


def error(
    request: FakeRequest, status: int, message: str | None = None, param: str | None = None
) -> Reply:
    """400s keep OpenAI's shape; other statuses use Azure's ``{"error": {"code", "message"}}``."""
    if status == 400:
        reply = openai_error(request, status, message, param)
        reply.headers = headers(request)
        return reply
    body = {
        "error": {
            "code": _CODES.get(status, str(status)),
            "message": message or _MESSAGES.get(status) or status_text(status),
        }
    }
    extra: list[Header] = (
        [(b"retry-after", b"1"), (b"retry-after-ms", b"1000")] if status == 429 else []
    )
    return json_reply(status, body, headers(request) + extra)


def check(request: FakeRequest, needs_version: bool) -> Reply | None:
    """401 without an ``api-key`` (or Entra bearer token); 400 without ``api-version``."""
    bearer = request.headers.get("authorization", "").lower().startswith("bearer ")
    if not request.headers.get("api-key") and not bearer:
        return error(request, 401)
    if needs_version and not request.query.get("api-version"):
        body = {
            "error": {
                "code": "MissingApiVersionParameter",
                "message": "The api-version query parameter (?api-version=) is required for all "
                "requests.",
            }
        }
        return json_reply(400, body, headers(request))
    return None


def with_azure_headers(handler: Handler) -> Handler:
    """Run an OpenAI wire handler, answering with Azure's headers instead of OpenAI's."""

    def run(request: FakeRequest, model: str) -> Reply:
        reply = handler(request, model)
        reply.headers = headers(request)
        return reply

    return run
