"""Hostile bodies on ``/v1`` get an OpenAI-shaped 4xx, never a plain-text 500."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from modelyard.gateway import media
from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model
from tests.support import Workspace

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6364f8ff1f000006020180e7a9e4"
    "0000000049454e44ae426082"
)


def assert_openai_error(response: httpx.Response, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"type", "message", "param", "code"}
    assert isinstance(error["message"], str) and error["message"]
    assert "Traceback" not in response.text
    return error


def nested(depth: int, leaf: str) -> str:
    return "[" * depth + leaf + "]" * depth


@pytest.mark.parametrize("depth", [990, 1000, 1020])
def test_deeply_nested_override_is_refused(ws: Workspace, fake: FakeProvider, depth: int) -> None:
    model = add_model(ws, fake, identifier="fake-model")
    deep = nested(depth - 2, '{"base_url": "http://evil"}')
    body = (
        f'{{"model": "{model["slug"]}", "messages": [{{"role": "user", "content": "hi"}}],'
        f' "metadata": {deep}}}'
    )
    with ws.server.client(ws.owner_key) as api:
        response = api.post(
            "/v1/chat/completions", content=body, headers={"content-type": "application/json"}
        )
    error = assert_openai_error(response)
    assert error["code"] == "upstream_override_refused"
    assert error["param"] == "metadata" + "[0]" * (depth - 2) + ".base_url"


def test_deeply_nested_image_generation_body(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake, kind="image", identifier="gpt-image-1")
    body = f'{{"model": "{model["slug"]}", "prompt": {nested(1000, "1")}}}'
    with ws.server.client(ws.owner_key) as api:
        response = api.post(
            "/v1/images/generations", content=body, headers={"content-type": "application/json"}
        )
    assert assert_openai_error(response)["param"] == "prompt"


def part(name: str, data: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"'
    if filename:
        disposition += f'; filename="{filename}"'
        headers = f"Content-Disposition: {disposition}\r\nContent-Type: image/png\r\n"
    else:
        headers = f"Content-Disposition: {disposition}\r\n"
    return headers.encode() + b"\r\n" + data + b"\r\n"


def multipart(boundary: str, parts: list[bytes]) -> bytes:
    sep = f"--{boundary}\r\n".encode()
    return b"".join(sep + p for p in parts) + f"--{boundary}--\r\n".encode()


def edit_fields(slug: str) -> list[bytes]:
    return [part("model", slug.encode()), part("prompt", b"make it green")]


def post_edit(ws: Workspace, content: bytes, content_type: str) -> httpx.Response:
    with ws.server.client(ws.owner_key) as api:
        return api.post("/v1/images/edits", content=content, headers={"content-type": content_type})


@pytest.fixture
def slug(ws: Workspace, fake: FakeProvider) -> str:
    model = add_model(ws, fake, kind="image", identifier="gpt-image-1", image_editing=True)
    return str(model["slug"])


def test_multipart_without_boundary(ws: Workspace, slug: str) -> None:
    body = multipart("b0undary", [*edit_fields(slug), part("image", PNG, "in.png")])
    error = assert_openai_error(post_edit(ws, body, "multipart/form-data"))
    assert error["code"] == "invalid_multipart" and "boundary" in error["message"].lower()


def test_multipart_boundary_too_long(ws: Workspace, slug: str) -> None:
    boundary = "b" * 300
    body = multipart(boundary, [*edit_fields(slug), part("image", PNG, "in.png")])
    error = assert_openai_error(post_edit(ws, body, f"multipart/form-data; boundary={boundary}"))
    assert error["code"] == "invalid_multipart"


def test_multipart_too_many_files(ws: Workspace, slug: str) -> None:
    files = [part("image[]", PNG, f"in{i}.png") for i in range(20)]
    body = multipart("b0undary", [*edit_fields(slug), *files])
    error = assert_openai_error(post_edit(ws, body, "multipart/form-data; boundary=b0undary"))
    assert error["code"] == "invalid_multipart" and "files" in error["message"].lower()


@pytest.mark.parametrize(
    "broken",
    [
        b'Content-Disposition form-data; name="image"\r\n\r\nxx\r\n',  # no colon
        b"Content-Disposition: form-data\r\n\r\nxx\r\n",  # no name
        b"\x00\x01: \xff\r\n\r\nxx\r\n",  # garbage header name
    ],
)
def test_multipart_broken_part_headers(ws: Workspace, slug: str, broken: bytes) -> None:
    body = multipart("b0undary", [*edit_fields(slug), broken])
    error = assert_openai_error(post_edit(ws, body, "multipart/form-data; boundary=b0undary"))
    assert error["code"] == "invalid_multipart"


def test_a_bug_is_an_openai_shaped_500(
    ws: Workspace, fake: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = add_model(ws, fake, kind="image", identifier="gpt-image-1")

    def boom(body: dict[str, Any]) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(media, "generation_request", boom)
    with ws.server.client(ws.owner_key) as api:
        response = api.post("/v1/images/generations", json={"model": model["slug"], "prompt": "x"})
    error = assert_openai_error(response, 500)
    assert error["type"] == "api_error"
    assert "secret internals" not in response.text and "RuntimeError" not in response.text
