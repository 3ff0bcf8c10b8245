"""The fake's Azure OpenAI routes, driven by the official ``openai.AzureOpenAI`` client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest

from modelyard.testing import FakeProvider

API_VERSION = "2024-10-21"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProvider]:
    with FakeProvider() as running:
        yield running


@pytest.fixture(scope="module")
def client(fake: FakeProvider) -> Iterator[openai.AzureOpenAI]:
    with openai.AzureOpenAI(
        azure_endpoint=fake.url, api_version=API_VERSION, api_key="azure-key", max_retries=0
    ) as sdk:
        yield sdk


def test_chat_on_a_deployment_route(client: openai.AzureOpenAI, fake: FakeProvider) -> None:
    fake.clear()
    answer = client.chat.completions.create(
        model="my-gpt4o", messages=[{"role": "user", "content": "hi"}]
    )
    assert answer.choices[0].message.content == "Echo: hi"
    assert answer.model == "my-gpt4o"
    extra = answer.model_extra or {}
    assert extra["prompt_filter_results"][0]["content_filter_results"]["hate"]["filtered"] is False
    (entry,) = fake.requests()
    assert entry["path"] == "/openai/deployments/my-gpt4o/chat/completions"
    assert entry["query"] == {"api-version": API_VERSION}
    assert entry["headers"]["api-key"] == "azure-key"


def test_chat_stream_starts_with_the_filter_only_chunk(client: openai.AzureOpenAI) -> None:
    stream = client.chat.completions.create(
        model="dep", messages=[{"role": "user", "content": "one two"}], stream=True
    )
    with stream:
        chunks = list(stream)
    assert chunks[0].choices == []
    assert chunks[0].id == ""
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Echo: one two"


def test_embeddings_on_a_deployment_route(client: openai.AzureOpenAI) -> None:
    result = client.embeddings.create(model="embed-deployment-64", input=["a", "b"])
    assert [len(item.embedding) for item in result.data] == [64, 64]


def test_responses_on_the_openai_and_v1_routes(
    client: openai.AzureOpenAI, fake: FakeProvider
) -> None:
    fake.clear()
    response = client.responses.create(model="dep-reason", input="hi")
    assert response.output_text == "Echo: hi"
    assert fake.requests()[-1]["path"] == "/openai/responses"
    with openai.OpenAI(
        base_url=fake.url + "/openai/v1",
        api_key="unused",
        default_headers={"api-key": "k"},
        max_retries=0,
    ) as v1:
        response = v1.responses.create(model="dep", input="there")
        chat = v1.chat.completions.create(model="dep", messages=[{"role": "user", "content": "x"}])
    assert response.output_text == "Echo: there"
    assert chat.choices[0].message.content == "Echo: x"


def test_missing_api_version_is_a_400_and_missing_key_a_401(fake: FakeProvider) -> None:
    body = {"messages": [{"role": "user", "content": "hi"}]}
    path = "/openai/deployments/dep/chat/completions"
    with httpx.Client(base_url=fake.url) as http:
        no_version = http.post(path, json=body, headers={"api-key": "k"})
        no_key = http.post(path, json=body, params={"api-version": API_VERSION})
    assert no_version.status_code == 400
    assert no_version.json()["error"]["code"] == "MissingApiVersionParameter"
    assert no_key.status_code == 401
    assert set(no_key.json()["error"]) == {"code", "message"}
    assert no_key.json()["error"]["code"] == "401"
    assert no_key.json()["error"]["message"].startswith(
        "Access denied due to invalid subscription key"
    )


def test_the_deployment_name_chooses_the_fault(client: openai.AzureOpenAI) -> None:
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(
            model="fail-429-dep", messages=[{"role": "user", "content": "hi"}]
        )
    assert caught.value.status_code == 429
    assert caught.value.response.headers["retry-after"] == "1"
    assert caught.value.response.headers["retry-after-ms"] == "1000"
    assert caught.value.response.json()["error"]["code"] == "429"
    with pytest.raises(openai.InternalServerError):
        client.embeddings.create(model="fail-500", input="x")
