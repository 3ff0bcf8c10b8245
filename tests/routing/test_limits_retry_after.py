"""``Retry-After`` on a TPM 429 says when the window frees, not a fixed minute (issue 12, item
12): the wait of the deployment that frees first, as the router's trail takes the minimum."""

from __future__ import annotations

import math
import time

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model
from tests.routing.test_limits_gateway import _chat
from tests.support import Workspace, ok


def test_retry_after_is_when_the_first_deployment_frees(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake, identifier=f"ra-{ws.id[-6:]}", deployments=2)
    with ws.owner() as api:
        for deployment in model["deployments"]:
            ok(api.patch(f"/api/deployments/{deployment['id']}", json={"tpm_limit": 100}))
    text = "word " * 40  # about 50 prompt tokens + 10 output: one call fills a deployment
    started = time.monotonic()
    assert _chat(ws, model["slug"], text).status_code == 200  # the first deployment, at 0 s
    time.sleep(1.5)
    assert _chat(ws, model["slug"], text).status_code == 200  # the other one, at 1.5 s
    time.sleep(1.5)
    refused = _chat(ws, model["slug"], text)
    assert refused.status_code == 429, refused.text
    elapsed = time.monotonic() - started
    # The first deployment frees 60 s after its call (the second one 1.5 s later): the wait
    # is that of the first, rounded up.
    assert math.ceil(60 - elapsed) <= int(refused.headers["retry-after"]) <= 58
