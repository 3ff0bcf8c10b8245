"""Every error status of the gateway, with the OpenAI SDK's own exception types."""

from __future__ import annotations

import httpx
import openai
import pytest

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model, sdk
from tests.support import Workspace

MESSAGES = [{"role": "user", "content": "hello"}]


def test_missing_and_bad_keys_are_401(ws: Workspace) -> None:
    with httpx.Client(base_url=ws.server.base_url) as anon:
        response = anon.post("/v1/chat/completions", json={"model": "x", "messages": MESSAGES})
        assert response.status_code == 401
        assert response.json()["error"]["type"] == "authentication_error"
    with pytest.raises(openai.AuthenticationError):
        sdk(ws, "my-wrong").chat.completions.create(model="x", messages=MESSAGES)  # type: ignore[arg-type]


def test_unknown_model_is_404(ws: Workspace) -> None:
    with pytest.raises(openai.NotFoundError) as missing:
        sdk(ws).chat.completions.create(model="no-such-model", messages=MESSAGES)  # type: ignore[arg-type]
    assert missing.value.body["param"] == "model"  # type: ignore[index]


def test_wrong_kind_is_400(ws: Workspace, fake: FakeProvider) -> None:
    embedding = add_model(ws, fake, kind="embedding", identifier="fake-embed-8")
    with pytest.raises(openai.BadRequestError) as wrong:
        sdk(ws).chat.completions.create(model=embedding["slug"], messages=MESSAGES)  # type: ignore[arg-type]
    assert "/v1/embeddings" in wrong.value.message


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"messages": []}, "messages"),
        ({"messages": "hi"}, "messages"),
        ({"messages": [{"role": "robot", "content": "x"}]}, "messages[0].role"),
        ({"messages": [{"role": "user", "content": 5}]}, "messages[0].content"),
        ({"messages": MESSAGES, "temperature": 7}, "temperature"),
        ({"messages": MESSAGES, "max_tokens": 0}, "max_tokens"),
        ({"messages": MESSAGES, "n": 129}, "n"),
        ({"messages": [{"role": "tool", "content": "x"}]}, "messages[0].tool_call_id"),
    ],
)
def test_malformed_chat_bodies_are_400_naming_the_field(
    ws: Workspace, fake: FakeProvider, body: dict, param: str
) -> None:
    model = add_model(ws, fake, identifier="fake-model")
    with ws.server.client(ws.owner_key) as api:
        response = api.post("/v1/chat/completions", json={"model": model["slug"], **body})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param


def test_invalid_json_is_400(ws: Workspace) -> None:
    with ws.server.client(ws.owner_key) as api:
        response = api.post(
            "/v1/chat/completions", content=b"{nope", headers={"content-type": "application/json"}
        )
    assert response.status_code == 400 and "JSON" in response.json()["error"]["message"]


def test_model_without_deployment_is_503(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake, identifier="fake-model", deployments=0)
    with pytest.raises(openai.InternalServerError) as none:
        sdk(ws).chat.completions.create(model=model["slug"], messages=MESSAGES)  # type: ignore[arg-type]
    assert none.value.status_code == 503 and "deployment" in none.value.message


@pytest.mark.parametrize("provider", ["openai", "anthropic", "google"])
def test_upstream_faults_map_onto_clear_statuses(
    ws: Workspace, fake: FakeProvider, provider: str
) -> None:
    client = sdk(ws)

    def call(identifier: str, *, stream: bool = False) -> None:
        model = add_model(ws, fake, provider=provider, identifier=identifier)
        result = client.chat.completions.create(
            model=model["slug"], messages=MESSAGES, stream=stream
        )  # type: ignore[call-overload]
        if stream:
            list(result)

    with pytest.raises(openai.RateLimitError) as limited:
        call("fail-429")
    assert limited.value.response.headers["retry-after"] == "1"
    with pytest.raises(openai.APIStatusError) as auth:
        call("fail-401")
    assert auth.value.status_code == 502  # the provider's 401 is not the caller's
    assert "deployment" in auth.value.message and "model key" in auth.value.message
    for identifier in ("fail-500", "fail-529"):
        with pytest.raises(openai.APIStatusError) as failed:
            call(identifier)
        assert failed.value.status_code == 502
    with pytest.raises(openai.APIStatusError) as hung:
        call("fail-hang")
    assert hung.value.status_code == 504
    with pytest.raises(openai.APIStatusError) as garbage:
        call("fail-garbage")
    assert garbage.value.status_code == 502 and "malformed" in garbage.value.message


@pytest.mark.parametrize("provider", ["openai", "anthropic", "google"])
def test_a_stream_cut_upstream_ends_with_an_error_event(
    ws: Workspace, fake: FakeProvider, provider: str
) -> None:
    model = add_model(ws, fake, provider=provider, identifier="fail-cut")
    with ws.server.client(ws.owner_key) as api:
        response = api.post(
            "/v1/chat/completions",
            json={
                "model": model["slug"],
                "messages": [{"role": "user", "content": "a b c d e f g h"}],
                "stream": True,
            },
        )
    assert response.status_code == 200
    events = [line for line in response.text.split("\n\n") if line]
    assert events[-1].startswith('data: {"error"'), events[-3:]
    assert "[DONE]" not in response.text
