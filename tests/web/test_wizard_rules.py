"""The wizard's rules over plain HTTP (issue 16, items 2-4): every step is a page (GET of each
step URL shows the draft; a reload never re-runs the live test), a draft is saved at most once
(Back + Save shows the saved model), the same name asks first (wizard and API), and a model
whose last test failed is published only with an audited reason (wizard, API, models page).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from modelyard.testing import FakeProvider
from tests.web.conftest import WebWorkspace
from tests.web.helpers import api_create, api_get, csrf_of, sign_in
from tests.web.wizard_steps import FormWalk

pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)
SECRET = "sk-rules-secret-5566"


@pytest.fixture
def admin(web_ws: WebWorkspace) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=web_ws.base_url, timeout=30) as client:
        sign_in(client, web_ws.owner_email)
        yield client


def new_key(fake: FakeProvider, identifier: str, name: str = "Main") -> dict[str, str]:
    return {
        "key_id": "new",
        "key.name": name,
        "key.provider": "openai",
        "key.secret": SECRET,
        "key.base_url": fake.url + "/v1",
        "model_identifier": identifier,
    }


def to_review(
    walk: FormWalk, model: dict[str, str], deployment: dict[str, str], catalog_id: str
) -> None:
    walk.post("/select", {"kind": walk.kind, "catalog_id": catalog_id})
    walk.post("/model", model)
    walk.post("/deployment", deployment)
    walk.post("/test", {"go": "run"})
    walk.post("/test", {"go": "next"})
    assert "Step 5 of 5: Review and save" in walk.html


def chat_calls(fake: FakeProvider) -> int:
    return sum(1 for r in fake.requests() if r["path"].endswith("/chat/completions"))


def audit(web_ws: WebWorkspace, action: str) -> list[dict[str, Any]]:
    body = api_get(web_ws.ws, f"/api/audit?action={action}")
    entries: list[dict[str, Any]] = body["entries"] if isinstance(body, dict) else body
    return entries


def test_every_step_url_shows_the_draft_and_a_reload_never_reruns_the_test(
    admin: httpx.Client, web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    walk = FormWalk(admin, "completion")
    walk.post("/select", {"kind": "completion", "catalog_id": "openai/gpt-4o"})
    assert walk.url.endswith("/model")  # a redirect to the step's own page
    walk.get("/review")  # a pasted URL of a step not reached yet goes where the draft is
    assert walk.url.endswith("/model") and "Step 2 of 5" in walk.html

    walk.post("/model", {"region": "EU", "premium": "on"})
    assert walk.url.endswith("/deployment") and "Step 3 of 5" in walk.html
    walk.get("/model")  # Back, reload or a restored tab: the step with what was typed
    assert "Step 2 of 5: Configure your model" in walk.html
    assert '<option value="EU" selected>' in walk.html
    assert 'name="premium" checked' in walk.html

    walk.post("/deployment", {**new_key(fake, "gpt-4o"), "tpm_limit": "5000"})
    walk.get("/deployment")
    assert 'value="5000"' in walk.html and "…5566" in walk.html and SECRET not in walk.html

    fake.clear()
    walk.post("/test", {"go": "run"})
    assert walk.url.endswith("/test") and "Test passed" in walk.html
    ran = chat_calls(fake)
    assert ran >= 1
    for _ in range(2):  # F5 on the result: a GET, shown from the draft, nothing sent upstream
        walk.get("/test")
        assert "Test passed" in walk.html
    assert chat_calls(fake) == ran

    walk.post("/test", {"go": "next"})
    walk.get("/review")
    assert "Step 5 of 5: Review and save" in walk.html and "Test passed" in walk.html
    assert api_get(web_ws.ws, "/api/models") == []


def test_back_and_save_again_shows_the_saved_model_instead_of_a_second(
    admin: httpx.Client, web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    walk = FormWalk(admin, "completion")
    to_review(walk, {"region": "EU"}, new_key(fake, "gpt-4o"), "openai/gpt-4o")
    review = walk.draft_url + "/review"
    walk.post("/review", {"go": "save"})
    saved = api_get(web_ws.ws, "/api/models")
    assert len(saved) == 1 and saved[0]["region"] == "EU"  # a catalog model marked EU
    assert walk.url.endswith(f"/settings/models#model-{saved[0]['id']}")

    # Browser Back shows the review page again; it says the draft is saved ...
    page = admin.get(review)
    assert page.status_code == 200 and "has been saved already" in page.text
    assert f"#model-{saved[0]['id']}" in page.text
    # ... and Save again (or a re-post from any step) goes to the same model, making nothing.
    again = admin.post(review, data={"csrf": csrf_of(page.text), "go": "save"})
    assert again.status_code == 303
    assert again.headers["location"] == f"/settings/models#model-{saved[0]['id']}"
    walk.post("/deployment", new_key(fake, "gpt-4o"))
    assert walk.url.endswith(f"#model-{saved[0]['id']}")
    assert len(api_get(web_ws.ws, "/api/models")) == 1
    assert len(api_get(web_ws.ws, "/api/model-keys")) == 1


def test_the_same_model_or_key_name_asks_first(
    admin: httpx.Client, web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    first = FormWalk(admin, "completion")
    to_review(first, {}, new_key(fake, "gpt-4o"), "openai/gpt-4o")
    first.post("/review", {"go": "save"})

    walk = FormWalk(admin, "completion")
    assert "Already added" in walk.html  # the picker marks it
    walk.post("/select", {"kind": "completion", "catalog_id": "openai/gpt-4o"})
    assert "This model is already in your workspace" in walk.html  # said before typing
    walk.post("/model", {"region": "EU"}, status=409)
    assert walk.error_of("f-confirm_duplicate").startswith(
        "This workspace already has this model (listed above). Tick the box"
    )
    assert "GPT-4o (<code>gpt-4o</code>" in walk.html  # the one it already has
    walk.post("/model", {"region": "EU", "confirm_duplicate": "on"})
    assert "Step 3 of 5" in walk.html

    walk.post("/deployment", new_key(fake, "gpt-4o", name=" main "), status=409)
    assert "A model key of this name already exists" in walk.error_of("f-confirm_duplicate_key")
    walk.post("/deployment", {**new_key(fake, "gpt-4o", " main "), "confirm_duplicate_key": "on"})
    walk.post("/test", {"go": "run"})
    walk.post("/test", {"go": "next"})
    walk.post("/review", {"go": "save"})
    slugs = sorted(m["slug"] for m in api_get(web_ws.ws, "/api/models"))
    assert slugs == ["gpt-4o", "gpt-4o-2"]  # unique, and readable
    assert len(api_get(web_ws.ws, "/api/model-keys")) == 2

    # The API asks too when the caller opts in; without it, it works as it always did.
    body = {"kind": "completion", "catalog_id": "openai/gpt-4o"}
    with web_ws.ws.owner() as api:
        refused = api.post("/api/models?duplicates=ask", json=body)
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "duplicate_model"
        assert refused.json()["error"]["param"] == "confirm_duplicate"
        key = {"name": "MAIN", "provider": "openai", "secret": SECRET}
        refused = api.post("/api/model-keys?duplicates=ask", json=key)
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "duplicate_key_name"
        assert api.post("/api/models", json=body).status_code == 201
    assert len(api_get(web_ws.ws, "/api/models")) == 3


def test_a_failed_test_blocks_publishing_unless_an_audited_reason_is_given(
    admin: httpx.Client, web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    walk = FormWalk(admin, "completion")
    to_review(walk, {"visible": "on"}, new_key(fake, "fail-401-gpt-4o"), "openai/gpt-4o")
    assert "Test failed" in walk.html
    assert "The provider refused the key" in walk.html  # in words, with the fix
    assert "Check the key&#39;s secret" in walk.html
    assert "Publish although the test failed?" in walk.html
    walk.post("/review", {"go": "save"}, status=409)
    assert "cannot be made visible" in walk.error_of("f-publish_override")
    assert api_get(web_ws.ws, "/api/models") == []  # nothing half-written
    walk.post("/review", {"go": "save", "publish_override": "Demo for the board, key fixed"})
    (published,) = api_get(web_ws.ws, "/api/models")
    assert published["visible"] is True
    (entry,) = audit(web_ws, "model.publish_override")
    assert "Demo for the board, key fixed" in str(entry)

    # Saved hidden, the failed test is kept: the API and the models page refuse to show it.
    walk = FormWalk(admin, "image")
    to_review(walk, {}, new_key(fake, "fail-401-img", "Img"), "openai/gpt-image-1")
    walk.post("/review", {"go": "save"})
    hidden = next(m for m in api_get(web_ws.ws, "/api/models") if m["kind"] == "image")
    assert hidden["visible"] is False
    with web_ws.ws.owner() as api:
        refused = api.patch(f"/api/models/{hidden['id']}", json={"visible": True})
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "failed_test"
    page = admin.get("/settings/models")
    toggle = {"csrf": csrf_of(page.text), "field": "visible", "value": "on"}
    shown = admin.post(f"/settings/models/{hidden['id']}/toggle", data=toggle)
    assert shown.status_code == 409 and "cannot be made visible" in shown.text
    assert api_get(web_ws.ws, f"/api/models/{hidden['id']}")["visible"] is False

    # A test that passes (the deployment fixed) makes it publishable without a reason.
    deployment_id = hidden["deployments"][0]["id"]
    with web_ws.ws.owner() as api:
        fixed = {"model_identifier": "gpt-image-1"}
        assert api.patch(f"/api/deployments/{deployment_id}", json=fixed).status_code == 200
        tested = api.post(f"/api/models/{hidden['id']}/test")
        assert tested.status_code == 200 and tested.json()["ok"] is True
        assert api.patch(f"/api/models/{hidden['id']}", json={"visible": True}).status_code == 200


def test_never_tested_models_stay_publishable_and_the_api_override_is_audited(
    web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    body = {
        "kind": "completion",
        "provider": "openai",
        "provider_model_name": "acme-1",
        "context_window": 8000,
        "max_output_tokens": 1000,
    }
    model = api_create(web_ws.ws, "/api/models", body)
    key = api_create(
        web_ws.ws,
        "/api/model-keys",
        {"name": "K", "provider": "openai", "secret": SECRET, "base_url": fake.url + "/v1"},
    )
    dep = {"key_id": key["id"], "model_identifier": "fail-500-acme-1"}
    api_create(web_ws.ws, f"/api/models/{model['id']}/deployments", dep)
    with web_ws.ws.owner() as api:
        path = f"/api/models/{model['id']}"
        assert api.patch(path, json={"visible": True}).status_code == 200  # no test yet
        assert api.patch(path, json={"visible": False}).status_code == 200
        assert api.post(path + "/test").json()["ok"] is False
        assert api.patch(path, json={"visible": True}).status_code == 409
        allowed = api.patch(path + "?publish_override=Known+outage", json={"visible": True})
        assert allowed.status_code == 200 and allowed.json()["visible"] is True
    (entry,) = audit(web_ws, "model.publish_override")
    assert "Known outage" in str(entry)


def test_the_embedding_test_compares_dimensions_with_the_catalog(
    admin: httpx.Client, web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    walk = FormWalk(admin, "embedding")
    walk.post("/select", {"kind": "embedding", "catalog_id": "openai/text-embedding-3-small"})
    walk.post("/model", {})
    walk.post("/deployment", new_key(fake, "text-embedding-3-small-256"))
    walk.post("/test", {"go": "run"})
    assert "Test failed" in walk.html
    assert "The provider returned vectors of 256 dimensions; the catalog says 1536." in walk.html
    walk.post("/deployment", new_key(fake, "text-embedding-3-small-1536"))
    walk.post("/test", {"go": "run"})
    assert "Test passed" in walk.html and "Test failed" not in walk.html
