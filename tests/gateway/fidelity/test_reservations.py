"""What a call reserves before it goes upstream: ``n`` choices may each write ``max_tokens``, and
a document is not an image (a model without image analysis still reads PDFs)."""

from __future__ import annotations

import secrets

import openai
import pytest

from modelyard.testing import FakeProvider
from tests.gateway.fidelity.test_content_and_tools import _document_message, _sent
from tests.gateway.setup import add_model, sdk
from tests.support import Workspace, ok


def test_n_choices_reserve_n_outputs_against_the_tpm_limit(
    ws: Workspace, fake: FakeProvider
) -> None:
    model = add_model(ws, fake, identifier=f"gpt-n-{secrets.token_hex(3)}")
    with ws.owner() as api:
        (deployment,) = ok(api.get(f"/api/models/{model['id']}/deployments"))
        # Room for one choice of 300 tokens (plus the prompt and what was used), not for two.
        ok(api.patch(f"/api/deployments/{deployment['id']}", json={"tpm_limit": 450}))
    client = sdk(ws, ws.owner_key)
    hello = [{"role": "user", "content": "hi"}]
    # A first call puts a few tokens in the window (an empty window admits any one call).
    client.chat.completions.create(model=model["slug"], messages=hello, max_tokens=300)
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model=model["slug"], messages=hello, max_tokens=300, n=2)
    one = client.chat.completions.create(model=model["slug"], messages=hello, max_tokens=300)
    assert len(one.choices) == 1


def test_a_document_reaches_a_model_without_image_analysis(
    ws: Workspace, fake: FakeProvider
) -> None:
    identifier = f"gemini-doc-{secrets.token_hex(3)}"
    model = add_model(
        ws, fake, provider="google", identifier=identifier, capabilities={"image_analysis": False}
    )
    answer = sdk(ws, ws.owner_key).chat.completions.create(
        model=model["slug"], messages=_document_message()
    )
    assert answer.choices[0].message.content == "Echo: Summarise"
    assert _sent(fake, identifier)["contents"][0]["parts"][1]["inlineData"]["mimeType"] == (
        "application/pdf"
    )
