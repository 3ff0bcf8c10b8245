"""Model keys over HTTP: write-only secrets, base URL rules, deletion while in use."""

from __future__ import annotations

from tests.support import Workspace, error_of, ok

SECRET = "sk-test-0123456789abcdefSECRET"


def _key(ws: Workspace, **extra: object) -> dict:
    body = {"name": "OpenAI prod", "provider": "openai", "secret": SECRET} | extra
    with ws.owner() as api:
        return ok(api.post("/api/model-keys", json=body), 201)


def test_create_returns_last4_only(ws: Workspace) -> None:
    key = _key(ws, base_url="http://127.0.0.1:9/v1")
    assert key["secret_last4"] == "CRET"
    assert "secret" not in key
    assert key["base_url"] == "http://127.0.0.1:9/v1"
    with ws.owner() as api:
        listed = ok(api.get("/api/model-keys"))
        fetched = ok(api.get(f"/api/model-keys/{key['id']}"))
    assert [k["id"] for k in listed] == [key["id"]]
    assert fetched["used_by"] == []
    assert SECRET not in str(listed) + str(fetched)


def test_bad_inputs_name_the_field(ws: Workspace) -> None:
    with ws.owner() as api:
        cases = [
            ({"name": "x", "provider": "nope", "secret": SECRET}, "provider"),
            ({"name": "", "provider": "openai", "secret": SECRET}, "name"),
            ({"name": "x", "provider": "openai"}, "secret"),
            ({"name": "x", "provider": "openai", "secret": SECRET, "colour": 1}, "colour"),
            ({"name": "x", "provider": "azure", "secret": SECRET}, "base_url"),
            (
                {
                    "name": "x",
                    "provider": "azure",
                    "secret": SECRET,
                    "base_url": "https://r.openai.azure.com",
                },
                "api_version",
            ),
            ({"name": "x", "provider": "openai_compatible", "secret": SECRET}, "base_url"),
        ]
        for body, field in cases:
            error = error_of(api.post("/api/model-keys", json=body), 422)
            assert error["param"] == field, (body, error)
            assert SECRET not in error["message"]
        assert ok(api.get("/api/model-keys")) == []


def test_private_upstream_refused_unless_allowed(ws: Workspace) -> None:
    with ws.owner() as api:
        for url in ("http://10.0.0.5/v1", "http://169.254.169.254/latest", "http://[::1]/v1"):
            body = {"name": "x", "provider": "openai", "secret": SECRET, "base_url": url}
            error = error_of(api.post("/api/model-keys", json=body), 422)
            assert error["param"] == "base_url"
            assert "MODELYARD_ALLOWED_UPSTREAM_HOSTS" in error["message"]
        # 127.0.0.1 is listed in the test server's settings.
        body = {
            "name": "x",
            "provider": "openai",
            "secret": SECRET,
            "base_url": "http://127.0.0.1:1/v1",
        }
        ok(api.post("/api/model-keys", json=body), 201)


def test_base_url_change_needs_the_secret_again(ws: Workspace) -> None:
    key = _key(ws, base_url="http://127.0.0.1:9/v1")
    with ws.owner() as api:
        error = error_of(
            api.patch(f"/api/model-keys/{key['id']}", json={"base_url": "http://127.0.0.1:10/v1"}),
            422,
        )
        assert error["param"] == "secret"
        assert ok(api.get(f"/api/model-keys/{key['id']}"))["base_url"] == "http://127.0.0.1:9/v1"
        moved = ok(
            api.patch(
                f"/api/model-keys/{key['id']}",
                json={"base_url": "http://127.0.0.1:10/v1", "secret": "sk-new-secret-9876"},
            )
        )
        assert moved["base_url"] == "http://127.0.0.1:10/v1"
        assert moved["secret_last4"] == "9876"
        renamed = ok(api.patch(f"/api/model-keys/{key['id']}", json={"name": "Renamed"}))
        assert renamed["name"] == "Renamed"
        rotated = ok(api.patch(f"/api/model-keys/{key['id']}", json={"secret": "sk-rotated-4321"}))
        assert rotated["secret_last4"] == "4321"
        assert rotated["base_url"] == "http://127.0.0.1:10/v1"


def test_key_in_use_cannot_be_deleted(ws: Workspace) -> None:
    key = _key(ws)
    with ws.owner() as api:
        model = ok(
            api.post(
                "/api/models",
                json={
                    "kind": "completion",
                    "display_name": "M",
                    "provider": "openai",
                    "provider_model_name": "gpt-x",
                    "context_window": 1000,
                    "max_output_tokens": 100,
                },
            ),
            201,
        )
        dep = ok(
            api.post(
                f"/api/models/{model['id']}/deployments",
                json={"key_id": key["id"], "model_identifier": "gpt-x"},
            ),
            201,
        )
        error = error_of(api.delete(f"/api/model-keys/{key['id']}"), 409)
        assert model["slug"] in error["message"]
        used = ok(api.get(f"/api/model-keys/{key['id']}"))["used_by"]
        assert used == [
            {"deployment_id": dep["id"], "model_id": model["id"], "model_slug": model["slug"]}
        ]
        ok(api.delete(f"/api/deployments/{dep['id']}"), 204)
        ok(api.delete(f"/api/model-keys/{key['id']}"), 204)
        error_of(api.get(f"/api/model-keys/{key['id']}"), 404)
