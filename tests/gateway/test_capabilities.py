"""Every model setting takes effect, as seen in what the fake provider received."""

from __future__ import annotations

import openai
import pytest

from modelyard.routing.live_test import TINY_PNG
from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model, sdk, upstream_requests
from tests.support import Workspace, ok

PNG = TINY_PNG
TOOLS = [
    {
        "type": "function",
        "function": {"name": "f", "parameters": {"type": "object", "properties": {}}},
    }
]


def test_image_inputs_need_image_analysis(ws: Workspace, fake: FakeProvider) -> None:
    identifier = f"novision-{ws.id[-6:]}"
    model = add_model(ws, fake, identifier=identifier, capabilities={"image_analysis": False})
    with pytest.raises(openai.BadRequestError) as refused:
        sdk(ws).chat.completions.create(
            model=model["slug"],
            messages=[
                {"role": "user", "content": [{"type": "image_url", "image_url": {"url": PNG}}]}
            ],
        )
    assert refused.value.body["code"] == "image_input_not_supported"  # type: ignore[index]
    assert refused.value.body["param"] == "messages"  # type: ignore[index]
    assert upstream_requests(fake, identifier) == []


def test_tools_need_tool_support(ws: Workspace, fake: FakeProvider) -> None:
    identifier = f"notools-{ws.id[-6:]}"
    model = add_model(ws, fake, identifier=identifier, capabilities={"tools": False})
    with pytest.raises(openai.BadRequestError) as refused:
        sdk(ws).chat.completions.create(
            model=model["slug"], messages=[{"role": "user", "content": "x"}], tools=TOOLS
        )
    assert refused.value.body["param"] == "tools"  # type: ignore[index]
    assert upstream_requests(fake, identifier) == []


@pytest.mark.parametrize("supports", [True, False])
def test_temperature_is_dropped_without_support(
    ws: Workspace, fake: FakeProvider, supports: bool
) -> None:
    identifier = f"temp-{supports}-{ws.id[-6:]}"
    model = add_model(ws, fake, identifier=identifier, capabilities={"temperature": supports})
    sdk(ws).chat.completions.create(
        model=model["slug"], messages=[{"role": "user", "content": "x"}], temperature=0.7, top_p=0.9
    )
    body = upstream_requests(fake, identifier)[-1]["body"]
    assert ("temperature" in body, "top_p" in body) == (supports, supports)
    if supports:
        assert body["temperature"] == 0.7


@pytest.mark.parametrize("provider", ["openai", "anthropic", "google"])
def test_reasoning_is_shown_only_when_always_show_reasoning(
    ws: Workspace, fake: FakeProvider, provider: str
) -> None:
    shown = add_model(
        ws,
        fake,
        provider=provider,
        identifier=f"fake-reasoner-{provider}-on-{ws.id[-6:]}",
        capabilities={"always_show_reasoning": True},
    )
    hidden = add_model(
        ws,
        fake,
        provider=provider,
        identifier=f"fake-reasoner-{provider}-off-{ws.id[-6:]}",
        capabilities={"always_show_reasoning": False},
    )
    client = sdk(ws)
    on = client.chat.completions.create(
        model=shown["slug"], messages=[{"role": "user", "content": "think"}]
    )
    off = client.chat.completions.create(
        model=hidden["slug"], messages=[{"role": "user", "content": "think"}]
    )
    assert "Reasoning about" in (on.choices[0].message.model_extra or {}).get(
        "reasoning_content", ""
    )
    assert "reasoning_content" not in (off.choices[0].message.model_extra or {})
    assert on.usage is not None and on.usage.completion_tokens_details is not None
    assert on.usage.completion_tokens_details.reasoning_tokens > 0
    chunks = list(
        client.chat.completions.create(
            model=shown["slug"], messages=[{"role": "user", "content": "think"}], stream=True
        )
    )
    streamed = "".join(
        (c.choices[0].delta.model_extra or {}).get("reasoning_content", "")
        for c in chunks
        if c.choices
    )
    assert "Reasoning about" in streamed


def test_max_tokens_is_capped_at_max_output(ws: Workspace, fake: FakeProvider) -> None:
    identifier = f"cap-{ws.id[-6:]}"
    model = add_model(ws, fake, identifier=identifier, max_output_tokens=50)
    client = sdk(ws)
    client.chat.completions.create(
        model=model["slug"], messages=[{"role": "user", "content": "x"}], max_tokens=5000
    )
    client.chat.completions.create(
        model=model["slug"], messages=[{"role": "user", "content": "x"}], max_tokens=7
    )
    client.chat.completions.create(model=model["slug"], messages=[{"role": "user", "content": "x"}])
    sent = [r["body"]["max_completion_tokens"] for r in upstream_requests(fake, identifier)]
    assert sent == [50, 7, 50]


def test_prompt_too_long_is_refused_before_any_upstream_call(
    ws: Workspace, fake: FakeProvider
) -> None:
    identifier = f"tiny-{ws.id[-6:]}"
    model = add_model(ws, fake, identifier=identifier, context_window=100, max_output_tokens=50)
    with pytest.raises(openai.BadRequestError) as refused:
        sdk(ws).chat.completions.create(
            model=model["slug"], messages=[{"role": "user", "content": "word " * 200}]
        )
    assert refused.value.body["code"] == "context_length_exceeded"  # type: ignore[index]
    assert upstream_requests(fake, identifier) == []


def test_maintenance_is_503_with_a_clear_message(ws: Workspace, fake: FakeProvider) -> None:
    identifier = f"paused-{ws.id[-6:]}"
    model = add_model(ws, fake, identifier=identifier, maintenance=True)
    with pytest.raises(openai.InternalServerError) as paused:
        sdk(ws).chat.completions.create(
            model=model["slug"], messages=[{"role": "user", "content": "x"}]
        )
    assert paused.value.status_code == 503
    assert "maintenance" in paused.value.message
    with ws.owner() as api:
        ok(api.patch(f"/api/models/{model['id']}", json={"maintenance": False}))
    answer = sdk(ws).chat.completions.create(
        model=model["slug"], messages=[{"role": "user", "content": "x"}]
    )
    assert answer.choices[0].message.content == "Echo: x"


def test_hidden_models_are_invisible_to_members_but_testable_by_admins(
    ws: Workspace, fake: FakeProvider
) -> None:
    model = add_model(ws, fake, identifier=f"hidden-{ws.id[-6:]}", visible=False)
    _, member_key = ws.add_user("member")
    member = sdk(ws, member_key)
    assert model["slug"] not in {m.id for m in member.models.list()}
    with pytest.raises(openai.NotFoundError):
        member.chat.completions.create(
            model=model["slug"], messages=[{"role": "user", "content": "x"}]
        )
    admin = sdk(ws)
    assert model["slug"] in {m.id for m in admin.models.list()}
    assert admin.chat.completions.create(
        model=model["slug"], messages=[{"role": "user", "content": "x"}]
    ).choices
    with ws.owner() as api:
        ok(api.patch(f"/api/models/{model['id']}", json={"visible": True}))
    assert member.chat.completions.create(
        model=model["slug"], messages=[{"role": "user", "content": "x"}]
    ).choices


@pytest.mark.parametrize(
    "extra",
    [
        {"api_base": "http://evil"},
        {"base_url": "http://evil"},
        {"api_key": "sk-mine"},
        {"extra_headers": {"x": "y"}},
        {"metadata": {"nested": [{"headers": {"authorization": "x"}}]}},
        {"messages_extra": {"deep": {"api_key": "x"}}},
    ],
)
def test_callers_can_never_choose_the_upstream(
    ws: Workspace, fake: FakeProvider, extra: dict
) -> None:
    identifier = f"guard-{ws.id[-6:]}"
    model = add_model(ws, fake, identifier=identifier)
    with ws.server.client(ws.owner_key) as api:
        response = api.post(
            "/v1/chat/completions",
            json={"model": model["slug"], "messages": [{"role": "user", "content": "x"}], **extra},
        )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "upstream_override_refused"
    assert upstream_requests(fake, identifier) == []


def test_tool_schemas_may_name_properties_freely(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake, identifier=f"schema-{ws.id[-6:]}", capabilities={"tools": True})
    tools = [
        {
            "type": "function",
            "function": {
                "name": "login",
                "parameters": {
                    "type": "object",
                    "properties": {"api_key": {"type": "string"}, "headers": {"type": "object"}},
                },
            },
        }
    ]
    answer = sdk(ws).chat.completions.create(
        model=model["slug"], messages=[{"role": "user", "content": "x"}], tools=tools
    )
    assert answer.choices
