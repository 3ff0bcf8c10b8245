"""The model page through real HTTP on both backends: every field of every kind is edited
through its form and lands in the admin API's model; a bad value comes back next to its field
with the domain's message and nothing changed; German pages read the decimal comma.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import WebWorkspace
from tests.web.helpers import CHAT_MODEL, api_create
from tests.web.model_detail_steps import (
    error_at,
    page_of,
    post,
    settings_form,
    signed_in,
    stored,
)


def _chat(web_ws: WebWorkspace, **fields: Any) -> dict[str, Any]:
    return api_create(web_ws.ws, "/api/models", {**CHAT_MODEL, "input_price": 2, **fields})


def test_the_list_links_each_model_to_its_page(web_ws: WebWorkspace) -> None:
    model = _chat(web_ws)
    with signed_in(web_ws) as client:
        listing = client.get("/settings/models").text
        assert f'<a href="{page_of(model["id"])}">Acme Chat</a>' in listing
        page = client.get(page_of(model["id"]))
        assert page.status_code == 200
        text = page.text
        assert '<h1 id="model-title">Acme Chat</h1>' in text
        for section in ("status", "flags", "settings", "deployments", "fallbacks", "delete"):
            assert f'id="{section}"' in text
        assert 'value="acme-chat-1"' in text and 'value="32000"' in text
        assert "Set up manually" in text  # the catalog status of a manual model
        assert client.get("/settings/models/mdl_nope").status_code == 404
        wizard = client.get("/settings/models/new?kind=completion")
        assert wizard.status_code == 200  # the wizard keeps its own route


def test_every_setting_of_a_completion_model_is_saved(web_ws: WebWorkspace) -> None:
    model = _chat(web_ws)
    form = settings_form(
        stored(web_ws, model["id"]),
        display_name="Acme Chat Pro",
        slug="acme-pro",
        provider="openai",
        provider_model_name="acme-chat-2",
        region="US",
        description_en="Pro model",
        description_de="Profimodell",
        context_window="64000",
        max_output_tokens="8000",
        input_price="1.25",
        output_price="5",
        cache_read_price="0.5",
        cache_write_price="",
        cap_tools="on",
        cap_canvas="on",
        allow_cross_region_fallback="on",
    )
    with signed_in(web_ws) as client:
        saved = post(client, model["id"], "/settings", **form)
        assert saved.status_code == 303, saved.text
        assert saved.headers["location"] == page_of(model["id"]) + "?notice=md_saved#settings"
        assert "Settings saved." in client.get(saved.headers["location"]).text
    after = stored(web_ws, model["id"])
    assert after["display_name"] == "Acme Chat Pro" and after["slug"] == "acme-pro"
    assert after["provider"] == "openai" and after["provider_model_name"] == "acme-chat-2"
    assert after["region"] == "US"
    assert (after["description_en"], after["description_de"]) == ("Pro model", "Profimodell")
    assert (after["context_window"], after["max_output_tokens"]) == (64000, 8000)
    assert (after["input_price"], after["output_price"]) == (1.25, 5)
    assert after["cache_read_price"] == 0.5 and after["cache_write_price"] is None
    assert after["capabilities"]["tools"] and after["capabilities"]["canvas"]
    assert not after["capabilities"]["image_analysis"]
    assert after["allow_cross_region_fallback"] is True


BAD_VALUES = [
    ("context_window", "lots"),
    ("context_window", "0"),
    ("max_output_tokens", "64000"),  # more than the context window: a rule between fields
    ("description_en", "x" * 151),
    ("display_name", ""),
    ("slug", "not a slug!"),
    ("input_price", "-1"),
    ("output_price", "1.2.3,4"),
]


@pytest.mark.parametrize(("field", "value"), BAD_VALUES)
def test_a_bad_setting_is_refused_at_its_field_and_nothing_changes(
    web_ws: WebWorkspace, field: str, value: str
) -> None:
    model = _chat(web_ws)
    before = stored(web_ws, model["id"])
    typed = {"display_name": "Renamed", "cap_responses_api": "on"}
    form = settings_form(before, **(typed | {field: value}))
    with signed_in(web_ws) as client:
        refused = post(client, model["id"], "/settings", **form)
        assert refused.status_code in (409, 422), refused.text
        message = error_at(refused.text, "settings", field)
        assert message and "Traceback" not in message
        assert f'id="settings-{field}"' in refused.text
        assert 'aria-invalid="true"' in refused.text
        if field != "display_name":
            assert 'value="Renamed"' in refused.text  # what the admin typed is kept
        assert 'name="cap_responses_api" value="on" checked' in refused.text
    assert stored(web_ws, model["id"]) == before


def test_the_api_and_the_page_refuse_with_the_same_words(web_ws: WebWorkspace) -> None:
    model = _chat(web_ws)
    with web_ws.ws.owner() as api:
        answer = api.patch(f"/api/models/{model['id']}", json={"max_output_tokens": 64000})
    assert answer.status_code == 422
    api_message = answer.json()["error"]["message"]
    form = settings_form(stored(web_ws, model["id"]), max_output_tokens="64000")
    with signed_in(web_ws) as client:
        refused = post(client, model["id"], "/settings", **form)
    assert error_at(refused.text, "settings", "max_output_tokens") == api_message


def test_german_page_reads_the_decimal_comma(web_ws: WebWorkspace) -> None:
    model = _chat(web_ws, input_price=0.5)
    with signed_in(web_ws) as client:
        _german(client, web_ws)
        page = client.get(page_of(model["id"])).text
        assert "Einstellungen speichern" in page and 'value="0,5"' in page
        form = settings_form(stored(web_ws, model["id"]), input_price="0,7", output_price="1.234,5")
        saved = post(client, model["id"], "/settings", **form)
        assert saved.status_code == 303, saved.text
        assert "Einstellungen gespeichert." in client.get(saved.headers["location"]).text
    after = stored(web_ws, model["id"])
    assert (after["input_price"], after["output_price"]) == (0.7, 1234.5)


def _german(client: Any, web_ws: WebWorkspace) -> None:
    """Switch the signed-in admin to German through the language form."""
    from tests.web.helpers import csrf_of

    token = csrf_of(client.get("/me/language").text)
    answer = client.post("/me/language", data={"language": "de", "csrf": token})
    assert answer.status_code == 303, answer.text


def test_rollout_flags_are_switched(web_ws: WebWorkspace) -> None:
    model = _chat(web_ws)
    with signed_in(web_ws) as client:
        on = post(
            client,
            model["id"],
            "/flags",
            visible="on",
            available_in_assistants="on",
            premium="on",
            maintenance="on",
        )
        assert on.status_code == 303, on.text
        after = stored(web_ws, model["id"])
        flags = ("visible", "available_in_assistants", "premium", "maintenance")
        assert all(after[f] for f in flags)
        page = client.get(page_of(model["id"])).text
        assert 'id="flags-premium" name="premium" value="on"' in page
        off = post(client, model["id"], "/flags", visible="on")
        assert off.status_code == 303
    after = stored(web_ws, model["id"])
    assert after["visible"] and not any(after[f] for f in flags[1:])


def test_access_is_given_to_groups_and_an_unknown_group_is_refused(
    web_ws: WebWorkspace,
) -> None:
    model = _chat(web_ws)
    group = api_create(web_ws.ws, "/api/groups", {"name": "Sales"})
    with signed_in(web_ws) as client:
        page = client.get(page_of(model["id"])).text
        assert 'id="flags-access-everyone" name="access_mode" value="everyone" checked' in page
        before = stored(web_ws, model["id"])
        unknown = post(client, model["id"], "/flags", access_mode="groups", group_ids=["grp_nope"])
        assert unknown.status_code in (404, 422), unknown.text
        assert "grp_nope" in unknown.text and 'class="error"' in unknown.text
        assert stored(web_ws, model["id"]) == before
        given = post(client, model["id"], "/flags", access_mode="groups", group_ids=[group["id"]])
        assert given.status_code == 303, given.text
    assert stored(web_ws, model["id"])["access"] == {"mode": "groups", "group_ids": [group["id"]]}
