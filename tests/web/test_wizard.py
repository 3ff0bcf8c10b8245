"""The "Add custom model" wizard over plain HTTP forms: refused values show the services' own
messages next to their field, on the step where the field is; nothing is written before Save,
and a Save that fails writes nothing at all; secrets never come back in a page.

Runs on both databases: "nothing half-written" is a property of the transaction.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from modelyard.testing import FakeProvider
from tests.web.conftest import WebWorkspace
from tests.web.helpers import api_create, api_get, sign_in
from tests.web.wizard_steps import WIZARD, FormWalk

SECRET = "sk-wizard-secret-7788"


@pytest.fixture
def admin(web_ws: WebWorkspace) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=web_ws.base_url, timeout=30) as client:
        sign_in(client, web_ws.owner_email)
        yield client


def nothing_saved(web_ws: WebWorkspace) -> None:
    assert api_get(web_ws.ws, "/api/models") == []
    assert api_get(web_ws.ws, "/api/model-keys") == []


MANUAL_CHAT = {
    "provider": "openai_compatible",
    "provider_model_name": "acme-chat-1",
    "region": "EU",
    "context_window": "32000",
    "max_output_tokens": "4000",
    "capabilities.temperature": "on",
}


def test_each_step_shows_the_services_messages_and_saves_nothing(
    admin: httpx.Client, web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    walk = FormWalk(admin, "completion")
    walk.post("/select", {"kind": "completion", "catalog_id": ""})
    assert "Step 2 of 5: Configure your model" in walk.html

    bad = {**MANUAL_CHAT, "max_output_tokens": "64000", "description_de": "x" * 151}
    walk.post("/model", bad, status=422)
    assert "Step 2 of 5: Configure your model" in walk.html
    assert walk.error_of("f-description_de") == (
        "Description (German) may have at most 150 characters."
    )
    assert 'value="64000"' in walk.html  # what was typed is kept

    walk.post("/model", {**MANUAL_CHAT, "max_output_tokens": "64000"}, status=422)
    assert walk.error_of("f-max_output_tokens") == (
        "'max_output_tokens' (64000) cannot exceed 'context_window' (32000)."
    )
    walk.post("/model", {**MANUAL_CHAT, "context_window": "lots"}, status=422)
    assert walk.error_of("f-context_window") == "Context window must be a whole number, such as 42."

    walk.post("/model", MANUAL_CHAT)
    assert "Step 3 of 5: Configure your deployment" in walk.html
    assert 'value="acme-chat-1"' in walk.html  # the model identifier starts as the model name
    new_key = {
        "key_id": "new",
        "key.name": "Acme",
        "key.provider": "openai_compatible",
        "key.secret": SECRET,
        "key.base_url": "http://10.1.2.3/v1",
        "model_identifier": "acme-chat-1",
        "tpm_limit": "0",
    }
    walk.post("/deployment", new_key, status=422)
    assert "Step 3 of 5" in walk.html
    assert walk.error_of("f-key-base_url").startswith("base_url host '10.1.2.3' is a private")
    assert SECRET not in walk.html and SECRET[-4:] in walk.html  # only the last 4 are shown

    # The secret typed before is kept (encrypted in the draft) when the field is left empty.
    fixed = {**new_key, "key.base_url": fake.url + "/v1", "key.secret": ""}
    walk.post("/deployment", fixed, status=422)
    assert walk.error_of("f-tpm_limit") == "TPM limit must be greater than 0."
    walk.post("/deployment", {**fixed, "tpm_limit": "", "key.provider": "anthropic"}, status=422)
    assert walk.error_of("f-key-provider") == (
        "Model key 'Acme' is a anthropic key; it cannot serve a openai_compatible model."
    )
    walk.post("/deployment", {**fixed, "tpm_limit": "1000"})
    assert "Step 4 of 5: Test your model" in walk.html
    assert SECRET not in walk.html
    nothing_saved(web_ws)

    walk.post("/test", {"go": "next"}, status=422)
    assert "Run the test before you review the model." in walk.html
    walk.post("/test", {"go": "run"})
    assert "Test passed" in walk.html and SECRET not in walk.html
    nothing_saved(web_ws)  # the test ran on rows that were rolled back
    walk.post("/test", {"go": "next"})
    assert "Step 5 of 5: Review and save" in walk.html
    assert "…7788" in walk.html and SECRET not in walk.html
    nothing_saved(web_ws)


def test_a_save_that_fails_half_way_writes_nothing(
    admin: httpx.Client, web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    key = api_create(
        web_ws.ws,
        "/api/model-keys",
        {"name": "Shared", "provider": "openai", "secret": SECRET, "base_url": fake.url + "/v1"},
    )
    walk = FormWalk(admin, "embedding")
    walk.post("/select", {"kind": "embedding", "catalog_id": "openai/text-embedding-3-small"})
    walk.post("/model", {"visible": "on"})
    deployment = {"key_id": key["id"], "model_identifier": "text-embedding-3-small-1536"}
    walk.post("/deployment", {**deployment, "key.secret": ""})
    walk.post("/test", {"go": "run"})
    assert "Test passed" in walk.html and "A vector of" in walk.html
    walk.post("/test", {"go": "next"})

    # The key goes away before Save: the model is created, then its deployment is refused, and
    # the model must go with it.
    with web_ws.ws.owner() as api:
        assert api.delete(f"/api/model-keys/{key['id']}").status_code == 204
    walk.post("/review", {"go": "save"}, status=422)
    assert "Step 3 of 5: Configure your deployment" in walk.html
    assert walk.error_of("f-key_id") == f"No model key with id '{key['id']}' in this workspace."
    nothing_saved(web_ws)


def test_a_forged_or_foreign_draft_is_refused(admin: httpx.Client, web_ws: WebWorkspace) -> None:
    walk = FormWalk(admin, "image")
    walk.post("/select", {"kind": "image", "catalog_id": "openai/gpt-image-1"})
    mine = walk.draft_url
    walk.draft_url = mine[:-4] + "AAAA"  # a made-up draft id
    walk.post("/model", {}, status=404)
    assert "too old or was not made for you" in walk.html

    with httpx.Client(base_url=web_ws.base_url, timeout=30) as other:
        sign_in(other, web_ws.member_email)
        assert other.get(WIZARD, params={"kind": "image"}).status_code == 403
    promoted_id = api_get(web_ws.ws, "/api/users")
    member = next(u for u in promoted_id if u["email"] == web_ws.member_email)
    with web_ws.ws.owner() as api:
        api.patch(f"/api/users/{member['id']}", json={"role": "admin"}).raise_for_status()
    with httpx.Client(base_url=web_ws.base_url, timeout=30) as other:
        sign_in(other, web_ws.member_email)
        stolen = FormWalk(other, "image")
        stolen.draft_url = mine  # another admin's draft: as unknown as a made-up one
        stolen.get("/model", status=404)
        stolen.post("/model", {}, status=404)
    nothing_saved(web_ws)


def test_unknown_catalog_entry_and_kind(admin: httpx.Client, web_ws: WebWorkspace) -> None:
    assert admin.get(WIZARD, params={"kind": "video"}).status_code == 404
    walk = FormWalk(admin, "image")
    walk.post("/select", {"kind": "image", "catalog_id": "openai/text-embedding-3-small"}, 422)
    assert "is a embedding model, not image" in walk.html
    assert "Step 1 of 5: Select the model" in walk.html
    nothing_saved(web_ws)


def test_a_failing_live_test_shows_the_providers_refusal(
    admin: httpx.Client, web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    walk = FormWalk(admin, "image")
    walk.post("/select", {"kind": "image", "catalog_id": "openai/gpt-image-1"})
    walk.post("/model", {"region": "EU"})
    deployment = {
        "key_id": "new",
        "key.name": "Broken",
        "key.provider": "openai",
        "key.secret": SECRET,
        "key.base_url": fake.url + "/v1",
        "model_identifier": "fail-401-gpt-image-1",
    }
    walk.post("/deployment", deployment)
    walk.post("/test", {"go": "run"})
    assert "Test failed" in walk.html and "401" in walk.html
    assert SECRET not in walk.html
    nothing_saved(web_ws)
