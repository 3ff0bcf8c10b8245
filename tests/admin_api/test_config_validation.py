"""Configuration that could only fail later is refused when saved, on create and on PATCH.

A model key's secret and organization become HTTP header values, its api_version a query
parameter, and a deployment's model_identifier a path segment of the upstream URL (Azure
deployments, Gemini models). CR/LF, control characters, dot segments and URL metacharacters
are refused with 422 naming the field, and nothing of the request is written.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.admin_api.test_models import MANUAL_COMPLETION, create
from tests.support import Workspace, error_of, ok

SECRET = "sk-test-0123456789abcdefSECRET"
AZURE = {
    "name": "Azure",
    "provider": "azure",
    "secret": SECRET,
    "base_url": "https://r.openai.azure.com",
    "api_version": "2024-10-21",
    "organization": "org-acme",
}

BAD_HEADER_VALUES = [
    "sk-abc\r\nX-Injected: 1",
    "sk-abc\ndef",
    "sk-abc\rdef",
    "sk-abc\tdef",
    "sk-abc\x00def",
    "sk-abc\x7fdef",
]
BAD_API_VERSIONS = [
    "2024-10-21\r\nX-Injected: 1",
    "2024-10\n-21",
    "2024 10 21",
    "2024-10-21&x=1",
    "2024-10-21#x",
    "2024-10-21?x",
    "2024%2d10",
]
BAD_IDENTIFIERS = [
    "gpt-4o\r\nX-Injected: 1",
    "gpt\n4o",
    "gpt\t4o",
    "gpt 4o",
    ".",
    "..",
    "../other",
    "models/../../v1/files",
    "a/./b",
    "gpt-4o/..",
    "/gpt-4o",
    "gpt-4o/",
    "a//b",
    "gpt-4o?api-version=1",
    "gpt-4o#x",
    "%2e%2e",
    "%2E%2e/x",
    "gpt%2F4o",
    "a\\..\\b",
]
GOOD_IDENTIFIERS = [
    "gpt-4o-2024-08-06",
    "claude-sonnet-4-5@20250929",
    "models/gemini-2.5-pro",
    "ft:gpt-4o-mini:acme:custom:abc123",
    "meta-llama/Llama-3.1-8B-Instruct",
    "fail-429",
    "slow-200-fail-500",
]


def _key(ws: Workspace, body: dict[str, Any] = AZURE) -> dict[str, Any]:
    with ws.owner() as api:
        return ok(api.post("/api/model-keys", json=body), 201)


def _refused(response: Any, field: str, secret: str | None = None) -> None:
    error = error_of(response, 422)
    assert error["type"] == "invalid_request_error", error
    assert error["param"] == field, error
    if secret is not None:
        assert secret not in response.text
        assert "sk-abc" not in response.text


@pytest.mark.parametrize("value", BAD_HEADER_VALUES)
def test_secret_with_control_characters_is_refused(ws: Workspace, value: str) -> None:
    key = _key(ws)
    with ws.owner() as api:
        _refused(api.post("/api/model-keys", json={**AZURE, "secret": value}), "secret", value)
        _refused(api.patch(f"/api/model-keys/{key['id']}", json={"secret": value}), "secret", value)
        # Changing base_url needs the secret again: a bad secret must not let the URL through.
        moved = {"secret": value, "base_url": "https://other.openai.azure.com"}
        _refused(api.patch(f"/api/model-keys/{key['id']}", json=moved), "secret", value)
        assert ok(api.get(f"/api/model-keys/{key['id']}")) == key
        assert [k["id"] for k in ok(api.get("/api/model-keys"))] == [key["id"]]


@pytest.mark.parametrize("value", BAD_HEADER_VALUES)
def test_organization_with_control_characters_is_refused(ws: Workspace, value: str) -> None:
    key = _key(ws)
    with ws.owner() as api:
        body = {**AZURE, "organization": value}
        _refused(api.post("/api/model-keys", json=body), "organization")
        patch = {"organization": value, "name": "renamed"}
        _refused(api.patch(f"/api/model-keys/{key['id']}", json=patch), "organization")
        assert ok(api.get(f"/api/model-keys/{key['id']}")) == key
        assert [k["id"] for k in ok(api.get("/api/model-keys"))] == [key["id"]]


@pytest.mark.parametrize("value", BAD_API_VERSIONS)
def test_api_version_with_control_or_url_characters_is_refused(ws: Workspace, value: str) -> None:
    key = _key(ws)
    with ws.owner() as api:
        _refused(api.post("/api/model-keys", json={**AZURE, "api_version": value}), "api_version")
        patch = {"api_version": value, "name": "renamed"}
        _refused(api.patch(f"/api/model-keys/{key['id']}", json=patch), "api_version")
        assert ok(api.get(f"/api/model-keys/{key['id']}")) == key
        assert [k["id"] for k in ok(api.get("/api/model-keys"))] == [key["id"]]


def _deployment(ws: Workspace) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    model = create(ws, {**MANUAL_COMPLETION, "provider": "openai"})
    key = _key(ws, {"name": "OpenAI", "provider": "openai", "secret": SECRET})
    with ws.owner() as api:
        dep = ok(
            api.post(
                f"/api/models/{model['id']}/deployments",
                json={"key_id": key["id"], "model_identifier": "gpt-x", "tpm_limit": 1000},
            ),
            201,
        )
    return model, key, dep


@pytest.mark.parametrize("value", BAD_IDENTIFIERS)
def test_model_identifier_unsafe_in_a_url_path_is_refused(ws: Workspace, value: str) -> None:
    model, key, dep = _deployment(ws)
    url = f"/api/models/{model['id']}/deployments"
    with ws.owner() as api:
        _refused(
            api.post(url, json={"key_id": key["id"], "model_identifier": value}), "model_identifier"
        )
        patch = {"model_identifier": value, "tpm_limit": 5}
        _refused(api.patch(f"/api/deployments/{dep['id']}", json=patch), "model_identifier")
        assert ok(api.get(url)) == [dep]


def test_real_model_identifiers_are_accepted(ws: Workspace) -> None:
    model, key, dep = _deployment(ws)
    url = f"/api/models/{model['id']}/deployments"
    with ws.owner() as api:
        for value in GOOD_IDENTIFIERS:
            made = ok(api.post(url, json={"key_id": key["id"], "model_identifier": value}), 201)
            assert made["model_identifier"] == value
            changed = ok(
                api.patch(f"/api/deployments/{dep['id']}", json={"model_identifier": value})
            )
            assert changed["model_identifier"] == value
