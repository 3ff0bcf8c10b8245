"""Settings -> Knowledge in headless Chromium, against embedding models on the fake provider.

The fake embeds a text ``vec:x,y`` to exactly that vector, so against the query ``vec:1,0`` a
document whose only chunk is ``vec:0.8,0.6`` scores exactly 0.8 (see ``tests/knowledge``).
"""

from __future__ import annotations

import math
import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Locator, Page, Response, expect

from modelyard.knowledge.uploads import MAX_DOCUMENT_BYTES, too_large
from modelyard.testing import FakeProvider
from tests.knowledge import add_text, embedding_model, names, new_collection, search, unique
from tests.support import ok
from tests.usage import stored_rows
from tests.web.conftest import WebWorkspace, screenshot
from tests.web.design_steps import confirm
from tests.web.helpers import api_get
from tests.web.helpers import sign_in as web_sign_in
from tests.web.test_pages import sign_in

pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)

# name -> (media type, text); each is one chunk scoring its first component against "vec:1,0".
DOCUMENTS = {
    "exact.md": ("text/markdown", "vec:1,0"),
    "close.md": ("text/markdown", "vec:0.8,0.6"),
    "middle.txt": ("text/plain", "vec:0.6,0.8"),
    "far.md": ("text/markdown", "vec:0.28,0.96"),
}


def _upload(page: Page, name: str, media_type: str, data: bytes) -> Response:
    form = page.locator("#upload-document")
    form.get_by_label("File").set_input_files(
        {"name": name, "mimeType": media_type, "buffer": data}
    )
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        form.get_by_role("button", name="Upload document").click()
    page.wait_for_load_state()
    return answer.value


def _search(page: Page, query: str, threshold: str = "") -> Locator:
    form = page.locator("#search-form")
    form.get_by_label("Query").fill(query)
    form.get_by_label("Threshold (optional)").fill(threshold)
    form.get_by_role("button", name="Search").click()
    return page.locator("#search-results")


def _hits(page: Page) -> list[tuple[str, float]]:
    found: list[list[Any]] = page.locator("#search-results li.kb-hit").evaluate_all(
        "items => items.map(li => [li.dataset.document, li.dataset.score])"
    )
    return [(name, float(score)) for name, score in found]


def _api_hits(result: dict[str, Any]) -> list[tuple[str, float]]:
    return [(hit["document_name"], hit["score"]) for hit in result["results"]]


def test_create_upload_and_search_with_the_threshold(
    page: Page, web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    model = embedding_model(web_ws.ws, fake, identifier=unique("embed-8"))
    sign_in(page, web_ws, web_ws.owner_email)
    page.get_by_role("link", name="Settings: Knowledge").click()
    expect(page.get_by_role("heading", name="Workspace settings: Knowledge")).to_be_visible()
    expect(page.get_by_text("No knowledge collections yet.")).to_be_visible()
    form = page.locator("#create-collection")
    form.get_by_label("Embedding model").select_option(model["id"])
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        form.get_by_role("button", name="Create collection").click()
    assert answer.value.status == 422
    expect(page.locator("#create-name-error")).to_have_text("This field is required.")
    assert api_get(web_ws.ws, "/api/knowledge") == []
    form.get_by_label("Name").fill("Handbook")
    form.get_by_label("Embedding model").select_option(model["id"])
    form.get_by_role("button", name="Create collection").click()
    expect(page.get_by_role("status")).to_have_text("Collection created.")
    expect(page.get_by_role("heading", name="Knowledge collection: Handbook")).to_be_visible()
    [collection] = api_get(web_ws.ws, "/api/knowledge")
    assert (collection["name"], collection["embedding_model_id"]) == ("Handbook", model["id"])
    assert page.url.endswith(f"/settings/knowledge/{collection['id']}?done=created")

    for name, (media_type, text) in DOCUMENTS.items():
        assert _upload(page, name, media_type, text.encode()).status == 303
        expect(page.get_by_role("status")).to_have_text("Document added.")
        expect(page.locator(f"tr[data-name='{name}'] [data-field=chunks]")).to_have_text("1")
    documents = api_get(web_ws.ws, f"/api/knowledge/{collection['id']}/documents")
    assert {d["name"]: d["media_type"] for d in documents} == {
        name: media_type for name, (media_type, _text) in DOCUMENTS.items()
    }
    facts = page.locator("#collection-facts")
    expect(facts.locator("[data-field=documents]")).to_have_text("4")
    expect(facts.locator("[data-field=dimensions]")).to_have_text("8")
    expect(facts.locator("[data-field=threshold]")).to_have_text("0.5")

    results = _search(page, "vec:1,0")
    expect(results.locator("[data-field=threshold_used]")).to_have_text("0.5")
    hits = _hits(page)
    assert [name for name, _score in hits] == ["exact.md", "close.md", "middle.txt"]
    assert all(
        math.isclose(score, want, abs_tol=1e-5)
        for (_name, score), want in zip(hits, [1, 0.8, 0.6], strict=True)
    )
    expect(results.locator("li.kb-hit").nth(1)).to_contain_text("Source: close.md")
    expect(results.locator("li.kb-hit").nth(1).locator("pre.kb-chunk")).to_have_text("vec:0.8,0.6")
    with web_ws.ws.owner() as api:
        assert hits == _api_hits(search(api, collection["id"], "vec:1,0"))
    screenshot(page, "knowledge-search")

    results = _search(page, "vec:1,0", "0.7")
    expect(results.locator("[data-field=threshold_used]")).to_have_text("0.7")
    expect(results).to_contain_text("raised from the model's 0.5")
    assert [name for name, _score in _hits(page)] == ["exact.md", "close.md"]
    expect(page.locator("#search-threshold")).to_have_value("0.7")
    screenshot(page, "knowledge-search-raised")

    results = _search(page, "vec:1,0", "0.1")  # may not lower it
    expect(results.locator("[data-field=threshold_used]")).to_have_text("0.5")
    assert [name for name, _score in _hits(page)] == ["exact.md", "close.md", "middle.txt"]

    # The model's own threshold applies at once.
    with web_ws.ws.owner() as api:
        ok(api.patch(f"/api/models/{model['id']}", json={"similarity_threshold": 0.9}))
    results = _search(page, "vec:1,0")
    expect(results.locator("[data-field=threshold_used]")).to_have_text("0.9")
    assert [name for name, _score in _hits(page)] == ["exact.md"]

    page.locator("tr[data-name='exact.md']").get_by_role("button", name="Delete exact.md").click()
    confirm(page)  # ui.js asks before a destructive button's form is sent
    expect(page.get_by_role("status")).to_have_text("Document deleted.")
    expect(page.locator("tr[data-name='exact.md']")).to_have_count(0)
    assert len(api_get(web_ws.ws, f"/api/knowledge/{collection['id']}/documents")) == 3

    page.get_by_role("link", name="All collections").click()
    row = page.locator(f"#collection-{collection['id']}")
    expect(row).to_contain_text(model["slug"])
    expect(row.locator("[data-field=documents]")).to_have_text("3")
    expect(row.locator("[data-field=chunks]")).to_have_text("3")
    screenshot(page, "knowledge-collections")


def test_bad_uploads_and_searches_show_the_servers_message(
    page: Page, web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    model = embedding_model(web_ws.ws, fake, identifier=unique("embed-8"))
    with web_ws.ws.owner() as api:
        collection = new_collection(api, model["id"])
        url = f"/api/knowledge/{collection['id']}/documents"
        pdf = api.post(url, files={"file": ("report.pdf", b"%PDF-1.7 \x00\x01", "application/pdf")})
        binary = api.post(url, files={"file": ("notes.txt", b"ab\x00cd", "text/plain")})
    assert (pdf.status_code, binary.status_code) == (415, 422)
    sign_in(page, web_ws, web_ws.owner_email)
    page.goto(f"{web_ws.base_url}/settings/knowledge/{collection['id']}")

    assert _upload(page, "report.pdf", "application/pdf", b"%PDF-1.7 \x00\x01").status == 415
    expect(page.locator("#upload-file-error")).to_have_text(pdf.json()["error"]["message"])
    expect(page.get_by_label("File")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "knowledge-upload-refused")
    assert _upload(page, "notes.txt", "text/plain", b"ab\x00cd").status == 422
    expect(page.locator("#upload-file-error")).to_have_text(binary.json()["error"]["message"])
    big = b"a" * (MAX_DOCUMENT_BYTES + 1)
    assert _upload(page, "big.md", "text/markdown", big).status == 413
    expect(page.locator("#upload-file-error")).to_have_text(too_large(len(big)).message)
    expect(page.get_by_text("No documents yet.")).to_be_visible()
    assert api_get(web_ws.ws, url) == []
    info = api_get(web_ws.ws, f"/api/knowledge/{collection['id']}")
    assert (info["documents"], info["chunks"], info["dimensions"]) == (0, 0, None)
    assert stored_rows(web_ws.ws.server, workspace_id=web_ws.ws.id, model_id=model["id"]) == []

    form = page.locator("#search-form")
    form.get_by_label("Query").fill("")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        form.get_by_role("button", name="Search").click()
    assert answer.value.status == 422
    expect(page.locator("#search-query-error")).to_have_text("This field is required.")
    form.get_by_label("Query").fill("vec:1,0")
    form.get_by_label("Results (at most)").fill("0")
    form.evaluate("f => { f.noValidate = true; }")  # past the browser's own min="1" check
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        form.get_by_role("button", name="Search").click()
    assert answer.value.status == 422
    with web_ws.ws.owner() as api:
        body = {"query": "vec:1,0", "top_k": 0}
        refused = api.post(f"/api/knowledge/{collection['id']}/search", json=body)
    # The schema's own rule, worded for admins with the field's label (web/friendly_errors).
    shown = page.locator("#search-top_k-error")
    expect(shown).to_have_text("Results (at most) must be greater than 0.")
    assert refused.json()["error"]["message"].endswith("Input should be greater than 0")
    expect(form.get_by_label("Query")).to_have_value("vec:1,0")


def test_changing_the_model_refuses_another_vector_size_unless_reindexed(
    page: Page, web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    old = embedding_model(web_ws.ws, fake, identifier=unique("embed-8"))
    new = embedding_model(web_ws.ws, fake, identifier=unique("embed-16"))
    with web_ws.ws.owner() as api:
        collection = new_collection(api, old["id"])
        for name, (_media_type, text) in DOCUMENTS.items():
            add_text(api, collection["id"], name, text)
        refusal = api.patch(
            f"/api/knowledge/{collection['id']}", json={"embedding_model_id": new["id"]}
        )
    assert refusal.status_code == 422
    sign_in(page, web_ws, web_ws.owner_email)
    page.goto(f"{web_ws.base_url}/settings/knowledge/{collection['id']}")
    form = page.locator("#change-model")
    form.get_by_label("Embedding model").select_option(new["id"])
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        form.get_by_role("button", name="Change embedding model").click()
    assert answer.value.status == 422
    error = page.locator("#model-embedding_model_id-error")
    expect(error).to_have_text(refusal.json()["error"]["message"])
    expect(error).to_contain_text("16-dimensional")
    screenshot(page, "knowledge-model-refused")
    unchanged = api_get(web_ws.ws, f"/api/knowledge/{collection['id']}")
    assert unchanged["embedding_model_id"] == old["id"]

    form.get_by_label("Embedding model").select_option(new["id"])
    form.get_by_label(re.compile("^Re-index")).check()
    form.get_by_role("button", name="Change embedding model").click()
    expect(page.get_by_role("status")).to_contain_text("Embedding model changed")
    expect(page.locator("#collection-facts [data-field=dimensions]")).to_have_text("16")
    expect(page.locator("#collection-facts [data-field=model]")).to_contain_text(new["slug"])
    _search(page, "vec:1,0")
    assert [name for name, _score in _hits(page)] == ["exact.md", "close.md", "middle.txt"]
    with web_ws.ws.owner() as api:
        assert names(search(api, collection["id"], "vec:1,0")) == [
            name for name, _score in _hits(page)
        ]


def test_members_are_refused(page: Page, web_ws: WebWorkspace) -> None:
    sign_in(page, web_ws, web_ws.member_email)
    expect(page.get_by_role("link", name="Settings: Knowledge")).to_have_count(0)
    response = page.goto(web_ws.base_url + "/settings/knowledge")
    assert response is not None and response.status == 403


def test_an_upload_without_the_csrf_token_stores_nothing(
    web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    model = embedding_model(web_ws.ws, fake, identifier=unique("embed-8"))
    with web_ws.ws.owner() as api:
        collection = new_collection(api, model["id"])
    path = f"/settings/knowledge/{collection['id']}/documents"
    with httpx.Client(base_url=web_ws.base_url) as browser:
        assert web_sign_in(browser, web_ws.owner_email).status_code == 303
        good = ("a.md", b"vec:1,0", "text/markdown")
        for data in ({}, {"csrf": "forged"}):
            answer = browser.post(path, data=data, files={"file": good})
            assert answer.status_code == 403 and "CSRF" in answer.text
    assert api_get(web_ws.ws, f"/api/knowledge/{collection['id']}/documents") == []
    assert stored_rows(web_ws.ws.server, workspace_id=web_ws.ws.id, model_id=model["id"]) == []
