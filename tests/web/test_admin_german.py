"""The admin pages in German: every label has a German text, the translated templates carry no
hard-coded English, and each admin page, rendered for a German-speaking admin with real data
behind it (models, keys, a collection, a live test in Usage), shows none of the English labels.
"""

from __future__ import annotations

import html
import re
import string
from pathlib import Path

import httpx
import pytest

from modelyard.testing import FakeProvider
from modelyard.web import admin_texts, i18n
from tests.gateway.setup import add_model
from tests.knowledge import add_text, new_collection
from tests.support import ok
from tests.web.conftest import WebWorkspace
from tests.web.helpers import key_in_use, sign_in

TEMPLATES = Path(i18n.__file__).parent / "templates"
# The templates this round translated (the wizard's and the model page's are their own).
TRANSLATED = (
    "models.html",
    "model_keys.html",
    "model_prices.html",
    "catalog_updates.html",
    "usage.html",
    "knowledge.html",
    "knowledge_collection.html",
    "home.html",
    "refused.html",
    "invite.html",
    "invite_gone.html",
    "identity.html",
    "groups.html",
    "group.html",
    "budgets.html",
    "budget.html",
    "budget_form.html",
    "users.html",
    "user.html",
    "audit.html",
)
# Text that is the same in both languages (names, units, the language names themselves).
NOT_ENGLISH = {"Modelyard", "UTC", "Entra ID", "English", "Deutsch"}
# One-word labels that must not be left in English (German pages never contain these words).
ENGLISH_WORDS = (
    "Delete", "Actions", "Search", "Documents", "Chunks", "Calls", "Errors", "Totals", "Hide",
    "Visible", "Hidden", "Manual", "Keys", "Secret", "Provider", "Collections", "Added", "Show",
)  # fmt: skip


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_admin_label_has_german_with_the_same_placeholders() -> None:
    assert set(admin_texts.EN) == set(admin_texts.DE)
    for key, english in admin_texts.EN.items():
        assert _placeholders(admin_texts.DE[key]) == _placeholders(english), key


@pytest.mark.parametrize("name", TRANSLATED)
def test_every_label_a_translated_template_uses_exists_in_both_languages(name: str) -> None:
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    used = set(re.findall(r"\bt\.([a-z_0-9]+)\b(?!\()", source))
    used |= set(re.findall(r"\bt\[\"([a-z_0-9]+)\"\]", source))
    assert used, name
    missing = sorted(key for key in used if key not in i18n._EN or key not in i18n._DE)
    assert missing == [], name


def _visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", page, flags=re.S)
    page = re.sub(r"<[^>]*>", "\n", page)
    return html.unescape(page)


@pytest.mark.parametrize("name", TRANSLATED)
def test_translated_templates_carry_no_hard_coded_english(name: str) -> None:
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    leftovers = [
        line.strip()
        for line in _visible_text(source).splitlines()
        if re.search(r"[A-Za-z]{2,}", line)
        and line.strip() not in NOT_ENGLISH
        and not re.match(r"[\w-]+=\"", line.strip())  # a macro's attributes, not text
    ]
    attributes = re.findall(
        r'(?:aria-label|title|placeholder|alt)="([^"{]*[A-Za-z]{2}[^"{]*)"', source
    )
    attributes = [value for value in attributes if value not in NOT_ENGLISH]
    assert leftovers + attributes == [], name


def _english_labels() -> list[str]:
    """Each label of the admin table whose German differs, as the literal runs of two words or
    more it is written with (placeholders cut out)."""
    german = i18n.texts("de")
    out: set[str] = set()
    for key, english in admin_texts.EN.items():
        if german[key] == english:
            continue
        for literal, *_ in string.Formatter().parse(english):
            run = literal.strip(" :()“”'.,")
            if len(run.split()) >= 2:
                out.add(run)
    return sorted(out)


def _leftovers(page: str) -> list[str]:
    text = " ".join(_visible_text(page).split())
    found = [label for label in _english_labels() if label in text]
    found += [word for word in ENGLISH_WORDS if re.search(rf"\b{word}\b", text)]
    return found


def _as_german_admin(web_ws: WebWorkspace, client: httpx.Client) -> None:
    with web_ws.ws.owner() as api:
        ok(api.patch("/api/me", json={"language": "de"}))
    sign_in(client, web_ws.owner_email)


def test_every_admin_page_in_german_has_no_english_left(
    web_ws: WebWorkspace, fake: FakeProvider
) -> None:
    ws = web_ws.ws
    key, chat = key_in_use(ws)
    embed = add_model(ws, fake, kind="embedding", identifier="fake-embed-8", display_name="Vekt")
    image = add_model(ws, fake, kind="image", identifier="gpt-image-1", display_name="Bildner")
    with ws.owner() as api:
        ok(api.post(f"/api/models/{image['id']}/test", json={}))  # a live test, shown in Usage
        collection = new_collection(api, embed["id"], name="Handbuch")
        add_text(api, collection["id"], "regeln.md", "vec:1,0")
    pages = [
        "/",
        "/settings/models",
        "/settings/model-keys",
        f"/settings/models/{chat['id']}/prices",
        "/settings/models/catalog-updates",
        "/settings/usage",
        "/settings/knowledge",
        f"/settings/knowledge/{collection['id']}",
        "/settings/groups",
        "/settings/users",
        "/settings/audit",
        "/settings/budgets",
        "/settings/sign-in",
    ]
    with httpx.Client(base_url=web_ws.base_url, timeout=20) as client:
        _as_german_admin(web_ws, client)
        for path in pages:
            answer = client.get(path)
            assert answer.status_code == 200, (path, answer.text[:300])
            assert _leftovers(answer.text) == [], path
        usage = client.get("/settings/usage").text
        assert "Live-Tests" in usage and 'data-test="true"' in usage
        assert "0,04" in usage or "0,0" in usage  # money in German notation
        models = client.get("/settings/models").text
        assert "Textmodelle" in models and "Ausblenden" in models and "Bildner" in models
        assert key["name"] in client.get("/settings/model-keys").text
        with web_ws.ws.owner() as api:  # the same check finds the English labels in English
            ok(api.patch("/api/me", json={"language": "en"}))
        english = _leftovers(client.get("/settings/models").text)
        assert {"Delete", "Completion models", "Add custom model"} - set(english) == {"Delete"}


def test_the_refusal_page_speaks_the_members_language(web_ws: WebWorkspace) -> None:
    with web_ws.ws.owner() as api:
        listed = ok(api.get("/api/users"))
        users = listed["data"] if isinstance(listed, dict) else listed
        member = next(u for u in users if u["email"] == web_ws.member_email)
        ok(api.patch(f"/api/users/{member['id']}", json={"language": "de"}))
    with httpx.Client(base_url=web_ws.base_url, timeout=20) as client:
        sign_in(client, web_ws.member_email)
        refused = client.get("/settings/models")
    assert refused.status_code == 403
    assert '<html lang="de"' in refused.text
    assert i18n.texts("de")["error_403_admin"] in html.unescape(refused.text)
    assert _leftovers(refused.text) == []


def test_the_csrf_refusal_speaks_the_admins_language(web_ws: WebWorkspace) -> None:
    with web_ws.ws.owner() as api:
        ok(api.patch("/api/me", json={"language": "de"}))
    try:
        with httpx.Client(base_url=web_ws.base_url, timeout=20) as client:
            sign_in(client, web_ws.owner_email)
            forged = client.post("/logout", data={"csrf": "forged"})
    finally:
        with web_ws.ws.owner() as api:
            ok(api.patch("/api/me", json={"language": "en"}))
    assert forged.status_code == 403
    assert '<html lang="de"' in forged.text
    assert i18n.texts("de")["error_403_csrf"] in html.unescape(forged.text)
    assert _leftovers(forged.text) == []
