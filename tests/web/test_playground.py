"""The playground in a real headless Chromium against the fake provider: the answer streams in
piece by piece through the gateway's own chat path, is recorded as the member's usage, and the
gateway's refusals (maintenance, TPM limit, upstream failure) show in the page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model, upstream_requests
from tests.support import ok
from tests.usage import stored_rows
from tests.web.conftest import WebWorkspace, screenshot
from tests.web.test_member_pages import member_of
from tests.web.test_pages import sign_in

pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)

# Records each distinct text of the newest answer, so a test can see it grow.
WATCH_ANSWER = """() => {
  window.answerStates = [];
  const record = () => {
    const answers = document.querySelectorAll("#conversation .turn.assistant .text");
    const text = answers.length ? answers[answers.length - 1].textContent : "";
    const states = window.answerStates;
    if (text && states[states.length - 1] !== text) { states.push(text); }
  };
  new MutationObserver(record).observe(document.getElementById("conversation"),
    { childList: true, subtree: true, characterData: true });
}"""


def ask(page: Page, model: str, message: str) -> None:
    page.get_by_label("Model").select_option(label=model)
    page.get_by_label("Message").fill(message)
    page.get_by_role("button", name="Send").click()


def test_the_answer_streams_in_and_is_recorded_for_the_member(
    page: Page, web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    ws = web_ws.ws
    model = add_model(ws, fake, identifier="drip-100-chat", display_name="Drip Chat", region="EU")
    add_model(ws, fake, display_name="Other Chat")
    sign_in(page, web_ws, web_ws.member_email)
    page.get_by_role("link", name="Playground").click()
    expect(page.get_by_role("heading", name="Playground")).to_be_visible()
    page.evaluate(WATCH_ANSWER)

    ask(page, "Drip Chat (Region: EU)", "alpha beta gamma delta epsilon zeta")
    answer = page.locator("#conversation .turn.assistant .text").first
    expect(answer).to_contain_text("Echo:")
    expect(page.get_by_role("status")).to_have_text("Answering…")
    screenshot(page, "playground-streaming")
    expect(page.get_by_role("status")).to_have_text("Answer complete.")
    final = "Echo: alpha beta gamma delta epsilon zeta"
    expect(answer).to_have_text(final)
    states: list[str] = page.evaluate("window.answerStates")
    assert len(states) >= 3, states  # it arrived in pieces, not at once
    assert all(final.startswith(state) for state in states), states
    assert states[-1] == final
    screenshot(page, "playground-answered")

    # The second turn carries the conversation so far.
    ask(page, "Drip Chat (Region: EU)", "once more")
    expect(answer).to_have_text(final)
    expect(page.locator("#conversation .turn.assistant .text").last).to_have_text("Echo: once more")
    [*_, sent] = upstream_requests(fake, "once more")
    roles = [m["role"] for m in sent["body"]["messages"]]
    assert roles == ["user", "assistant", "user"]
    assert sent["body"]["messages"][1]["content"] == final

    member = member_of(web_ws)
    rows = stored_rows(ws.server, 2, user_id=member["id"], model_id=model["id"])
    assert [(r.endpoint, r.status, r.stream) for r in rows] == [("chat", 200, True)] * 2
    assert all(r.output_tokens > 0 and r.cost_usd for r in rows)
    assert [r.api_key_id for r in rows] == [None, None]  # made by the web session, not a key
    with ws.owner() as api:
        usage = ok(api.get("/api/usage", params={"group_by": "user"}))
    assert member["id"] in str(usage)


def test_the_member_default_is_preselected(
    page: Page, web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    ws = web_ws.ws
    add_model(ws, fake, display_name="First Chat")
    chosen = add_model(ws, fake, display_name="Second Chat")
    sign_in(page, web_ws, web_ws.member_email)
    page.locator("#default-model").get_by_label("Default model").select_option(chosen["id"])
    page.get_by_role("button", name="Save default").click()
    expect(page.get_by_role("status")).to_have_text("Default model saved.")
    page.goto(web_ws.base_url + "/playground")
    expect(page.get_by_label("Model")).to_have_value(chosen["slug"])


def _limited_model(web_ws: WebWorkspace, fake: FakeProvider) -> dict[str, Any]:
    """A model whose only deployment allows 1 token per minute: any call after the first in a
    minute is over it."""
    model = add_model(web_ws.ws, fake, display_name="Tiny Chat", deployments=0)
    with web_ws.ws.owner() as api:
        [key] = [k for k in ok(api.get("/api/model-keys")) if k["provider"] == "openai"][-1:]
        body = {"key_id": key["id"], "model_identifier": "fake-model", "tpm_limit": 1}
        ok(api.post(f"/api/models/{model['id']}/deployments", json=body), 201)
    return model


def test_the_gateway_refusals_show_in_the_page(
    page: Page, web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    ws = web_ws.ws
    resting = add_model(ws, fake, display_name="Resting Chat", maintenance=True)
    add_model(ws, fake, identifier="fail-500", display_name="Broken Chat")
    add_model(ws, fake, identifier="fail-cut", display_name="Cut Chat")
    _limited_model(web_ws, fake)
    sign_in(page, web_ws, web_ws.member_email)
    page.goto(web_ws.base_url + "/playground")
    alert = page.get_by_role("alert")

    ask(page, "Resting Chat (Region: Global) · Maintenance", "hello")
    expect(alert).to_contain_text("The call failed: The model")
    expect(alert).to_contain_text("is in maintenance mode")
    failed = page.locator(".turn.assistant.failed .turn-error")
    expect(failed).to_contain_text(["is in maintenance mode"])  # kept beside its turn
    screenshot(page, "playground-maintenance")

    # The first call into an empty minute is let through; the next one is over the limit.
    ask(page, "Tiny Chat (Region: Global)", "hello")
    expect(page.get_by_role("status")).to_have_text("Answer complete.")
    expect(alert).to_be_hidden()
    ask(page, "Tiny Chat (Region: Global)", "hello again")
    expect(alert).to_contain_text("is at its limit; retry in")

    ask(page, "Broken Chat (Region: Global)", "hello")
    expect(alert).to_contain_text("The call failed:")
    expect(alert).not_to_contain_text("is at its limit")
    screenshot(page, "playground-upstream-failure")

    ask(page, "Cut Chat (Region: Global)", "one two three four five six seven eight")
    expect(page.locator("#conversation .turn.assistant.failed")).to_have_count(4)
    expect(alert).to_contain_text("The call failed:")
    expect(page.get_by_role("button", name="Send")).to_be_enabled()

    member = member_of(web_ws)
    rows = stored_rows(ws.server, 5, user_id=member["id"])
    assert sorted(r.status for r in rows if r.model_id == resting["id"]) == [503]


def test_the_chat_endpoint_needs_the_session_and_its_csrf_token(
    page: Page, web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    model = add_model(web_ws.ws, fake, display_name="Guarded Chat")
    body = {"model": model["slug"], "messages": '[{"role": "user", "content": "hi"}]'}
    anonymous = page.request.post(web_ws.base_url + "/playground/chat", form=body, max_redirects=0)
    assert (anonymous.status, anonymous.headers["location"]) == (303, "/login")

    sign_in(page, web_ws, web_ws.member_email)
    forged = page.request.post(web_ws.base_url + "/playground/chat", form=body)
    assert forged.status == 403
    assert stored_rows(web_ws.ws.server, user_id=member_of(web_ws)["id"]) == []
