"""A caller who leaves in the middle of a stream still leaves a usage record of what was relayed."""

from __future__ import annotations

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model
from tests.support import Workspace
from tests.usage import stored_rows


def test_leaving_mid_stream_records_the_tokens_relayed(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake, identifier="drip-100-model")  # 100 ms between stream events
    words = " ".join(f"w{i}" for i in range(30))
    received = []
    with (
        ws.server.client(ws.owner_key) as api,
        api.stream(
            "POST",
            "/v1/chat/completions",
            json={
                "model": model["slug"],
                "messages": [{"role": "user", "content": words}],
                "stream": True,
            },
        ) as response,
    ):
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("data: {"):
                received.append(line)
            if len(received) >= 4:
                break  # leave: the connection closes with the block
    (row,) = stored_rows(ws.server, 1, workspace_id=ws.id, model_id=model["id"])
    assert row.status == 499 and row.error and "left" in row.error
    assert row.input_tokens > 0
    assert 0 < row.output_tokens < 31  # only part of the answer went out
    assert row.stream is True
