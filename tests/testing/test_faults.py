"""Faults on cue: each provider's error shape, cut and garbled answers, hangs and delays."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anthropic
import httpx
import openai
import pytest

from modelyard.testing import FakeProvider
from modelyard.testing.faults import Fault, fault_for

MESSAGES: Any = [{"role": "user", "content": "one two three four five six"}]
CUT = "peer closed connection|incomplete chunked read|Connection error"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProvider]:
    with FakeProvider() as running:
        yield running


@pytest.fixture(scope="module")
def oai(fake: FakeProvider) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=fake.url + "/v1", api_key="k", max_retries=0) as sdk:
        yield sdk


@pytest.fixture(scope="module")
def claude(fake: FakeProvider) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=fake.url, api_key="k", max_retries=0) as sdk:
        yield sdk


def test_fault_prefixes_parse() -> None:
    assert fault_for("gpt-4o") == Fault()
    assert fault_for("fail-429") == Fault(status=429)
    assert fault_for("fail-503-primary") == Fault(status=503)
    assert fault_for("fail-hang") == Fault(hang=True)
    assert fault_for("fail-cut-x") == Fault(damage="cut")
    assert fault_for("fail-garbage") == Fault(damage="garbage")
    assert fault_for("slow-250") == Fault(delay_ms=250)
    assert fault_for("slow-200-fail-500") == Fault(delay_ms=200, status=500)
    assert fault_for("m", delay_header="30") == Fault(delay_ms=30)
    assert fault_for("failure-model") == Fault()
    assert fault_for("fail-4290") == Fault()


@pytest.mark.parametrize(
    ("model", "error", "status"),
    [
        ("fail-429", openai.RateLimitError, 429),
        ("fail-401", openai.AuthenticationError, 401),
        ("fail-404-model", openai.NotFoundError, 404),
        ("fail-500", openai.InternalServerError, 500),
        ("fail-529", openai.InternalServerError, 529),
    ],
)
def test_openai_status_faults(
    oai: openai.OpenAI, model: str, error: type[openai.APIStatusError], status: int
) -> None:
    with pytest.raises(error) as caught:
        oai.chat.completions.create(model=model, messages=MESSAGES)
    assert caught.value.status_code == status
    body = caught.value.response.json()
    assert set(body["error"]) == {"message", "type", "param", "code"}
    assert (caught.value.response.headers.get("retry-after") == "1") == (status == 429)


def test_openai_faults_apply_to_every_endpoint(oai: openai.OpenAI) -> None:
    with pytest.raises(openai.RateLimitError):
        oai.embeddings.create(model="fail-429", input="x")
    with pytest.raises(openai.InternalServerError):
        oai.responses.create(model="fail-500", input="x")
    with pytest.raises(openai.AuthenticationError):
        oai.images.generate(model="fail-401", prompt="x")
    with pytest.raises(openai.RateLimitError):
        oai.images.edit(model="fail-429", prompt="x", image=("a.png", b"x", "image/png"))


@pytest.mark.parametrize(
    ("model", "error", "kind"),
    [
        ("fail-429", anthropic.RateLimitError, "rate_limit_error"),
        ("fail-401", anthropic.AuthenticationError, "authentication_error"),
        ("fail-500", anthropic.InternalServerError, "api_error"),
        ("fail-529", anthropic.OverloadedError, "overloaded_error"),
    ],
)
def test_anthropic_status_faults(
    claude: anthropic.Anthropic, model: str, error: type[anthropic.APIStatusError], kind: str
) -> None:
    with pytest.raises(error) as caught:
        claude.messages.create(model=model, max_tokens=10, messages=MESSAGES)
    body = caught.value.response.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == kind
    if kind == "rate_limit_error":
        assert caught.value.response.headers["retry-after"] == "1"


@pytest.mark.parametrize(
    ("status", "name"),
    [
        (429, "RESOURCE_EXHAUSTED"),
        (401, "UNAUTHENTICATED"),
        (500, "INTERNAL"),
        (529, "UNAVAILABLE"),
    ],
)
def test_gemini_status_faults(fake: FakeProvider, status: int, name: str) -> None:
    with httpx.Client(base_url=fake.url) as http:
        response = http.post(
            f"/v1beta/models/fail-{status}:generateContent",
            headers={"x-goog-api-key": "k"},
            json={"contents": [{"parts": [{"text": "hi"}]}]},
        )
    assert response.status_code == status
    assert response.json()["error"] == {**response.json()["error"], "code": status, "status": name}


def test_cut_drops_a_non_streaming_answer(oai: openai.OpenAI, claude: anthropic.Anthropic) -> None:
    with pytest.raises(openai.APIConnectionError):
        oai.chat.completions.create(model="fail-cut", messages=MESSAGES)
    with pytest.raises(anthropic.APIConnectionError):
        claude.messages.create(model="fail-cut", max_tokens=10, messages=MESSAGES)


def test_cut_drops_an_openai_stream_midway(oai: openai.OpenAI) -> None:
    received: list[str] = []
    stream = oai.chat.completions.create(model="fail-cut", messages=MESSAGES, stream=True)
    with stream, pytest.raises(openai.APIConnectionError):
        for chunk in stream:
            received.append(chunk.choices[0].delta.content or "")
    assert "".join(received).startswith("Echo: one")
    assert not "".join(received).endswith("six")


def test_cut_drops_an_anthropic_stream_midway(claude: anthropic.Anthropic) -> None:
    received: list[str] = []
    with (
        pytest.raises(Exception, match=CUT),
        claude.messages.stream(model="fail-cut", max_tokens=100, messages=MESSAGES) as stream,
    ):
        received.extend(stream.text_stream)
    assert "".join(received).startswith("Echo:")


def test_cut_drops_a_gemini_stream_midway(fake: FakeProvider) -> None:
    url = "/v1beta/models/fail-cut:streamGenerateContent?alt=sse"
    body = {"contents": [{"parts": [{"text": "one two three four"}]}]}
    with (
        httpx.Client(base_url=fake.url) as http,
        http.stream("POST", url, json=body, headers={"x-goog-api-key": "k"}) as response,
    ):
        assert response.status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            for _ in response.iter_bytes():
                pass


def test_cut_does_not_log_an_error(fake: FakeProvider, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO), httpx.Client(base_url=fake.url) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            http.post(
                "/v1/chat/completions",
                json={"model": "fail-cut", "messages": MESSAGES},
                headers={"authorization": "Bearer k"},
            )
        time.sleep(0.05)
    assert not [r for r in caplog.records if r.name.startswith("uvicorn")]


def test_garbage_bodies_fail_to_parse(
    oai: openai.OpenAI, claude: anthropic.Anthropic, fake: FakeProvider
) -> None:
    with pytest.raises(ValueError):
        oai.chat.completions.create(model="fail-garbage", messages=MESSAGES)
    with pytest.raises(ValueError):
        claude.messages.create(model="fail-garbage", max_tokens=10, messages=MESSAGES)
    with httpx.Client(base_url=fake.url) as http:
        response = http.post(
            "/v1beta/models/fail-garbage:generateContent",
            headers={"x-goog-api-key": "k"},
            json={"contents": [{"parts": [{"text": "hi"}]}]},
        )
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_garbage_streams_fail_to_parse(oai: openai.OpenAI, claude: anthropic.Anthropic) -> None:
    stream = oai.chat.completions.create(model="fail-garbage", messages=MESSAGES, stream=True)
    with stream, pytest.raises(ValueError):
        list(stream)
    with (
        pytest.raises(ValueError),
        claude.messages.stream(model="fail-garbage", max_tokens=100, messages=MESSAGES) as events,
    ):
        list(events)


def test_hang_hits_the_client_timeout_without_blocking_others(
    oai: openai.OpenAI, claude: anthropic.Anthropic
) -> None:
    with ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        hanging = pool.submit(
            oai.with_options(timeout=0.5).chat.completions.create,
            model="fail-hang",
            messages=MESSAGES,
        )
        answer = oai.chat.completions.create(model="m", messages=MESSAGES)
        assert answer.choices[0].message.content == "Echo: one two three four five six"
        assert not hanging.done()
        with pytest.raises(openai.APITimeoutError):
            hanging.result()
        assert time.monotonic() - started < 2
    with pytest.raises(anthropic.APITimeoutError):
        claude.with_options(timeout=0.5).messages.create(
            model="fail-hang", max_tokens=10, messages=MESSAGES
        )


def test_slow_prefix_and_delay_header(oai: openai.OpenAI) -> None:
    started = time.monotonic()
    answer = oai.chat.completions.create(model="slow-200-gpt", messages=MESSAGES)
    assert time.monotonic() - started >= 0.2
    assert answer.model == "slow-200-gpt"
    started = time.monotonic()
    oai.chat.completions.create(
        model="m", messages=MESSAGES, extra_headers={"x-fake-delay-ms": "150"}
    )
    assert time.monotonic() - started >= 0.15
    with pytest.raises(openai.APITimeoutError):
        oai.with_options(timeout=0.2).chat.completions.create(model="slow-5000", messages=MESSAGES)
    started = time.monotonic()
    with pytest.raises(openai.InternalServerError):
        oai.chat.completions.create(model="slow-100-fail-500", messages=MESSAGES)
    assert time.monotonic() - started >= 0.1


def test_stopping_ends_a_hanging_request_with_a_503_at_once() -> None:
    outcome: list[int] = []

    def call(url: str) -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            body = {"model": "fail-hang", "messages": MESSAGES}
            response = http.post(
                "/v1/chat/completions", json=body, headers={"authorization": "Bearer k"}
            )
            outcome.append(response.status_code)

    with FakeProvider() as fake:
        caller = threading.Thread(target=call, args=(fake.url,))
        caller.start()
        deadline = time.monotonic() + 5
        while not fake.requests() and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.monotonic()
    assert time.monotonic() - started < 1
    caller.join(5)
    assert outcome == [503]
