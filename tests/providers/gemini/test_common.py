"""Google's error body, read alike by the chat, embedding and image wires."""

from __future__ import annotations

import orjson

from modelyard.providers.gemini import CHAT_WIRE, EMBEDDING_WIRE, IMAGE_WIRE


def test_error_message() -> None:
    error = {"error": {"code": 429, "message": "Quota exceeded.", "status": "RESOURCE_EXHAUSTED"}}
    assert CHAT_WIRE.error_message(orjson.dumps(error)) == "Quota exceeded."
    assert CHAT_WIRE.error_message(orjson.dumps([error])) == "Quota exceeded."
    assert EMBEDDING_WIRE.error_message(orjson.dumps(error)) == "Quota exceeded."
    assert IMAGE_WIRE.error_message(orjson.dumps(error)) == "Quota exceeded."
    for body in (b"<html>", b"{}", b'{"error": "x"}', b'{"error": {"message": 3}}', b"[]"):
        assert CHAT_WIRE.error_message(body) is None
