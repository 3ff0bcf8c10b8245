"""Chat Completions parameters that change the answer reach the upstream in its own form, or
are refused with a 400 naming the parameter and the model; pure hints never fail a call.

Real HTTP into the gateway with the official ``openai`` SDK; what reached the upstream is read
from the fake's request log.
"""

from __future__ import annotations

from typing import Any

import openai
import pytest

from modelyard.testing import FakeProvider
from tests.gateway.fidelity.conftest import Models
from tests.gateway.setup import add_model, upstream_requests
from tests.support import error_of

HI: Any = [{"role": "user", "content": "Say hi"}]


def _sent(fake: FakeProvider, identifier: str) -> dict[str, Any]:
    body: dict[str, Any] = upstream_requests(fake, identifier)[-1]["body"]
    return body


def test_openai_wire_carries_sampling_options_and_returns_logprobs(
    models: Models, fake: FakeProvider
) -> None:
    answer = models.sdk.chat.completions.create(
        model=models.openai,
        messages=HI,
        logprobs=True,
        top_logprobs=2,
        presence_penalty=0.5,
        frequency_penalty=-0.5,
        logit_bias={"50256": -100},
        seed=7,
        stop=["\n\n"],
        n=2,
    )
    sent = _sent(fake, models.openai_id)
    assert sent["logprobs"] is True and sent["top_logprobs"] == 2
    assert sent["presence_penalty"] == 0.5 and sent["frequency_penalty"] == -0.5
    assert sent["logit_bias"] == {"50256": -100}
    assert sent["seed"] == 7 and sent["stop"] == ["\n\n"] and sent["n"] == 2
    assert [c.index for c in answer.choices] == [0, 1]
    for choice in answer.choices:
        assert choice.message.content == "Echo: Say hi"
        assert choice.logprobs is not None and choice.logprobs.content is not None
        tokens = choice.logprobs.content
        assert [t.token for t in tokens] == ["Echo: ", "Say ", "hi"]
        assert len(tokens[0].top_logprobs) == 2
    # The fake counts 3 completion tokens a choice: both choices are metered and priced.
    assert answer.usage is not None and answer.usage.completion_tokens == 6


def test_openai_wire_carries_pure_hints(models: Models, fake: FakeProvider) -> None:
    models.sdk.chat.completions.create(
        model=models.openai,
        messages=HI,
        metadata={"endpoint": "/checkout", "team": "web"},  # a tag, not an upstream override
        store=True,
        service_tier="flex",
        prompt_cache_key="session-1",
        safety_identifier="user-hash",
        verbosity="low",
    )
    sent = _sent(fake, models.openai_id)
    assert sent["metadata"] == {"endpoint": "/checkout", "team": "web"}
    assert sent["store"] is True and sent["service_tier"] == "flex"
    assert sent["prompt_cache_key"] == "session-1"
    assert sent["safety_identifier"] == "user-hash" and sent["verbosity"] == "low"


def test_hints_are_left_out_where_the_upstream_does_not_know_them(
    models: Models, fake: FakeProvider
) -> None:
    answer = models.sdk.chat.completions.create(
        model=models.gemini, messages=HI, metadata={"endpoint": "/checkout"}, store=False
    )
    assert answer.choices[0].message.content == "Echo: Say hi"
    sent = _sent(fake, models.gemini_id)
    assert "metadata" not in str(sent) and "store" not in sent


def test_upstream_overrides_are_still_refused(models: Models) -> None:
    with models.ws.server.client(models.ws.owner_key) as http:
        body = {"model": models.openai, "messages": HI, "extra_body": {"endpoint": "x"}}
        error = error_of(http.post("/v1/chat/completions", json=body), 400)
    assert error["code"] == "upstream_override_refused" and error["param"] == "extra_body"


def test_gemini_gets_its_own_forms(models: Models, fake: FakeProvider) -> None:
    answer = models.sdk.chat.completions.create(
        model=models.gemini,
        messages=HI,
        logprobs=True,
        top_logprobs=3,
        presence_penalty=0.25,
        frequency_penalty=0.75,
        seed=3,
        stop=["END"],
        n=2,
    )
    config = _sent(fake, models.gemini_id)["generationConfig"]
    assert config["responseLogprobs"] is True and config["logprobs"] == 3
    assert config["presencePenalty"] == 0.25 and config["frequencyPenalty"] == 0.75
    assert config["seed"] == 3 and config["stopSequences"] == ["END"]
    assert config["candidateCount"] == 2
    assert len(answer.choices) == 2
    logprobs = answer.choices[1].logprobs
    assert logprobs is not None and logprobs.content is not None
    assert [t.token for t in logprobs.content] == ["Echo: ", "Say ", "hi"]
    assert logprobs.content[0].logprob == pytest.approx(-0.01)
    assert [t.token for t in logprobs.content[0].top_logprobs] == ["Echo: ", "alt1", "alt2"]
    assert answer.id.startswith("chatcmpl-")


@pytest.mark.parametrize(
    ("which", "param", "value"),
    [
        ("gemini", "logit_bias", {"50256": -100}),
        ("anthropic", "logprobs", True),
        ("anthropic", "presence_penalty", 0.5),
        ("anthropic", "n", 2),
    ],
)
def test_options_a_wire_cannot_carry_are_refused_naming_them(
    models: Models, fake: FakeProvider, which: str, param: str, value: Any
) -> None:
    slug = getattr(models, which)
    identifier = getattr(models, f"{which}_id")
    before = len(upstream_requests(fake, identifier))
    with models.ws.server.client(models.ws.owner_key) as http:
        body = {"model": slug, "messages": HI, param: value}
        error = error_of(http.post("/v1/chat/completions", json=body), 400)
    assert error["param"] == param and error["code"] == "unsupported_parameter"
    assert f"'{param}'" in error["message"] and slug in error["message"]
    assert len(upstream_requests(fake, identifier)) == before  # nothing went upstream


def test_stream_with_n_or_logprobs_is_refused_not_cut_to_one(models: Models) -> None:
    """Where a wire cannot stream them (Claude), a 400 naming them, never one choice."""
    for extra in ({"n": 2}, {"logprobs": True}):
        with pytest.raises(openai.BadRequestError) as raised:
            models.sdk.chat.completions.create(
                model=models.anthropic, messages=HI, stream=True, **extra
            )
        assert raised.value.param == next(iter(extra))


def test_top_logprobs_without_logprobs_has_no_effect_and_is_not_sent(
    models: Models, fake: FakeProvider
) -> None:
    answer = models.sdk.chat.completions.create(
        model=models.anthropic, messages=HI, logprobs=False, top_logprobs=2
    )
    assert answer.choices[0].logprobs is None
    assert "top_logprobs" not in str(_sent(fake, models.anthropic_id))


def test_non_stream_ids_are_chatcmpl_whatever_answered(models: Models) -> None:
    for slug in (models.openai, models.gemini, models.anthropic):
        answer = models.sdk.chat.completions.create(model=slug, messages=HI)
        assert answer.id.startswith("chatcmpl-"), (slug, answer.id)


def test_hints_are_left_out_for_openai_compatible_servers(
    models: Models, fake: FakeProvider
) -> None:
    """Servers that refuse unknown fields (Mistral, vLLM...) never see the hints."""
    model = add_model(models.ws, fake, provider="openai_compatible", identifier="compat-fid-model")
    answer = models.sdk.chat.completions.create(
        model=model["slug"],
        messages=HI,
        metadata={"team": "web"},
        store=True,
        service_tier="auto",
        prompt_cache_key="k",
        presence_penalty=0.1,
    )
    assert answer.choices[0].message.content == "Echo: Say hi"
    sent = _sent(fake, "compat-fid-model")
    assert not {"metadata", "store", "service_tier", "prompt_cache_key"} & set(sent)
    assert sent["presence_penalty"] == 0.1  # answer-changing: carried
