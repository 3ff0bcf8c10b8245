"""``modelyard_time_to_first_token_seconds`` in ``/metrics`` (parsed by prometheus-client)
observes each streamed call once, from its start until its first content went out: the
upstream's delay before answering is inside it, non-streamed calls and streams that failed
before any content are not counted (issue 17, item 3)."""

from __future__ import annotations

import secrets

import openai
import pytest

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model, close_clients, sdk
from tests.operations.metrics_scrape import delta, scrape, until, value
from tests.support import Workspace

TTFT = "modelyard_time_to_first_token_seconds"
DELAY_S = 0.3  # the fake answers only after this: a lower bound of every first token
BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def test_streamed_calls_observe_their_first_token(ws: Workspace, fake: FakeProvider) -> None:
    tag = secrets.token_hex(3)
    slow = add_model(
        ws, fake, identifier=f"slow-{int(DELAY_S * 1000)}", display_name=f"ttft slow {tag}"
    )
    plain = add_model(ws, fake, identifier="fake-model", display_name=f"ttft plain {tag}")
    bad = add_model(ws, fake, identifier="fail-500", display_name=f"ttft bad {tag}")
    slug, plain_slug, bad_slug = slow["slug"], plain["slug"], bad["slug"]
    base = ws.server.base_url
    before = scrape(base)
    client = sdk(ws)
    messages = [{"role": "user", "content": "one two three"}]
    for _ in range(2):
        chunks = list(client.chat.completions.create(model=slug, messages=messages, stream=True))
        assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    client.chat.completions.create(model=plain_slug, messages=messages)  # not streamed
    with pytest.raises(openai.APIStatusError):
        list(client.chat.completions.create(model=bad_slug, messages=messages, stream=True))
    close_clients()

    pair = {"endpoint": "chat", "model": slug}
    after = until(
        lambda: scrape(base),
        lambda s: (
            delta(
                before, s, "modelyard_requests_total", endpoint="chat", model=bad_slug, status="502"
            )
            >= 1
        ),
    )
    assert delta(before, after, "modelyard_request_duration_seconds_count", **pair) == 2
    assert delta(before, after, f"{TTFT}_count", **pair) == 2
    assert delta(before, after, f"{TTFT}_bucket", **pair, le="+Inf") == 2
    # Nothing can arrive before the fake answers: every observation is past DELAY_S.
    assert delta(before, after, f"{TTFT}_bucket", **pair, le="0.25") == 0
    assert delta(before, after, f"{TTFT}_sum", **pair) >= 2 * DELAY_S
    counts = [value(after, f"{TTFT}_bucket", **pair, le=str(le)) for le in BUCKETS]
    assert counts == sorted(counts)  # cumulative
    # The first token of a call comes before its end.
    streams_duration = delta(before, after, "modelyard_request_duration_seconds_sum", **pair)
    assert delta(before, after, f"{TTFT}_sum", **pair) <= streams_duration

    plain_pair = {"endpoint": "chat", "model": plain_slug}
    assert delta(before, after, "modelyard_request_duration_seconds_count", **plain_pair) == 1
    assert delta(before, after, f"{TTFT}_count", **plain_pair) == 0  # not a stream

    bad_pair = {"endpoint": "chat", "model": bad_slug}
    assert delta(before, after, "modelyard_request_duration_seconds_count", **bad_pair) == 1
    assert delta(before, after, f"{TTFT}_count", **bad_pair) == 0  # no content ever went out
