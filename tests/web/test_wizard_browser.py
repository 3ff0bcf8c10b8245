"""The "Add custom model" wizard in headless Chromium, for each kind, from the catalog and set
up manually, against the fake provider; each saved model then answers through ``/v1`` with the
official ``openai`` SDK. The first path of each kind leaves a screenshot of every step under
``test-output/screenshots/wizard-*``."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest
from playwright.sync_api import Page, expect

from modelyard.testing import FakeProvider
from tests.web.conftest import WebWorkspace, screenshot
from tests.web.helpers import api_get
from tests.web.test_pages import sign_in
from tests.web.wizard_steps import Walk

pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)


@pytest.fixture
def client(web_ws: WebWorkspace) -> Iterator[openai.OpenAI]:
    """The SDK with the owner's API key (admins may call hidden models too)."""
    with openai.OpenAI(
        base_url=web_ws.base_url + "/v1", api_key=web_ws.ws.owner_key, max_retries=0, timeout=20
    ) as sdk:
        yield sdk


def new_key(fake: FakeProvider, name: str) -> dict[str, str | bool]:
    return {
        "Key": "Add a new model key",
        "Key name": name,
        "Key provider": "openai",
        "Secret": "sk-browser-secret-4321",
        "Base URL": fake.url + "/v1",
    }


def saved(web_ws: WebWorkspace, model_id: str) -> dict[str, object]:
    model: dict[str, object] = api_get(web_ws.ws, f"/api/models/{model_id}")
    return model


def test_completion_models_from_the_catalog_and_manual(
    page: Page, web_ws: WebWorkspace, fake: FakeProvider, client: openai.OpenAI
) -> None:
    sign_in(page, web_ws, web_ws.owner_email)
    walk = Walk(page, "completion", shots="completion-catalog")
    walk.select(web_ws, "gpt-4o", "openai/gpt-4o")
    settings = page.locator("dl.settings")
    expect(settings).to_contain_text("Context window")  # the catalog's, read-only
    expect(page.get_by_label("Provider", exact=True)).to_have_count(0)
    walk.fill({"Visible to users": True, "Available in assistants": True})
    walk.deployment({**new_key(fake, "OpenAI main"), "Tokens per minute (TPM)": "200000"})
    catalog_id = walk.test_and_save(checks=("tools", "image_analysis", "temperature"))
    assert "sk-browser-secret-4321" not in page.content()
    model = saved(web_ws, catalog_id)
    assert (model["catalog_id"], model["visible"], model["available_in_assistants"]) == (
        "openai/gpt-4o",
        True,
        True,
    )

    walk = Walk(page, "completion")
    walk.select(web_ws, None, None)
    walk.fill(
        {
            "Provider": "openai",
            "Provider model name": "acme-chat-1",
            "Display name": "Acme Chat",
            "Region": "EU",
            "Context window size": "32000",
            "Max output tokens": "4000",
            "Input token price": "2",
            "Output token price": "8",
            "Supports tools": True,
            "Premium model": True,
        }
    )
    description = page.get_by_label("Description (EN)")
    description.fill("x" * 150)
    description.press("y")  # typed: the counter follows live, the server still decides
    expect(page.locator("#f-description_en-count")).to_have_text("151 / 150 characters")
    walk.next("Continue to deployment")
    walk.step(2, "Configure your model", "configure")
    expect(page.locator("#f-description_en-error")).to_contain_text("at most 150 characters")
    expect(description).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Provider model name")).to_have_value("acme-chat-1")
    screenshot(page, "wizard-completion-manual-2-description-too-long")
    assert [m["id"] for m in api_get(web_ws.ws, "/api/models")] == [catalog_id]
    description.fill("")
    description.press_sequentially("Fast chat")
    expect(page.locator("#f-description_en-count")).to_have_text("9 / 150 characters")
    walk.deployment({"Key": "OpenAI main (openai, …4321)", "Fallback 1": "GPT-4o (gpt-4o)"})
    manual_id = walk.test_and_save(checks=("tools",))
    model = saved(web_ws, manual_id)
    assert model["premium"] is True and model["description_en"] == "Fast chat"
    assert [f["id"] for f in model["fallbacks"]] == [catalog_id]  # type: ignore[attr-defined]

    for model_id in (catalog_id, manual_id):
        slug = saved(web_ws, model_id)["slug"]
        answer = client.chat.completions.create(
            model=str(slug), messages=[{"role": "user", "content": "Hello!"}]
        )
        assert answer.choices[0].message.content


def test_image_models_manual_and_from_the_catalog(
    page: Page, web_ws: WebWorkspace, fake: FakeProvider, client: openai.OpenAI
) -> None:
    sign_in(page, web_ws, web_ws.owner_email)
    walk = Walk(page, "image", shots="image-manual")
    walk.select(web_ws, None, None)
    for group in ("General", "Visibility", "Description", "Configure", "Advanced"):
        expect(page.locator("legend", has_text=group)).to_be_visible()
    expect(page.get_by_label("Image generation")).to_be_disabled()
    walk.fill(
        {
            "Model name": "Acme Painter",
            "Provider model name": "acme-paint-1",
            "Provider": "openai",
            "Region": "US",
            "Visible to users": True,
            "Description (DE)": "Malt Bilder",
            "Max images per user": "50",
            "Time window (hours)": "3",
            "Price per image": "0.04",
            "Image editing": True,
        }
    )
    walk.deployment(new_key(fake, "Images key"))
    manual_id = walk.test_and_save()
    model = saved(web_ws, manual_id)
    assert model["max_images_per_user"] == {"count": 50, "window_hours": 3}
    assert (model["region"], model["image_editing"]) == ("US", True)

    walk = Walk(page, "image")
    walk.select(web_ws, "gpt-image-1", "openai/gpt-image-1")
    walk.fill({"Region": "EU", "Visible to users": True})
    walk.next("Continue to deployment")
    walk.step(3, "Configure your deployment", "deployment")
    walk.next("Back")  # to the model's settings, as they were chosen
    walk.step(2, "Configure your model", "configure")
    expect(page.get_by_label("Region")).to_have_value("EU")
    walk.deployment(
        {"Key": "Images key (openai, …4321)", "Fallback 1": "Acme Painter (acme-painter)"}
    )
    catalog_id = walk.test_and_save()
    assert saved(web_ws, catalog_id)["region"] == "EU"

    for model_id in (manual_id, catalog_id):
        slug = saved(web_ws, model_id)["slug"]
        image = client.images.generate(model=str(slug), prompt="A small red square.")
        assert image.data and (image.data[0].b64_json or image.data[0].url)


def test_embedding_models_from_the_catalog_and_manual(
    page: Page, web_ws: WebWorkspace, fake: FakeProvider, client: openai.OpenAI
) -> None:
    sign_in(page, web_ws, web_ws.owner_email)
    walk = Walk(page, "embedding", shots="embedding-catalog")
    walk.select(web_ws, "text-embedding-3-small", "openai/text-embedding-3-small")
    walk.fill({"Visible to users": True})
    walk.next("Continue to deployment")
    walk.step(3, "Configure your deployment", "deployment")
    expect(page.get_by_label("Tokens per minute (TPM)")).to_have_count(0)
    # The fake answers "-1536" identifiers with 1536 dimensions, as the catalog says.
    walk.fill(
        {**new_key(fake, "Embeddings key"), "Model identifier": "text-embedding-3-small-1536"}
    )
    walk.next("Continue to test")
    walk.step(4, "Test your model", "test")
    catalog_id = walk.test_and_save()

    walk = Walk(page, "embedding")
    walk.select(web_ws, None, None)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: nothing scrolls sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "wizard-embedding-manual-2-configure-phone")
    page.set_viewport_size({"width": 1200, "height": 900})
    walk.fill(
        {
            "Provider": "openai",
            "Provider model name": "acme-embed-1",
            "Vector similarity threshold": "0.7",
            "Input token price": "0.01",
        }
    )
    walk.deployment({"Key": "Embeddings key (openai, …4321)"})
    manual_id = walk.test_and_save()
    assert saved(web_ws, manual_id)["similarity_threshold"] == 0.7

    for model_id in (catalog_id, manual_id):
        slug = saved(web_ws, model_id)["slug"]
        vectors = client.embeddings.create(model=str(slug), input="Hello, world.")
        assert len(vectors.data[0].embedding) > 0
