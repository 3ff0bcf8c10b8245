"""The model page in German: every label has German with the same placeholders, every label its
templates use exists in both languages, and the page rendered for a German-speaking admin (a
model with a deployment, fallbacks and dependents) shows none of its English labels.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

from modelyard.testing import FakeProvider
from modelyard.web import i18n, model_texts
from tests.gateway.setup import add_model
from tests.support import ok
from tests.web.conftest import WebWorkspace
from tests.web.helpers import api_create
from tests.web.model_detail_steps import page_of, signed_in

TEMPLATES = Path(i18n.__file__).parent / "templates"


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_model_page_label_has_german_with_the_same_placeholders() -> None:
    assert set(model_texts.EN) == set(model_texts.DE)
    for key, english in model_texts.EN.items():
        assert _placeholders(model_texts.DE[key]) == _placeholders(english), key


def test_every_label_the_model_page_uses_exists_in_both_languages() -> None:
    used: set[str] = set()
    for template in TEMPLATES.glob("model_detail*.html"):
        source = template.read_text(encoding="utf-8")
        used |= set(re.findall(r"\bt\.([a-z_0-9]+)\b(?!\()", source))
        used |= set(re.findall(r"\bt\[\"([a-z_0-9]+)\"\]", source))
        for prefix in re.findall(r"\bt\[\"([a-z_0-9]+_)\" ~", source):
            assert any(key.startswith(prefix) for key in i18n._EN), prefix
    assert len(used) > 50
    assert sorted(k for k in used if k not in i18n._EN or k not in i18n._DE) == []


def _visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(re.sub(r"<[^>]*>", " ", page).split())


def test_the_german_model_page_has_no_english_label_left(
    web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    model = add_model(web_ws.ws, fake, display_name="Haupt")
    other = add_model(
        web_ws.ws, fake, display_name="Reserve", identifier="fake-2", available_in_assistants=True
    )
    with web_ws.ws.owner() as api:
        ok(api.put(f"/api/models/{model['id']}/fallbacks", json={"fallbacks": [other["id"]]}))
        ok(api.patch("/api/me", json={"language": "de"}))
    api_create(web_ws.ws, "/api/assistants", {"name": "Bot", "model_id": other["id"]})
    german = i18n.texts("de")
    english = [
        text
        for key, text in model_texts.EN.items()
        if german[key] != text and len(text.split()) >= 2 and "{" not in text
    ]
    with signed_in(web_ws) as client:
        for model_id in (model["id"], other["id"]):
            page = client.get(page_of(model_id))
            assert page.status_code == 200
            text = _visible_text(page.text)
            assert "Einstellungen speichern" in text and "Aufrufe, Tokens und Kosten" in text
            assert [label for label in english if label in text] == []
