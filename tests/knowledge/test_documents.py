"""Uploads: JSON and multipart, and bad ones refused with a clear status and nothing stored."""

from __future__ import annotations

from typing import Any

import httpx

from modelyard.knowledge.uploads import MAX_DOCUMENT_BYTES
from modelyard.testing import FakeProvider
from tests.knowledge import add_text, embedding_model, new_collection, search, unique
from tests.support import Workspace, error_of, ok
from tests.usage import stored_rows

TOO_BIG = "a" * (MAX_DOCUMENT_BYTES + 1)

MEDIA, LARGE = (415, "unsupported_media_type"), (413, "document_too_large")
EMPTY, UNDECODABLE = (422, "empty_document"), (422, "undecodable_text")
PDF = ("a.pdf", b"%PDF-1.7", "application/pdf")
BAD_UPLOADS: list[tuple[dict[str, Any], tuple[int, str]]] = [
    ({"json": {"name": "a.pdf", "text": "x", "media_type": "application/pdf"}}, MEDIA),
    ({"files": {"file": PDF}}, MEDIA),
    ({"files": {"file": ("a.bin", b"data", "application/octet-stream")}}, MEDIA),
    ({"content": b"<doc/>", "headers": {"content-type": "text/xml"}}, MEDIA),
    ({"json": {"name": "big.txt", "text": TOO_BIG}}, LARGE),
    ({"files": {"file": ("big.txt", TOO_BIG.encode(), "text/plain")}}, LARGE),
    ({"json": {"name": "e.txt", "text": " \n\n "}}, EMPTY),
    ({"files": {"file": ("e.md", b"", "text/markdown")}}, EMPTY),
    ({"files": {"file": ("l.txt", b"caf\xe9 \xff\xfe", "text/plain")}}, UNDECODABLE),
    ({"files": {"file": ("b.txt", b"ab\x00cd", "text/plain")}}, UNDECODABLE),
]


def _documents(api: httpx.Client, collection_id: str) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = ok(api.get(f"/api/knowledge/{collection_id}/documents"))
    return docs


def test_bad_uploads_are_refused_and_nothing_is_stored(ws: Workspace, fake: FakeProvider) -> None:
    model = embedding_model(ws, fake, identifier="upload-embed-8")
    with ws.owner() as api:
        collection = new_collection(api, model["id"])
        url = f"/api/knowledge/{collection['id']}/documents"
        for request, (status, code) in BAD_UPLOADS:
            error = error_of(api.post(url, **request), status)
            assert error["code"] == code, (request, error)
        error = error_of(api.post(url, json={"text": "no name"}), 422)
        assert error["param"] == "name"
        assert _documents(api, collection["id"]) == []
        info = ok(api.get(f"/api/knowledge/{collection['id']}"))
        assert (info["documents"], info["chunks"], info["dimensions"]) == (0, 0, None)
    # Refused before anything was spent: no embedding call at all.
    assert stored_rows(ws.server, workspace_id=ws.id, model_id=model["id"]) == []


def test_an_upstream_failure_stores_nothing(ws: Workspace, fake: FakeProvider) -> None:
    model = embedding_model(ws, fake, identifier="fail-500")
    with ws.owner() as api:
        collection = new_collection(api, model["id"])
        error = error_of(add_request(api, collection["id"], "vec:1,0"), 502)
        assert error["code"] == "upstream_error"
        assert _documents(api, collection["id"]) == []
    (row,) = stored_rows(ws.server, 1, workspace_id=ws.id, model_id=model["id"])
    assert row.status == 502


def add_request(api: httpx.Client, collection_id: str, text: str) -> httpx.Response:
    body = {"name": "doc.txt", "text": text}
    return api.post(f"/api/knowledge/{collection_id}/documents", json=body)


def test_text_and_markdown_files_are_chunked_and_stored(ws: Workspace, fake: FakeProvider) -> None:
    model = embedding_model(ws, fake)
    markdown = (
        "# Leave\n\n" + "Holidays are booked in the portal. " * 40 + "\n\n# Travel\n\nvec:1,0"
    )
    with ws.owner() as api:
        collection = new_collection(api, model["id"])
        url = f"/api/knowledge/{collection['id']}/documents"
        doc = ok(
            api.post(url, files={"file": ("guide.md", markdown.encode(), "text/markdown")}), 201
        )
        assert (doc["name"], doc["media_type"], doc["size"]) == (
            "guide.md",
            "text/markdown",
            len(markdown),
        )
        # The 1,400-character section needs three chunks of at most 800; "# Travel" starts one.
        assert doc["chunks"] == 4
        plain = ok(
            api.post(
                url,
                data={"name": "Notes"},
                files={"file": ("n.txt", "café".encode("latin-1"), "text/plain; charset=latin-1")},
            ),
            201,
        )
        assert (plain["name"], plain["media_type"], plain["chunks"]) == ("Notes", "text/plain", 1)
        guessed = ok(
            api.post(url, files={"file": ("r.md", b"readme", "application/octet-stream")}), 201
        )
        assert guessed["media_type"] == "text/markdown"
        assert [d["name"] for d in _documents(api, collection["id"])] == [
            "guide.md",
            "Notes",
            "r.md",
        ]
        # The last heading's chunk is "# Travel\n\nvec:1,0": not a pure vector text, so it is
        # found by the hashed vector of that exact text.
        assert search(api, collection["id"], "# Travel\n\nvec:1,0")["results"][0]["score"] > 0.99


def test_only_admins_change_documents(ws: Workspace, fake: FakeProvider) -> None:
    model = embedding_model(ws, fake)
    with ws.owner() as api:
        collection = new_collection(api, model["id"])
        doc = add_text(api, collection["id"], "a.txt", "vec:1,0")
    _user, key = ws.add_user("member")
    with ws.server.client(key) as api:
        url = f"/api/knowledge/{collection['id']}/documents"
        error_of(api.post(url, json={"name": "b.txt", "text": "x"}), 403)
        error_of(api.delete(f"{url}/{doc['id']}"), 403)
        error_of(api.delete(f"/api/knowledge/{collection['id']}"), 403)
        assert [d["id"] for d in _documents(api, collection["id"])] == [doc["id"]]


def test_only_fallbacks_of_the_same_upstream_model_may_embed(
    ws: Workspace, fake: FakeProvider
) -> None:
    """A fallback serving another model would put a second model's vectors in the collection."""
    same = embedding_model(ws, fake, identifier=unique("embed-8"))
    other = embedding_model(ws, fake, identifier=unique("embed-8"))
    primary = embedding_model(ws, fake, identifier="fail-500")  # its deployment always fails
    url = f"/api/models/{primary['id']}"
    with ws.owner() as api:
        ok(api.put(f"{url}/fallbacks", json={"fallbacks": [other["id"]]}))
        collection = new_collection(api, primary["id"])
        error_of(add_request(api, collection["id"], "vec:1,0"), 502)
        ok(api.patch(url, json={"provider_model_name": same["provider_model_name"]}))
        ok(api.put(f"{url}/fallbacks", json={"fallbacks": [other["id"], same["id"]]}))
        doc = ok(add_request(api, collection["id"], "vec:1,0"), 201)
        assert doc["chunks"] == 1
        assert search(api, collection["id"], "vec:1,0")["results"][0]["score"] == 1.0
    (row, *_) = stored_rows(ws.server, 1, workspace_id=ws.id, model_id=same["id"])
    assert row.fallback_path[0].startswith(primary["slug"]) and row.status == 200
    assert row.fallback_path[-1].startswith(same["slug"])
    assert stored_rows(ws.server, workspace_id=ws.id, model_id=other["id"]) == []


def test_deleting_one_document_twice_at_once_is_one_204_and_404s(
    ws: Workspace, fake: FakeProvider
) -> None:
    """The fuzz run found it on PostgreSQL: the second of two concurrent deletions waited on the
    collection's lock, then deleted 0 rows through the ORM, a 500."""
    from concurrent.futures import ThreadPoolExecutor

    model = embedding_model(ws, fake)
    with ws.owner() as api:
        collection = new_collection(api, model["id"])
    url = f"/api/knowledge/{collection['id']}/documents"
    for round_ in range(5):
        with ws.owner() as api:
            doc = add_text(api, collection["id"], f"d{round_}.txt", "vec:1,0")

        def delete(_: int, doc_id: str = doc["id"]) -> int:
            with ws.owner() as api:
                return api.delete(f"{url}/{doc_id}").status_code

        with ThreadPoolExecutor(4) as pool:
            statuses = sorted(pool.map(delete, range(4)))
        assert statuses[0] == 204 and set(statuses[1:]) == {404}, statuses
