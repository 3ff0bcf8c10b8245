"""Traces over OTLP/HTTP, end to end: a real server exports to a real receiver in this test
session (protobuf decoded with the official messages), for real ``/v1`` calls through the
fake provider."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from modelyard.testing import FakeProvider
from tests.conftest import make_settings
from tests.gateway.setup import add_model
from tests.operations.tracing_receiver import Receiver, attributes, otlp_receiver
from tests.support import RunningServer, Workspace, new_workspace, ok, running_server

PROMPT = "the-secret-prompt-words"


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    """The receiver; while this module runs, the servers export every 200 ms (not 5 s)."""
    with otlp_receiver() as running, pytest.MonkeyPatch.context() as patch:
        patch.setenv("OTEL_BSP_SCHEDULE_DELAY", "200")
        yield running


def _traced(tmp: Path, receiver: Receiver, capture: bool) -> Iterator[RunningServer]:
    settings = make_settings(tmp, None).model_copy(
        update={"otlp_endpoint": receiver.url, "otlp_capture_content": capture}
    )
    with running_server(settings, "sqlite") as running:
        yield running


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory, receiver: Receiver) -> Iterator[Workspace]:
    """A workspace on a server tracing to ``receiver`` (content not captured)."""
    yield from (new_workspace(s) for s in _traced(tmp_path_factory.mktemp("t"), receiver, False))


@pytest.fixture(scope="module")
def capturing(tmp_path_factory: pytest.TempPathFactory, receiver: Receiver) -> Iterator[Workspace]:
    """A workspace on a server tracing with MODELYARD_OTLP_CAPTURE_CONTENT=true."""
    yield from (new_workspace(s) for s in _traced(tmp_path_factory.mktemp("c"), receiver, True))


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeProvider]:
    with FakeProvider() as running:
        yield running


def _chat(
    ws: Workspace, model: str, *, stream: bool = False, headers: dict[str, str] | None = None
) -> tuple[str, httpx.Response]:
    request_id = f"req-trace-{secrets.token_hex(6)}"
    body: dict[str, Any] = {
        "model": model,
        "messages": [{"role": "user", "content": f"Say hello. {PROMPT}"}],
        "stream": stream,
    }
    if stream:
        body["stream_options"] = {"include_usage": True}
    with ws.owner() as api:
        sent = {"x-request-id": request_id, **(headers or {})}
        response = api.post("/v1/chat/completions", json=body, headers=sent)
    assert response.status_code == 200, response.text
    return request_id, response


def _text_of(spans: list[Span]) -> str:
    return json.dumps([attributes(s) for s in spans] + [s.name for s in spans])


def test_a_chat_call_is_a_span_with_the_genai_attributes_and_one_attempt(
    traced: Workspace, upstream: FakeProvider, receiver: Receiver
) -> None:
    model = add_model(traced, upstream, identifier="fake-traced")
    request_id, response = _chat(traced, model["slug"])
    usage = response.json()["usage"]

    call = receiver.call_span(request_id)
    assert call.kind == Span.SPAN_KIND_SERVER
    assert call.name == f"chat {model['slug']}"
    seen = attributes(call)
    assert seen["gen_ai.operation.name"] == "chat"
    assert seen["gen_ai.provider.name"] == "openai"
    assert seen["gen_ai.request.model"] == model["slug"]
    assert seen["gen_ai.response.model"].startswith("fake-traced")
    assert seen["gen_ai.usage.input_tokens"] == usage["prompt_tokens"] > 0
    assert seen["gen_ai.usage.output_tokens"] == usage["completion_tokens"] > 0
    assert seen["http.response.status_code"] == 200
    assert seen["modelyard.model"] == model["slug"]

    (attempt,) = receiver.children(call, 1)
    assert attempt.trace_id == call.trace_id and attempt.kind == Span.SPAN_KIND_CLIENT
    tried = attributes(attempt)
    assert tried["modelyard.attempt.outcome"] == "ok"
    assert tried["gen_ai.request.model"] == "fake-traced"
    assert tried["modelyard.deployment.id"] == response.headers["x-modelyard-deployment"]
    # Content is not captured by default: the prompt and the answer appear nowhere.
    answer = response.json()["choices"][0]["message"]["content"]
    assert PROMPT not in _text_of([call, attempt]) and answer not in _text_of([call, attempt])
    assert "gen_ai.input.messages" not in seen and "gen_ai.output.messages" not in seen
    assert receiver.content_types == {"application/x-protobuf"}


def test_a_fallback_shows_the_failed_attempt_and_the_one_that_answered(
    traced: Workspace, upstream: FakeProvider, receiver: Receiver
) -> None:
    failing = add_model(traced, upstream, identifier="fail-500")
    backup = add_model(traced, upstream, identifier="fake-backup")
    with traced.owner() as api:
        body = {"fallbacks": [backup["id"]]}
        ok(api.put(f"/api/models/{failing['id']}/fallbacks", json=body))
    request_id, response = _chat(traced, failing["slug"])
    assert response.headers["x-modelyard-model"] == backup["slug"]

    call = receiver.call_span(request_id)
    attempts = receiver.children(call, 2)
    outcomes = [
        (attributes(a)["modelyard.model"], attributes(a)["modelyard.attempt.outcome"])
        for a in attempts
    ]
    assert outcomes[-1] == (backup["slug"], "ok")
    assert outcomes[0] == (failing["slug"], "error")
    failed = attributes(attempts[0])
    assert failed["gen_ai.request.model"] == "fail-500" and failed["error.type"]
    assert attempts[0].status.code == attempts[0].status.STATUS_CODE_ERROR
    seen = attributes(call)
    assert seen["gen_ai.request.model"] == failing["slug"]
    assert seen["modelyard.model"] == backup["slug"]
    assert seen["gen_ai.response.model"].startswith("fake-backup")


def test_the_callers_traceparent_is_continued(
    traced: Workspace, upstream: FakeProvider, receiver: Receiver
) -> None:
    model = add_model(traced, upstream, identifier="fake-parented")
    trace_id, parent_id = secrets.token_hex(16), secrets.token_hex(8)
    traceparent = f"00-{trace_id}-{parent_id}-01"
    request_id, _ = _chat(traced, model["slug"], headers={"traceparent": traceparent})

    call = receiver.call_span(request_id)
    assert call.trace_id.hex() == trace_id
    assert call.parent_span_id.hex() == parent_id
    (attempt,) = receiver.children(call, 1)
    assert attempt.trace_id.hex() == trace_id


def test_content_is_captured_only_when_asked_streams_included(
    capturing: Workspace, upstream: FakeProvider, receiver: Receiver
) -> None:
    model = add_model(capturing, upstream, identifier="fake-captured")
    request_id, response = _chat(capturing, model["slug"], stream=True)
    chunks = [
        json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: {")
    ]
    answer = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    usage = next(c["usage"] for c in chunks if c.get("usage"))

    seen = attributes(receiver.call_span(request_id))
    assert PROMPT in seen["gen_ai.input.messages"]
    output = json.loads(seen["gen_ai.output.messages"])
    assert answer and output[0]["parts"][0]["content"] == answer
    assert seen["gen_ai.usage.output_tokens"] == usage["completion_tokens"]


def test_an_embeddings_call_is_a_span_too(
    traced: Workspace, upstream: FakeProvider, receiver: Receiver
) -> None:
    model = add_model(traced, upstream, kind="embedding", identifier="fake-embedder")
    request_id = f"req-trace-{secrets.token_hex(6)}"
    with traced.owner() as api:
        body = {"model": model["slug"], "input": ["one", "two"]}
        answer = ok(api.post("/v1/embeddings", json=body, headers={"x-request-id": request_id}))
    call = receiver.call_span(request_id)
    seen = attributes(call)
    assert seen["gen_ai.operation.name"] == "embeddings"
    assert seen["gen_ai.usage.input_tokens"] == answer["usage"]["prompt_tokens"]
    (attempt,) = receiver.children(call, 1)
    assert attributes(attempt)["modelyard.attempt.outcome"] == "ok"


def test_a_failed_call_is_an_error_span_naming_the_code_not_the_message(
    traced: Workspace, upstream: FakeProvider, receiver: Receiver
) -> None:
    model = add_model(traced, upstream, identifier="fail-503")
    request_id = f"req-trace-{secrets.token_hex(6)}"
    body = {"model": model["slug"], "messages": [{"role": "user", "content": PROMPT}]}
    with traced.owner() as api:
        response = api.post("/v1/chat/completions", json=body, headers={"x-request-id": request_id})
    assert response.status_code >= 500, response.text
    call = receiver.call_span(request_id)
    seen = attributes(call)
    assert seen["http.response.status_code"] == response.status_code
    assert seen["error.type"] == response.json()["error"]["code"]
    assert call.status.code == call.status.STATUS_CODE_ERROR
    attempts = receiver.children(call, 1)
    assert {attributes(a)["modelyard.attempt.outcome"] for a in attempts} == {"error"}
    message = response.json()["error"]["message"]
    assert message not in _text_of([call, *attempts]) and PROMPT not in _text_of([call])


def test_a_call_the_sampler_leaves_out_is_answered_and_exports_nothing(
    tmp_path: Path, upstream: FakeProvider, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_off")  # read when the gateway is built
    for server in _traced(tmp_path, receiver, True):
        ws = new_workspace(server)
        model = add_model(ws, upstream, identifier="fake-unsampled")
        left_out, _ = _chat(ws, model["slug"])
    # The server has shut down, so its queue was flushed: nothing of the call arrived (a
    # sampled call's span would be here now, see test_tracing_off.py).
    spans = [s for s in receiver.spans if attributes(s).get("modelyard.request_id") == left_out]
    assert spans == []
