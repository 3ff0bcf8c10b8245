"""Deployments, fallbacks and deletion on the model page, through real HTTP on both backends:
added, changed and removed deployments are the API's; a move button reorders the chain; the
domain's refusals (bad TPM, wrong provider's key, cycles) come back at their form with nothing
changed; deletion is refused while something depends on the model, listing what, then allowed.
"""

from __future__ import annotations

import secrets
from typing import Any

from tests.web.conftest import WebWorkspace
from tests.web.helpers import CHAT_MODEL, KEY, api_create, api_get
from tests.web.model_detail_steps import error_at, page_of, post, signed_in, stored


def _model(web_ws: WebWorkspace, name: str, **fields: Any) -> dict[str, Any]:
    body = {**CHAT_MODEL, "display_name": name, "slug": f"m-{secrets.token_hex(3)}", **fields}
    return api_create(web_ws.ws, "/api/models", body)


def _key(web_ws: WebWorkspace, name: str, provider: str = "openai_compatible") -> dict[str, Any]:
    return api_create(web_ws.ws, "/api/model-keys", {**KEY, "name": name, "provider": provider})


def test_deployments_are_added_changed_and_removed(web_ws: WebWorkspace) -> None:
    model = _model(web_ws, "Chat")
    first, second = _key(web_ws, "First key"), _key(web_ws, "Second key")
    _key(web_ws, "Anthropic key", provider="anthropic")
    with signed_in(web_ws) as client:
        page = client.get(page_of(model["id"])).text
        assert "First key" in page and "Anthropic key" not in page  # only keys that can serve it
        refused = post(
            client,
            model["id"],
            "/deployments",
            key_id=first["id"],
            model_identifier="acme-chat-1",
            tpm_limit="-5",
        )
        assert refused.status_code == 422
        assert "greater than 0" in error_at(refused.text, "dep-new", "tpm_limit")
        assert 'value="-5"' in refused.text
        assert stored(web_ws, model["id"])["deployments"] == []

        added = post(
            client,
            model["id"],
            "/deployments",
            key_id=first["id"],
            model_identifier="acme-chat-1",
            tpm_limit="50000",
        )
        assert added.status_code == 303, added.text
        assert added.headers["location"].endswith("?notice=md_deployment_added#deployments")
        [dep] = stored(web_ws, model["id"])["deployments"]
        assert (dep["key_id"], dep["tpm_limit"]) == (first["id"], 50000)

        action = f"/deployments/{dep['id']}"
        bad = post(client, model["id"], action, key_id=second["id"], model_identifier="a b")
        assert bad.status_code == 422
        assert error_at(bad.text, f"dep-{dep['id']}", "model_identifier")
        assert stored(web_ws, model["id"])["deployments"] == [dep]

        changed = post(
            client,
            model["id"],
            action,
            key_id=second["id"],
            model_identifier="acme-chat-2",
            tpm_limit="90000",
        )
        assert changed.status_code == 303, changed.text
        [after] = stored(web_ws, model["id"])["deployments"]
        assert after["key_id"] == second["id"] and after["key_name"] == "Second key"
        assert (after["model_identifier"], after["tpm_limit"]) == ("acme-chat-2", 90000)

        unlimited = post(
            client, model["id"], action, key_id=second["id"], model_identifier="acme-chat-2"
        )
        assert unlimited.status_code == 303
        assert stored(web_ws, model["id"])["deployments"][0]["tpm_limit"] == 90000  # not sent
        cleared = post(
            client,
            model["id"],
            action,
            key_id=second["id"],
            model_identifier="acme-chat-2",
            tpm_limit="",
        )
        assert cleared.status_code == 303
        assert stored(web_ws, model["id"])["deployments"][0]["tpm_limit"] is None

        removed = post(client, model["id"], action + "/delete")
        assert removed.status_code == 303
        assert stored(web_ws, model["id"])["deployments"] == []


def test_a_deployment_of_another_model_is_not_touched(web_ws: WebWorkspace) -> None:
    mine, other = _model(web_ws, "Mine"), _model(web_ws, "Other")
    key = _key(web_ws, "Key")
    body = {"key_id": key["id"], "model_identifier": "x"}
    dep = api_create(web_ws.ws, f"/api/models/{other['id']}/deployments", body)
    with signed_in(web_ws) as client:
        answer = post(client, mine["id"], f"/deployments/{dep['id']}/delete")
        assert answer.status_code == 422
        assert "does not belong to this model" in error_at(answer.text, "page", "deployment_id")
    assert [d["id"] for d in stored(web_ws, other["id"])["deployments"]] == [dep["id"]]


def _order(web_ws: WebWorkspace, model_id: str) -> list[str]:
    return [f["id"] for f in stored(web_ws, model_id)["fallbacks"]]


def test_fallbacks_are_added_reordered_and_removed(web_ws: WebWorkspace) -> None:
    main, b, c = _model(web_ws, "Main"), _model(web_ws, "Bee"), _model(web_ws, "Cee")
    image = api_create(
        web_ws.ws,
        "/api/models",
        {"kind": "image", "display_name": "Pics", "provider": "openai", "provider_model_name": "p"},
    )
    with signed_in(web_ws) as client:
        page = client.get(page_of(main["id"])).text
        assert f'<option value="{b["id"]}">' in page and image["id"] not in page
        first = post(client, main["id"], "/fallbacks", action="add", add=b["id"])
        assert first.status_code == 303, first.text
        second = post(client, main["id"], "/fallbacks", order=[b["id"]], action="add", add=c["id"])
        assert second.status_code == 303, second.text
        assert _order(web_ws, main["id"]) == [b["id"], c["id"]]

        seen = [b["id"], c["id"]]
        up = post(client, main["id"], "/fallbacks", order=seen, action=f"up:{c['id']}")
        assert up.status_code == 303
        assert _order(web_ws, main["id"]) == [c["id"], b["id"]]
        page = client.get(page_of(main["id"])).text
        assert page.index(f'data-fallback="{c["id"]}"') < page.index(f'data-fallback="{b["id"]}"')

        down = post(
            client, main["id"], "/fallbacks", order=[c["id"], b["id"]], action=f"down:{c['id']}"
        )
        assert down.status_code == 303
        assert _order(web_ws, main["id"]) == [b["id"], c["id"]]

        stale = post(client, main["id"], "/fallbacks", order=[b["id"]], action=f"up:{c['id']}")
        assert stale.status_code == 422
        assert "changed since" in error_at(stale.text, "fallbacks", "fallbacks")

        removed = post(
            client, main["id"], "/fallbacks", order=[b["id"], c["id"]], action=f"remove:{b['id']}"
        )
        assert removed.status_code == 303
        assert _order(web_ws, main["id"]) == [c["id"]]
        api_create_fallback(web_ws, b["id"], [main["id"]])  # so Main -> Bee would be a cycle
        cycle = post(client, main["id"], "/fallbacks", order=[c["id"]], action="add", add=b["id"])
        assert cycle.status_code == 422
        assert "cycle" in error_at(cycle.text, "fallbacks", "fallbacks-1")
    assert _order(web_ws, main["id"]) == [c["id"]]


def api_create_fallback(web_ws: WebWorkspace, model_id: str, chain: list[str]) -> None:
    with web_ws.ws.owner() as api:
        answer = api.put(f"/api/models/{model_id}/fallbacks", json={"fallbacks": chain})
    assert answer.status_code == 200, answer.text


def test_delete_lists_what_depends_and_is_refused_until_nothing_does(
    web_ws: WebWorkspace,
) -> None:
    target = _model(web_ws, "Target", visible=True, available_in_assistants=True)
    user_of = _model(web_ws, "Chain Head")
    api_create_fallback(web_ws, user_of["id"], [target["id"]])
    body = {"name": "Helper Bot", "model_id": target["id"]}
    assistant = api_create(web_ws.ws, "/api/assistants", body)
    budget = api_create(
        web_ws.ws,
        "/api/budgets",
        {
            "scope": "workspace",
            "amount_usd": "10",
            "period": "month",
            "on_exceed": "fallback",
            "fallback_model_id": target["id"],
        },
    )
    with web_ws.ws.owner() as api:
        put = api.put("/api/me/default-model", json={"model_id": target["id"]})
        assert put.status_code == 200, put.text
    body = {"kind": "embedding", "display_name": "Embedder", "provider": "openai"}
    embedder = api_create(web_ws.ws, "/api/models", body | {"provider_model_name": "e-1"})
    collection = api_create(
        web_ws.ws, "/api/knowledge", {"name": "Handbook", "embedding_model_id": embedder["id"]}
    )
    with signed_in(web_ws) as client:
        page = client.get(page_of(embedder["id"])).text
        listed = page.split('id="dependents"')[1].split("</dl>")[0]
        assert "Handbook" in listed and f"/settings/knowledge/{collection['id']}" in listed
        refused = post(client, embedder["id"], "/delete", confirm="yes")
        assert refused.status_code == 409 and "embeds the knowledge collection" in refused.text
    with signed_in(web_ws) as client:
        page = client.get(page_of(target["id"])).text
        listed = page.split('id="dependents"')[1].split("</dl>")[0]
        assert user_of["slug"] in listed and "Helper Bot" in listed
        assert budget["id"] in listed and web_ws.owner_email in listed
        assert 'id="delete-blocked"' in page

        unticked = post(client, target["id"], "/delete")
        assert unticked.status_code == 422
        assert error_at(unticked.text, "delete", "confirm")

        refused = post(client, target["id"], "/delete", confirm="yes")
        assert refused.status_code == 409
        assert "is a fallback of" in refused.text and user_of["slug"] in refused.text
        assert 'id="dependents"' in refused.text
        assert api_get(web_ws.ws, f"/api/models/{target['id']}")["id"] == target["id"]

        api_create_fallback(web_ws, user_of["id"], [])
        with web_ws.ws.owner() as api:
            assert api.delete(f"/api/assistants/{assistant['id']}").status_code in (200, 204)
            assert api.delete(f"/api/budgets/{budget['id']}").status_code in (200, 204)
        page = client.get(page_of(target["id"])).text
        assert 'id="delete-blocked"' not in page
        assert "lose their default" in page  # the one dependent left does not block

        deleted = post(client, target["id"], "/delete", confirm="yes")
        assert deleted.status_code == 303, deleted.text
        assert deleted.headers["location"] == "/settings/models?notice=md_deleted"
        assert "Model deleted." in client.get(deleted.headers["location"]).text
    with web_ws.ws.owner() as api:
        assert api.get(f"/api/models/{target['id']}").status_code == 404
        assert api.get("/api/me/default-model").json()["model_id"] is None
