"""The fake's Gemini API, checked against the documented JSON shapes over raw HTTP."""

from __future__ import annotations

import base64
import math
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from modelyard.testing import FakeProvider

KEY = {"x-goog-api-key": "gemini-key"}
WEATHER: Any = {
    "functionDeclarations": [
        {
            "name": "get_weather",
            "parameters": {"type": "OBJECT", "properties": {"city": {"type": "STRING"}}},
        }
    ]
}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProvider]:
    with FakeProvider() as running:
        yield running


@pytest.fixture(scope="module")
def http(fake: FakeProvider) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.url + "/v1beta/models", headers=KEY) as client:
        yield client


def user(text: str) -> Any:
    return [{"role": "user", "parts": [{"text": text}]}]


def test_generate_content_shape_and_usage(http: httpx.Client) -> None:
    body = {
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "contents": user("hello there world"),
    }
    data = http.post("/gemini-2.5-flash:generateContent", json=body).json()
    candidate = data["candidates"][0]
    assert candidate["content"] == {"role": "model", "parts": [{"text": "Echo: hello there world"}]}
    assert candidate["finishReason"] == "STOP"
    assert candidate["index"] == 0
    usage = data["usageMetadata"]
    assert usage["promptTokenCount"] == (4 + 3) + (4 + 5)
    assert usage["candidatesTokenCount"] == 4
    assert usage["totalTokenCount"] == 20
    assert "cachedContentTokenCount" not in usage
    assert "thoughtsTokenCount" not in usage
    assert data["modelVersion"] == "gemini-2.5-flash"
    assert data["responseId"]


def test_inline_images_count_and_max_output_tokens_cut(http: httpx.Client) -> None:
    parts = [{"text": "one two three"}, {"inlineData": {"mimeType": "image/png", "data": "iVBO"}}]
    body = {
        "contents": [{"role": "user", "parts": parts}],
        "generationConfig": {"maxOutputTokens": 2, "temperature": 0.2},
    }
    data = http.post("/gemini-cache:generateContent", json=body).json()
    assert data["candidates"][0]["finishReason"] == "MAX_TOKENS"
    assert data["candidates"][0]["content"]["parts"] == [{"text": "Echo: one"}]
    usage = data["usageMetadata"]
    assert usage["promptTokenCount"] == 4 + math.ceil(13 / 4) + 85
    assert usage["cachedContentTokenCount"] == usage["promptTokenCount"] // 2


def test_stream_is_sse_with_crlf_and_usage_on_the_last_chunk(http: httpx.Client) -> None:
    response = http.post(
        "/gemini-2.5-flash:streamGenerateContent",
        params={"alt": "sse"},
        json={"contents": user("a b c")},
    )
    assert response.headers["content-type"].startswith("text/event-stream")
    blocks = [b for b in response.text.split("\r\n\r\n") if b]
    assert all(b.startswith("data: ") for b in blocks)
    chunks = [orjson.loads(b.removeprefix("data: ")) for b in blocks]
    text = "".join(p["text"] for c in chunks for p in c["candidates"][0]["content"]["parts"])
    assert text == "Echo: a b c"
    assert len(chunks) == 4
    assert all("finishReason" not in c["candidates"][0] for c in chunks[:-1])
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"
    assert chunks[0]["usageMetadata"] == {"promptTokenCount": 6, "totalTokenCount": 6}
    assert chunks[-1]["usageMetadata"]["candidatesTokenCount"] == 4


def test_stream_without_alt_sse_is_one_json_array(http: httpx.Client) -> None:
    response = http.post("/m:streamGenerateContent", json={"contents": user("a b")})
    chunks = response.json()
    assert isinstance(chunks, list)
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"


def test_function_call_and_function_response(http: httpx.Client) -> None:
    asked = http.post(
        "/m:generateContent", json={"contents": user("weather in Paris?"), "tools": [WEATHER]}
    ).json()
    assert asked["candidates"][0]["content"]["parts"] == [
        {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}
    ]
    contents = [
        *user("weather in Paris?"),
        {"role": "model", "parts": asked["candidates"][0]["content"]["parts"]},
        {
            "role": "user",
            "parts": [{"functionResponse": {"name": "get_weather", "response": {"sky": "clear"}}}],
        },
    ]
    answered = http.post(
        "/m:generateContent", json={"contents": contents, "tools": [WEATHER]}
    ).json()
    assert answered["candidates"][0]["content"]["parts"] == [{"text": 'Echo: {"sky":"clear"}'}]
    forced = http.post(
        "/m:generateContent",
        json={
            "contents": user("hi"),
            "tools": [WEATHER],
            "toolConfig": {"functionCallingConfig": {"mode": "ANY"}},
        },
    ).json()
    assert "functionCall" in forced["candidates"][0]["content"]["parts"][0]


def test_thoughts_when_included(http: httpx.Client) -> None:
    config = {"thinkingConfig": {"includeThoughts": True, "thinkingBudget": 1024}}
    data = http.post(
        "/gemini-2.5-pro:generateContent",
        json={"contents": user("why"), "generationConfig": config},
    ).json()
    parts = data["candidates"][0]["content"]["parts"]
    assert parts == [{"text": "Reasoning about: why", "thought": True}, {"text": "Echo: why"}]
    usage = data["usageMetadata"]
    assert usage["thoughtsTokenCount"] == 3
    assert usage["totalTokenCount"] == usage["promptTokenCount"] + 2 + 3
    hidden = http.post("/gemini-reason:generateContent", json={"contents": user("why")}).json()
    assert [p.get("thought") for p in hidden["candidates"][0]["content"]["parts"]] == [None]
    assert hidden["usageMetadata"]["thoughtsTokenCount"] == 3


def test_image_model_returns_an_inline_png(http: httpx.Client) -> None:
    data = http.post(
        "/gemini-2.5-flash-image:generateContent", json={"contents": user("a fox")}
    ).json()
    parts = data["candidates"][0]["content"]["parts"]
    assert parts[0] == {"text": "Echo: a fox"}
    assert parts[1]["inlineData"]["mimeType"] == "image/png"
    assert base64.b64decode(parts[1]["inlineData"]["data"]).startswith(b"\x89PNG\r\n\x1a\n")
    assert data["usageMetadata"]["candidatesTokenCount"] == 3 + 1290


def test_embed_content_and_batch(http: httpx.Client) -> None:
    one = http.post(
        "/gemini-embedding-001:embedContent",
        json={"content": {"parts": [{"text": "vec:0.6,0.8"}]}, "outputDimensionality": 4},
    ).json()
    assert one == {"embedding": {"values": [0.6, 0.8, 0.0, 0.0]}}
    batch = http.post(
        "/gemini-embedding-001:batchEmbedContents",
        json={
            "requests": [
                {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "a"}]}},
                {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "a"}]}},
            ]
        },
    ).json()
    first, second = batch["embeddings"]
    assert first == second
    assert len(first["values"]) == 8


def test_count_tokens(http: httpx.Client) -> None:
    assert http.post("/m:countTokens", json={"contents": user("abcd")}).json() == {"totalTokens": 5}


def test_auth_by_header_or_key_parameter(fake: FakeProvider) -> None:
    path = "/v1beta/models/m:generateContent"
    body = {"contents": user("hi")}
    with httpx.Client(base_url=fake.url) as client:
        by_query = client.post(path, params={"key": "k"}, json=body)
        missing = client.post(path, json=body)
    assert by_query.status_code == 200
    assert missing.status_code == 403
    assert missing.json()["error"]["status"] == "PERMISSION_DENIED"
    assert missing.json()["error"]["code"] == 403


def test_errors_use_googles_shape(http: httpx.Client) -> None:
    limited = http.post("/fail-429-gemini:generateContent", json={"contents": user("hi")})
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "1"
    error = limited.json()["error"]
    assert error["status"] == "RESOURCE_EXHAUSTED"
    assert error["details"][0]["retryDelay"] == "1s"
    missing = http.post("/m:generateContent", json={})
    assert missing.status_code == 400
    assert missing.json()["error"]["status"] == "INVALID_ARGUMENT"
    unknown = http.post("/m:unknownMethod", json={"contents": user("hi")})
    assert unknown.status_code == 404
    assert unknown.json()["error"]["status"] == "NOT_FOUND"
