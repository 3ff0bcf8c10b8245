"""Streamed Chat Completions carry ``logprobs`` and ``n`` > 1 in each wire's own form, or are
refused with a 400 naming the parameter and the model (never a stream with one choice or
without logprobs).

Real HTTP into the gateway with the official ``openai`` SDK (its raw chunks, and its stream
helper that accumulates them); what reached the upstream is read from the fake's request log,
the usage row from the database.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import openai
import pytest

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model, upstream_requests
from tests.support import RunningServer, Workspace, error_of, new_workspace
from tests.usage import stored_rows

HI: Any = [{"role": "user", "content": "Say hi"}]
WORDS = ["Echo: ", "Say ", "hi"]  # the fake's answer, a "token" a word


@dataclass
class Wire:
    slug: str
    model_id: str
    identifier: str  # the upstream identifier (a marker in the fake's request log)


@dataclass
class Setup:
    ws: Workspace
    sdk: openai.OpenAI
    wires: dict[str, Wire]


@pytest.fixture(scope="module")
def setup(server: RunningServer, fake: FakeProvider) -> Iterator[Setup]:
    ws = new_workspace(server)
    tag = secrets.token_hex(3)
    wires = {}
    for wire, provider, name, extra in (
        ("openai", "openai", "gpt", {}),
        ("responses", "openai", "gpt-resp", {"responses_api": True}),
        ("gemini", "google", "gemini-2.5", {}),
        ("anthropic", "anthropic", "claude", {}),
    ):
        identifier = f"{name}-sfid-{tag}"
        model = add_model(
            ws,
            fake,
            provider=provider,
            identifier=identifier,
            capabilities={"tools": True, **extra},
        )
        wires[wire] = Wire(model["slug"], model["id"], identifier)
    client = openai.OpenAI(
        base_url=ws.server.base_url + "/v1", api_key=ws.owner_key, max_retries=0, timeout=20
    )
    yield Setup(ws, client, wires)
    client.close()


def _sent(fake: FakeProvider, wire: Wire) -> dict[str, Any]:
    body: dict[str, Any] = upstream_requests(fake, wire.identifier)[-1]["body"]
    return body


@pytest.mark.parametrize("wire", ["openai", "responses", "gemini"])
def test_streamed_logprobs_line_up_with_the_streamed_text(
    setup: Setup, fake: FakeProvider, wire: str
) -> None:
    target = setup.wires[wire]
    chunks = list(
        setup.sdk.chat.completions.create(
            model=target.slug,
            messages=HI,
            stream=True,
            logprobs=True,
            top_logprobs=2,
            stream_options={"include_usage": True},
        )
    )
    text, tokens = "", []
    for chunk in chunks:
        for choice in chunk.choices:
            assert choice.index == 0
            piece = choice.delta.content or ""
            text += piece
            if choice.logprobs is not None and choice.logprobs.content:
                # each chunk's entries are the tokens of that chunk's text
                assert "".join(t.token for t in choice.logprobs.content) == piece
                tokens.extend(choice.logprobs.content)
    assert text == "Echo: Say hi"
    assert [t.token for t in tokens] == WORDS
    assert [t.logprob for t in tokens] == pytest.approx([-0.01, -0.02, -0.03])
    assert [[a.token for a in t.top_logprobs] for t in tokens] == [[w, "alt1"] for w in WORDS]
    assert tokens[0].bytes == list(b"Echo: ")
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 3
    sent = _sent(fake, target)
    if wire == "openai":
        assert sent["stream"] is True and sent["logprobs"] is True and sent["top_logprobs"] == 2
    elif wire == "responses":
        assert sent["stream"] is True and sent["top_logprobs"] == 2
        assert "message.output_text.logprobs" in sent["include"]
    else:
        config = sent["generationConfig"]
        assert config["responseLogprobs"] is True and config["logprobs"] == 2


def test_responses_api_logprobs_without_stream_too(setup: Setup, fake: FakeProvider) -> None:
    answer = setup.sdk.chat.completions.create(
        model=setup.wires["responses"].slug, messages=HI, logprobs=True, top_logprobs=3
    )
    logprobs = answer.choices[0].logprobs
    assert logprobs is not None and logprobs.content is not None
    assert [t.token for t in logprobs.content] == WORDS
    assert [a.token for a in logprobs.content[2].top_logprobs] == ["hi", "alt1", "alt2"]
    assert _sent(fake, setup.wires["responses"])["include"] == ["message.output_text.logprobs"]


def test_streamed_n_gives_every_choice_whole_and_usage_once(
    setup: Setup, fake: FakeProvider
) -> None:
    target = setup.wires["openai"]
    before = len(stored_rows(setup.ws.server, model_id=target.model_id))
    with setup.sdk.chat.completions.stream(
        model=target.slug,
        messages=HI,
        n=2,
        logprobs=True,
        stream_options={"include_usage": True},
    ) as stream:
        indexes = {
            c.index for event in stream if event.type == "chunk" for c in event.chunk.choices
        }
        final = stream.get_final_completion()
    assert indexes == {0, 1}
    assert _sent(fake, target)["n"] == 2 and _sent(fake, target)["stream"] is True
    assert [c.index for c in final.choices] == [0, 1]
    for choice in final.choices:
        assert choice.message.content == "Echo: Say hi" and choice.message.role == "assistant"
        assert choice.finish_reason == "stop"
        assert choice.logprobs is not None and choice.logprobs.content is not None
        assert [t.token for t in choice.logprobs.content] == WORDS
    # The fake counts 3 completion tokens a choice: the usage chunk covers both, once.
    assert final.usage is not None and final.usage.completion_tokens == 6
    rows = stored_rows(setup.ws.server, before + 1, model_id=target.model_id)
    assert len(rows) == before + 1  # one usage row for the call, not one a choice
    row = rows[-1]
    assert row.output_tokens == 6 and row.stream and row.status == 200
    expected = (row.input_tokens * Decimal(2) + row.output_tokens * Decimal(8)) / 1_000_000
    assert row.cost_usd == expected


def test_streamed_n_with_a_tool_call_keeps_each_choices_call(setup: Setup) -> None:
    tools: Any = [
        {
            "type": "function",
            "function": {
                "name": "lookup",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            },
        }
    ]
    with setup.sdk.chat.completions.stream(
        model=setup.wires["openai"].slug,
        messages=[{"role": "user", "content": "use the tool"}],
        tools=tools,
        tool_choice="required",
        n=2,
    ) as stream:
        final = stream.get_final_completion()
    assert len(final.choices) == 2
    for choice in final.choices:
        calls = choice.message.tool_calls
        assert calls is not None and len(calls) == 1
        assert calls[0].function.name == "lookup" and "city" in calls[0].function.arguments
        assert choice.finish_reason == "tool_calls"


@pytest.mark.parametrize(
    ("wire", "param", "value"),
    [
        ("responses", "n", 2),
        ("gemini", "n", 2),
        ("anthropic", "n", 2),
        ("anthropic", "logprobs", True),
    ],
)
def test_streamed_options_a_wire_cannot_carry_are_refused_naming_them(
    setup: Setup, fake: FakeProvider, wire: str, param: str, value: Any
) -> None:
    target = setup.wires[wire]
    before = len(upstream_requests(fake, target.identifier))
    with setup.ws.server.client(setup.ws.owner_key) as http:
        body = {"model": target.slug, "messages": HI, "stream": True, param: value}
        error = error_of(http.post("/v1/chat/completions", json=body), 400)
    assert error["param"] == param and error["code"] == "unsupported_parameter"
    assert f"'{param}'" in error["message"] and target.slug in error["message"]
    assert len(upstream_requests(fake, target.identifier)) == before  # nothing went upstream


def test_plain_streams_have_no_logprobs_and_one_choice(setup: Setup) -> None:
    chunks = list(
        setup.sdk.chat.completions.create(
            model=setup.wires["openai"].slug, messages=HI, stream=True
        )
    )
    choices = [c for chunk in chunks for c in chunk.choices]
    assert {c.index for c in choices} == {0}
    assert all(c.logprobs is None for c in choices)
    assert "".join(c.delta.content or "" for c in choices) == "Echo: Say hi"
