"""The wizard in German over HTTP: every step's page, its messages and the test's findings in
German, no English label left in the page's main part, and the German decimal comma accepted;
plus the page that publishes a model whose test failed (its reason audited)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from modelyard.testing import FakeProvider
from tests.web.conftest import WebWorkspace
from tests.web.helpers import api_get, csrf_of, sign_in
from tests.web.wizard_steps import FormWalk

pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)
# English words of the wizard's pages that a German page must not show.
ENGLISH = (
    "Continue to",
    "Select the model",
    "Configure your",
    "Back to Models",
    "Visible to users",
    "Provider model name",
    "Test passed",
    "Test failed",
    "Run the test",
    "Save model",
    "How to fix",
    "Fallback models",
    "per 1M tokens",
    "Already added",
    "Set up your model manually",
)


@pytest.fixture
def german(web_ws: WebWorkspace) -> Iterator[httpx.Client]:
    with web_ws.ws.owner() as api:
        api.patch("/api/me", json={"language": "de"}).raise_for_status()
    with httpx.Client(base_url=web_ws.base_url, timeout=30) as client:
        sign_in(client, web_ws.owner_email)
        yield client


def main_of(html: str) -> str:
    found = re.search(r"<main.*?</main>", html, re.S)
    assert found, html
    return found.group(0)


def all_german(html: str) -> None:
    main = main_of(html)
    left = [words for words in ENGLISH if words in main]
    assert left == [], f"English left on a German page: {left}"


def key(fake: FakeProvider, identifier: str) -> dict[str, str]:
    return {
        "key_id": "new",
        "key.name": "Haupt",
        "key.provider": "openai",
        "key.secret": "sk-german-secret-1234",
        "key.base_url": fake.url + "/v1",
        "model_identifier": identifier,
    }


def test_every_step_in_german_with_the_decimal_comma(
    german: httpx.Client, web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    walk = FormWalk(german, "completion")
    assert "Schritt 1 von 5: Modell auswählen" in walk.html
    assert "Modell manuell einrichten" in walk.html and "Alle Anbieter" in walk.html
    all_german(walk.html)
    walk.post("/select", {"kind": "completion", "catalog_id": ""})
    assert "Schritt 2 von 5: Modell konfigurieren" in walk.html
    assert "Modellname beim Anbieter" in walk.html and "Fähigkeiten" in walk.html
    all_german(walk.html)
    manual = {
        "provider": "openai",
        "provider_model_name": "acme-de-1",
        "region": "EU",
        "context_window": "viel",
        "max_output_tokens": "1000",
        "input_price": "0,7",
        "output_price": "1.234,5",
        "capabilities.temperature": "on",
    }
    walk.post("/model", manual, status=422)
    assert walk.error_of("f-context_window") == (
        "Kontextfenster muss eine ganze Zahl sein, z. B. 42."
    )
    all_german(walk.html)
    walk.post("/model", {**manual, "context_window": "8000"})
    assert "Schritt 3 von 5: Deployment konfigurieren" in walk.html
    all_german(walk.html)
    walk.post("/deployment", key(fake, "fail-401-acme-de-1"))
    assert "Schritt 4 von 5: Modell testen" in walk.html
    walk.post("/test", {"go": "run"})
    assert "Test fehlgeschlagen" in walk.html
    assert "Der Anbieter hat den Schlüssel abgelehnt" in walk.html
    assert "So beheben Sie es:" in walk.html
    all_german(walk.html)
    walk.post("/test", {"go": "next"})
    assert "Schritt 5 von 5: Prüfen und speichern" in walk.html
    assert "Preis für Eingabe-Tokens" in walk.html and "0,7 USD / 1 Mio. Tokens" in walk.html
    all_german(walk.html)
    walk.post("/review", {"go": "save"})
    (model,) = api_get(web_ws.ws, "/api/models")
    assert (model["input_price"], model["output_price"]) == (0.7, 1234.5)
    assert model["visible"] is False

    # The failed test keeps it hidden; the publish page says why, in German, and asks a reason.
    page = german.get(f"/settings/models/{model['id']}/publish")
    assert page.status_code == 200 and "Trotzdem veröffentlichen" in page.text
    all_german(page.text)
    refused = german.post(
        f"/settings/models/{model['id']}/publish", data={"csrf": csrf_of(page.text)}
    )
    assert refused.status_code == 409 and "fehlgeschlagen" in refused.text
    done = german.post(
        f"/settings/models/{model['id']}/publish",
        data={"csrf": csrf_of(page.text), "publish_override": "Nur für die Vorführung"},
    )
    assert done.status_code == 303
    assert api_get(web_ws.ws, f"/api/models/{model['id']}")["visible"] is True
    (entry,) = api_get(web_ws.ws, "/api/audit?action=model.publish_override")
    assert entry["details"]["reason"] == "Nur für die Vorführung"
