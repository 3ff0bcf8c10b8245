"""The fake's thinking signatures are bound to the model that issued them, as the real APIs'.

A signature comes back unmodified to the model that issued it: accepted. The same signature
sent to another model identifier: Anthropic's and Gemini's 400, as a real provider refuses a
signature from another model (the case a tool loop meets when a turn falls back).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from modelyard.testing import FakeProvider

WEATHER = "What is the weather in Paris?"
ANTHROPIC_HEADERS = {"x-api-key": "k", "anthropic-version": "2023-06-01"}
ANTHROPIC_TOOL = {
    "name": "get_weather",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}
GEMINI_TOOL = {
    "functionDeclarations": [
        {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        }
    ]
}


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with FakeProvider() as fake, httpx.Client(base_url=fake.url) as client:
        yield client


def _anthropic(http: httpx.Client, model: str, messages: list[Any]) -> httpx.Response:
    body = {
        "model": model,
        "max_tokens": 100,
        "thinking": {"type": "enabled", "budget_tokens": 1024},
        "tools": [ANTHROPIC_TOOL],
        "messages": messages,
    }
    return http.post("/v1/messages", json=body, headers=ANTHROPIC_HEADERS)


def test_anthropic_thinking_is_accepted_only_by_the_model_that_signed_it(
    http: httpx.Client,
) -> None:
    question = {"role": "user", "content": WEATHER}
    turn = _anthropic(http, "claude-sonnet", [question]).json()
    assert [block["type"] for block in turn["content"]] == ["thinking", "tool_use"]
    result = {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": turn["content"][1]["id"], "content": "Sunny"}
        ],
    }
    loop = [question, {"role": "assistant", "content": turn["content"]}, result]
    assert _anthropic(http, "claude-sonnet", loop).status_code == 200
    foreign = _anthropic(http, "claude-haiku", loop)
    assert foreign.status_code == 400
    assert "Invalid `signature` in `thinking` block" in foreign.json()["error"]["message"]


def _gemini(http: httpx.Client, model: str, contents: list[Any]) -> httpx.Response:
    body = {
        "contents": contents,
        "tools": [GEMINI_TOOL],
        "generationConfig": {"thinkingConfig": {"thinkingBudget": 1024}},
    }
    return http.post(
        f"/v1beta/models/{model}:generateContent", json=body, headers={"x-goog-api-key": "k"}
    )


def test_gemini_thought_signature_is_accepted_only_by_the_model_that_issued_it(
    http: httpx.Client,
) -> None:
    question = {"role": "user", "parts": [{"text": WEATHER}]}
    step = _gemini(http, "gemini-3-pro", [question]).json()["candidates"][0]["content"]
    (call,) = [part for part in step["parts"] if "functionCall" in part]
    assert call["thoughtSignature"]
    answer = {"functionResponse": {"name": "get_weather", "response": {"content": "Sunny"}}}
    loop = [question, {"role": "model", "parts": [call]}, {"role": "user", "parts": [answer]}]
    assert _gemini(http, "gemini-3-pro", loop).status_code == 200
    foreign = _gemini(http, "gemini-3-flash", loop)
    assert foreign.status_code == 400
    assert "Thought signature is not valid" in foreign.json()["error"]["message"]
