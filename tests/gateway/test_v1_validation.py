"""Values OpenAI's spec refuses are refused on ``/v1`` too: a 400 (413 for sizes) in OpenAI's
shape naming the field, before any upstream call; what the spec allows still goes through."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import openai
import pytest

from modelyard.gateway import http_io
from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model, sdk, upstream_requests
from tests.gateway.test_hardening_errors import PNG, assert_openai_error
from tests.support import RunningServer, Workspace, new_workspace


@dataclass
class Models:
    ws: Workspace
    chat: str
    embed: str
    image: str
    marker: str  # in every upstream identifier: what reached the fake

    def reached_upstream(self, fake: FakeProvider) -> list[dict[str, Any]]:
        return upstream_requests(fake, self.marker)


@pytest.fixture(scope="module")
def models(server: RunningServer, fake: FakeProvider) -> Iterator[Models]:
    ws = new_workspace(server)
    marker = f"v{secrets.token_hex(4)}"
    chat = add_model(
        ws, fake, identifier=f"fake-model-{marker}", capabilities={"image_analysis": True}
    )
    embed = add_model(ws, fake, kind="embedding", identifier=f"fake-embed-{marker}")
    image = add_model(
        ws, fake, kind="image", identifier=f"gpt-image-1-{marker}", image_editing=True
    )
    yield Models(ws, chat["slug"], embed["slug"], image["slug"], marker)


def _refused(models: Models, fake: FakeProvider, call: Any, status: int, param: str) -> None:
    before = len(models.reached_upstream(fake))
    with pytest.raises(openai.APIStatusError) as refused:
        call()
    assert refused.value.status_code == status, refused.value.body
    body = refused.value.body
    assert isinstance(body, dict) and body["param"] == param, body
    assert body["type"] == "invalid_request_error" and body["message"]
    assert len(models.reached_upstream(fake)) == before  # refused before any upstream call


USER = [{"role": "user", "content": "hi"}]
TINY_PNG_URL = "data:image/png;base64,iVBORw0KGgo="


def _image_part(image_url: dict[str, Any]) -> dict[str, Any]:
    return {
        "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": image_url}]}]
    }


BAD_CHAT = [
    ({"stream": "yes"}, "stream"),
    ({"stream": 1}, "stream"),
    ({"stream_options": "yes"}, "stream_options"),
    ({"stream": True, "stream_options": {"include_usage": "yes"}}, "stream_options.include_usage"),
    ({"frequency_penalty": 3}, "frequency_penalty"),
    ({"presence_penalty": -2.5}, "presence_penalty"),
    ({"presence_penalty": "high"}, "presence_penalty"),
    ({"max_completion_tokens": 10, "max_tokens": 0}, "max_tokens"),
    ({"logprobs": "yes"}, "logprobs"),
    ({"top_logprobs": 21}, "top_logprobs"),
    ({"store": "no"}, "store"),
    ({"logit_bias": {"50256": 200}}, "logit_bias.50256"),
    ({"logit_bias": "none"}, "logit_bias"),
    ({"seed": 2**63}, "seed"),
    ({"parallel_tool_calls": "yes"}, "parallel_tool_calls"),
    ({"response_format": {"type": "xml"}}, "response_format.type"),
    ({"response_format": {"type": "json_schema"}}, "response_format.json_schema.name"),
    ({"reasoning_effort": "extreme"}, "reasoning_effort"),
    ({"verbosity": "loud"}, "verbosity"),
    ({"service_tier": "vip"}, "service_tier"),
    ({"modalities": ["video"]}, "modalities[0]"),
    ({"metadata": {"k": 1}}, "metadata.k"),
    ({"metadata": {f"k{i}": "v" for i in range(17)}}, "metadata"),
    ({"safety_identifier": "x" * 65}, "safety_identifier"),
    ({"prompt_cache_retention": "forever"}, "prompt_cache_retention"),
    ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
    ({"messages": [{"role": "user", "content": "hi", "name": 5}]}, "messages[0].name"),
    (
        {"messages": [{"role": "user", "content": [{"type": "text", "text": 5}]}]},
        "messages[0].content[0].text",
    ),
    (_image_part({"url": TINY_PNG_URL, "detail": "4k"}), "messages[0].content[0].image_url.detail"),
    (_image_part({"url": "data:image/png,raw"}), "messages[0].content[0].image_url.url"),
]


@pytest.mark.parametrize(("fields", "param"), BAD_CHAT, ids=[p for _, p in BAD_CHAT])
def test_chat_fields_outside_the_spec_are_400(
    models: Models, fake: FakeProvider, fields: dict[str, Any], param: str
) -> None:
    client = sdk(models.ws)
    fields = {"messages": USER, **fields}
    messages = fields.pop("messages")
    _refused(
        models,
        fake,
        lambda: client.chat.completions.create(
            model=models.chat, messages=messages, extra_body=fields
        ),
        400,
        param,
    )


def test_a_data_url_image_over_20_mb_is_413(models: Models, fake: FakeProvider) -> None:
    url = "data:image/png;base64," + "A" * (28 * 2**20)  # 21 MB decoded, under the body limit
    part = {"type": "image_url", "image_url": {"url": url}}
    client = sdk(models.ws)
    _refused(
        models,
        fake,
        lambda: client.chat.completions.create(
            model=models.chat, messages=[{"role": "user", "content": [part]}]
        ),
        413,
        "messages[0].content[0].image_url.url",
    )


def test_a_body_over_the_limit_is_413(
    models: Models, fake: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http_io, "MAX_BODY_BYTES", 4096)
    client = sdk(models.ws)
    _refused(
        models,
        fake,
        lambda: client.chat.completions.create(
            model=models.chat, messages=[{"role": "user", "content": "x" * 8000}]
        ),
        413,
        None,  # type: ignore[arg-type]
    )


def test_every_well_known_field_the_spec_allows_still_goes_through(
    models: Models, fake: FakeProvider
) -> None:
    answer = sdk(models.ws).chat.completions.create(
        model=models.chat,
        messages=[
            {"role": "system", "content": "Be brief.", "name": "rules"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "hi"},
                    {"type": "image_url", "image_url": {"url": TINY_PNG_URL, "detail": "low"}},
                ],
            },
        ],
        temperature=2,
        top_p=0,
        frequency_penalty=-2,
        presence_penalty=2,
        max_tokens=5,
        max_completion_tokens=5,
        logprobs=False,
        top_logprobs=0,
        store=False,
        logit_bias={"50256": -100},
        seed=-(2**63),
        stop=["a", "b", "c", "d"],
        response_format={"type": "json_schema", "json_schema": {"name": "x", "strict": True}},
        metadata={"team": "a"},
        user="u1",
        stream=False,
        extra_body={
            "verbosity": "low",
            "service_tier": "auto",
            "modalities": ["text"],
            "safety_identifier": "s" * 64,
            "prompt_cache_retention": "24h",
            "stream_options": None,
        },
    )
    assert answer.choices[0].message.content


BAD_EMBEDDINGS: list[tuple[Any, dict[str, Any], str]] = [
    ("", {}, "input"),
    (["ok", ""], {}, "input[1]"),
    ([[1, 2], []], {}, "input[1]"),
    ([-1, 5], {}, "input"),
    ("word " * 200_000, {}, "input"),  # one input of ~250,000 tokens, over 8,192
    ([[7] * 9000], {}, "input[0]"),
    (["x" * 32_000] * 40, {}, "input"),  # each under 8,192 tokens, ~320,000 in all
    ("hi", {"encoding_format": ""}, "encoding_format"),
    ("hi", {"encoding_format": 0}, "encoding_format"),
]


@pytest.mark.parametrize(
    ("value", "fields", "param"),
    BAD_EMBEDDINGS,
    ids=[f"{p}-{i}" for i, (_, _, p) in enumerate(BAD_EMBEDDINGS)],
)
def test_embedding_inputs_outside_the_bounds_are_400(
    models: Models, fake: FakeProvider, value: Any, fields: dict[str, Any], param: str
) -> None:
    client = sdk(models.ws)
    _refused(
        models,
        fake,
        lambda: client.embeddings.create(
            model=models.embed, input=value, encoding_format="float", extra_body=fields
        ),
        400,
        param,
    )


def test_embeddings_the_spec_allows_still_go_through(models: Models) -> None:
    client = sdk(models.ws)
    assert len(client.embeddings.create(model=models.embed, input=[[1, 2], [3]]).data) == 2
    many = client.embeddings.create(model=models.embed, input=["x" * 30_000] * 30)
    assert len(many.data) == 30


BAD_IMAGES = [
    ({"size": "99999x99999"}, "size"),
    ({"quality": "ultra"}, "quality"),
    ({"style": "cartoon"}, "style"),
    ({"background": "neon"}, "background"),
    ({"output_format": "gif"}, "output_format"),
    ({"moderation": "none"}, "moderation"),
    ({"output_compression": 101}, "output_compression"),
    ({"stream": "yes"}, "stream"),
    ({"partial_images": 5}, "partial_images"),
    ({"n": "2"}, "n"),
    ({"prompt": "p" * 32_001}, "prompt"),
]


@pytest.mark.parametrize(("fields", "param"), BAD_IMAGES, ids=[p for _, p in BAD_IMAGES])
def test_image_generation_fields_outside_the_spec_are_400(
    models: Models, fake: FakeProvider, fields: dict[str, Any], param: str
) -> None:
    client = sdk(models.ws)
    _refused(
        models,
        fake,
        lambda: client.images.generate(model=models.image, prompt="a cat", extra_body=fields),
        400,
        param,
    )


def _edit(models: Models, fields: dict[str, str | list[str]], images: int = 1) -> Any:
    files = [("image[]", (f"in{i}.png", PNG, "image/png")) for i in range(images)]
    with models.ws.server.client(models.ws.owner_key) as api:
        return api.post("/v1/images/edits", data={"model": models.image, **fields}, files=files)


@pytest.mark.parametrize(
    ("fields", "images", "param"),
    [
        ({"prompt": "x", "size": "99999x99999"}, 1, "size"),
        ({"prompt": "x", "quality": "hd"}, 1, "quality"),
        ({"prompt": "x", "stream": "maybe"}, 1, "stream"),
        ({"prompt": "x", "input_fidelity": "max"}, 1, "input_fidelity"),
        ({"prompt": "x", "output_compression": "-1"}, 1, "output_compression"),
        ({"prompt": ["x", "y"]}, 1, "prompt"),
        ({"prompt": "x"}, 17, "image"),
    ],
    ids=["size", "quality", "stream", "input_fidelity", "output_compression", "twice", "17"],
)
def test_image_edit_fields_outside_the_spec_are_400(
    models: Models, fake: FakeProvider, fields: dict[str, Any], images: int, param: str
) -> None:
    before = len(models.reached_upstream(fake))
    error = assert_openai_error(_edit(models, fields, images))
    assert error["param"] == param
    assert len(models.reached_upstream(fake)) == before


def test_image_calls_the_spec_allows_still_go_through(models: Models) -> None:
    client = sdk(models.ws)
    made = client.images.generate(
        model=models.image, prompt="a cat", size="1024x1536", quality="high", n=2
    )
    assert len(made.data) == 2
    edited = _edit(models, {"prompt": "x", "n": "2", "stream": "false", "size": "1024x1024"}, 2)
    assert edited.status_code == 200, edited.text


DUPLICATES = [
    ('{"model": "%s", "model": "other", "messages": [{"role": "user", "content": "hi"}]}', "model"),
    ('{"model": "%s", "messages": [{"role": "user", "role": "system", "content": "hi"}]}', "role"),
    (
        '{"model" : "%s", "max_tokens" : 5, "messages" : [{"role": "user", "content": "hi"}],'
        ' "max_tokens" : 9}',
        "max_tokens",
    ),
    (
        '{"model": "%s", "messages": [{"role": "user", "content": "\\u0022\\u0022"}],'
        ' "user": "a", "user": "b"}',
        "user",
    ),
    (
        '{"model": "%s", "messages": [{"role": "user", "content": "hi"}],'
        ' "\\u0075ser": "a", "user": "b"}',
        "user",
    ),
]


@pytest.mark.parametrize(
    ("body", "key"), DUPLICATES, ids=["top", "nested", "spaced", "escaped", "unicode"]
)
def test_a_key_twice_in_one_object_is_400_naming_it(
    models: Models, fake: FakeProvider, body: str, key: str
) -> None:
    before = len(models.reached_upstream(fake))
    with models.ws.server.client(models.ws.owner_key) as api:
        response = api.post(
            "/v1/chat/completions",
            content=body % models.chat,
            headers={"content-type": "application/json"},
        )
    error = assert_openai_error(response)
    assert (error["param"], error["code"]) == (key, "duplicate_key")
    assert len(models.reached_upstream(fake)) == before


@pytest.mark.parametrize(
    ("path", "key"), [("/v1/embeddings", "input"), ("/v1/images/generations", "prompt")]
)
def test_duplicate_keys_on_the_other_endpoints(models: Models, path: str, key: str) -> None:
    raw = f'{{"model": "{models.embed}", "{key}": "x", "{key}": "y"}}'
    with models.ws.server.client(models.ws.owner_key) as api:
        response = api.post(path, content=raw, headers={"content-type": "application/json"})
    assert assert_openai_error(response)["param"] == key


def test_json_the_sdk_writes_is_read_as_before(models: Models) -> None:
    """Escaped quotes, colons and backslashes in strings are not duplicates."""
    content = 'say \\"hi\\": {"a": 1} \\\\": done'
    body = {"model": models.chat, "messages": [{"role": "user", "content": content}]}
    with models.ws.server.client(models.ws.owner_key) as api:
        for raw in (json.dumps(body), json.dumps(body, indent=2, separators=(",", " : "))):
            response = api.post(
                "/v1/chat/completions", content=raw, headers={"content-type": "application/json"}
            )
            assert response.status_code == 200, response.text


def test_an_edit_image_over_25_mb_is_413(models: Models, fake: FakeProvider) -> None:
    before = len(models.reached_upstream(fake))
    big = PNG + b"\0" * (25 * 2**20)
    with models.ws.server.client(models.ws.owner_key) as api:
        response = api.post(
            "/v1/images/edits",
            data={"model": models.image, "prompt": "x"},
            files=[("image", ("big.png", big, "image/png"))],
        )
    assert assert_openai_error(response, 413)["param"] == "image"
    assert len(models.reached_upstream(fake)) == before
