"""The error bodies of OpenAI and the servers that speak its wire (Azure, Mistral, vLLM, ...)."""

from __future__ import annotations

import pytest

from modelyard.providers.openai_chat import WIRE


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (  # OpenAI
            b'{"error": {"message": "Incorrect API key provided: sk-abc...wxyz.", '
            b'"type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}',
            "Incorrect API key provided: sk-abc...wxyz.",
        ),
        (  # Azure
            b'{"error": {"code": "DeploymentNotFound", "message": "The API deployment for this '
            b'resource does not exist."}}',
            "The API deployment for this resource does not exist.",
        ),
        (  # Mistral, pydantic validation detail inside the message
            b'{"object":"error","message":{"detail":[{"type":"extra_forbidden",'
            b'"loc":["body","stream_options"],"msg":"Extra inputs are not permitted",'
            b'"input":true}]},"type":"invalid_request_error","param":null,"code":null}',
            "body.stream_options: Extra inputs are not permitted",
        ),
        (  # vLLM
            b'{"object": "error", "message": "The model `x` does not exist.", '
            b'"type": "NotFoundError", "param": null, "code": 404}',
            "The model `x` does not exist.",
        ),
        (b'{"detail": "Not Found"}', "Not Found"),  # FastAPI servers
        (b'{"error": "rate limited"}', "rate limited"),
        (b'{"error": {"type": "server_error"}}', None),
        (b"<html>Bad gateway</html>", None),
        (b"[]", None),
        (b"", None),
    ],
)
def test_error_message(body: bytes, message: str | None) -> None:
    assert WIRE.error_message(body) == message
