"""Deployments (key + identifier + TPM) and ordered fallback chains."""

from __future__ import annotations

from typing import Any

from tests.admin_api.test_models import MANUAL_COMPLETION, MANUAL_EMBEDDING, MANUAL_IMAGE, create
from tests.support import Workspace, error_of, ok


def key(ws: Workspace, provider: str = "openai", **extra: Any) -> dict[str, Any]:
    body = {"name": f"{provider} key", "provider": provider, "secret": "sk-abcdefgh"} | extra
    with ws.owner() as api:
        return ok(api.post("/api/model-keys", json=body), 201)


def test_deployment_lifecycle(ws: Workspace) -> None:
    model = create(ws, {**MANUAL_COMPLETION, "provider": "openai"})
    k = key(ws)
    with ws.owner() as api:
        dep = ok(
            api.post(
                f"/api/models/{model['id']}/deployments",
                json={"key_id": k["id"], "model_identifier": "gpt-x-eu", "tpm_limit": 100000},
            ),
            201,
        )
        assert (dep["key_id"], dep["model_identifier"], dep["tpm_limit"]) == (
            k["id"],
            "gpt-x-eu",
            100000,
        )
        assert dep["provider"] == "openai" and dep["key_name"] == "openai key"
        listed = ok(api.get(f"/api/models/{model['id']}/deployments"))
        assert [d["id"] for d in listed] == [dep["id"]]
        shown = ok(api.get(f"/api/models/{model['id']}"))
        assert shown["deployments"] == listed
        assert "No deployment" not in " ".join(shown["warnings"])
        changed = ok(api.patch(f"/api/deployments/{dep['id']}", json={"tpm_limit": None}))
        assert changed["tpm_limit"] is None and changed["model_identifier"] == "gpt-x-eu"
        changed = ok(api.patch(f"/api/deployments/{dep['id']}", json={"model_identifier": "gpt-y"}))
        assert changed["model_identifier"] == "gpt-y"
        ok(api.delete(f"/api/deployments/{dep['id']}"), 204)
        assert ok(api.get(f"/api/models/{model['id']}/deployments")) == []


def test_deployment_rules(ws: Workspace) -> None:
    model = create(ws, {**MANUAL_COMPLETION, "provider": "openai"})
    embedding = create(ws, MANUAL_EMBEDDING)
    anthropic = key(ws, "anthropic")
    openai = key(ws)
    mistral = key(ws, "mistral")
    url = f"/api/models/{model['id']}/deployments"
    with ws.owner() as api:
        for body, status, field in [
            ({"key_id": openai["id"], "model_identifier": "x", "tpm_limit": 0}, 422, "tpm_limit"),
            ({"key_id": openai["id"], "model_identifier": "x", "tpm_limit": -5}, 422, "tpm_limit"),
            ({"key_id": openai["id"], "model_identifier": "x", "tpm_limit": 1.5}, 422, "tpm_limit"),
            ({"key_id": openai["id"], "model_identifier": ""}, 422, "model_identifier"),
            ({"key_id": openai["id"]}, 422, "model_identifier"),
            ({"model_identifier": "x"}, 422, "key_id"),
            ({"key_id": "key_missing", "model_identifier": "x"}, 404, "key_id"),
            ({"key_id": anthropic["id"], "model_identifier": "x"}, 422, "key_id"),
        ]:
            error = error_of(api.post(url, json=body), status)
            assert error["param"] == field, (body, error)
        assert ok(api.get(url)) == []
        # Embeddings take no TPM limit (the product document offers none for them).
        error = error_of(
            api.post(
                f"/api/models/{embedding['id']}/deployments",
                json={
                    "key_id": mistral["id"],
                    "model_identifier": "mistral-embed",
                    "tpm_limit": 10,
                },
            ),
            422,
        )
        assert error["param"] == "tpm_limit"
        ok(
            api.post(
                f"/api/models/{embedding['id']}/deployments",
                json={"key_id": mistral["id"], "model_identifier": "mistral-embed"},
            ),
            201,
        )
        error_of(
            api.post(
                "/api/models/mdl_missing/deployments",
                json={"key_id": openai["id"], "model_identifier": "x"},
            ),
            404,
        )


def test_azure_key_serves_openai_models(ws: Workspace) -> None:
    model = create(ws, {**MANUAL_COMPLETION, "provider": "openai"})
    azure = key(
        ws, "azure", base_url="https://example-resource.openai.azure.com", api_version="2024-10-21"
    )
    with ws.owner() as api:
        dep = ok(
            api.post(
                f"/api/models/{model['id']}/deployments",
                json={"key_id": azure["id"], "model_identifier": "my-gpt"},
            ),
            201,
        )
    assert dep["provider"] == "azure"


def test_fallback_chain(ws: Workspace) -> None:
    a = create(ws, {**MANUAL_COMPLETION, "slug": "a"})
    b = create(ws, {**MANUAL_COMPLETION, "slug": "b"})
    c = create(ws, {**MANUAL_COMPLETION, "slug": "c"})
    image = create(ws, MANUAL_IMAGE)
    with ws.owner() as api:
        chain = ok(
            api.put(f"/api/models/{a['id']}/fallbacks", json={"fallbacks": [c["id"], b["id"]]})
        )
        assert [f["slug"] for f in chain["fallbacks"]] == ["c", "b"]
        assert [f["slug"] for f in ok(api.get(f"/api/models/{a['id']}"))["fallbacks"]] == ["c", "b"]
        ok(api.put(f"/api/models/{b['id']}/fallbacks", json={"fallbacks": [c["id"]]}))
        for fallbacks, field, code in [
            ([a["id"]], "fallbacks[0]", "self"),
            ([b["id"], b["id"]], "fallbacks[1]", "duplicate"),
            ([image["id"]], "fallbacks[0]", "kind_mismatch"),
        ]:
            error = error_of(
                api.put(f"/api/models/{a['id']}/fallbacks", json={"fallbacks": fallbacks}), 422
            )
            assert (error["param"], error["code"]) == (field, code)
        error = error_of(
            api.put(f"/api/models/{a['id']}/fallbacks", json={"fallbacks": ["mdl_nope"]}), 404
        )
        # c -> a would close the cycle a -> c; and c -> b -> c... b already falls back to c.
        error = error_of(
            api.put(f"/api/models/{c['id']}/fallbacks", json={"fallbacks": [a["id"]]}), 422
        )
        assert error["code"] == "cycle"
        error = error_of(
            api.put(f"/api/models/{c['id']}/fallbacks", json={"fallbacks": [b["id"]]}), 422
        )
        assert error["code"] == "cycle"
        # The failed attempts changed nothing.
        assert [f["slug"] for f in ok(api.get(f"/api/models/{a['id']}"))["fallbacks"]] == ["c", "b"]
        error = error_of(api.delete(f"/api/models/{c['id']}"), 409)
        assert "a" in error["message"] and "b" in error["message"]
        ok(api.put(f"/api/models/{a['id']}/fallbacks", json={"fallbacks": []}))
        assert ok(api.get(f"/api/models/{a['id']}"))["fallbacks"] == []


def test_deleting_one_deployment_several_times_at_once_is_one_204_and_404s(ws: Workspace) -> None:
    """The fuzz run found it: a second concurrent deletion removed 0 rows through the ORM."""
    from concurrent.futures import ThreadPoolExecutor

    model = create(ws, {**MANUAL_COMPLETION, "provider": "openai"})
    k = key(ws)
    for _round in range(5):
        with ws.owner() as api:
            body = {"key_id": k["id"], "model_identifier": "gpt-x"}
            dep = ok(api.post(f"/api/models/{model['id']}/deployments", json=body), 201)

        def remove(_: int, dep_id: str = dep["id"]) -> int:
            with ws.owner() as api:
                return api.delete(f"/api/deployments/{dep_id}").status_code

        with ThreadPoolExecutor(4) as pool:
            statuses = sorted(pool.map(remove, range(4)))
        assert statuses == [204, 404, 404, 404], statuses
    with ws.owner() as api:
        assert ok(api.get(f"/api/models/{model['id']}/deployments")) == []
