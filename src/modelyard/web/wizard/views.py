"""Rendering the wizard's steps: the step indicator, the draft's URLs and each step's context,
in the admin's language (labels from ``wizard_texts`` through ``i18n``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from modelyard.catalog import CatalogEntry
from modelyard.services import Services
from modelyard.web.auth import WebUser
from modelyard.web.i18n import localize, texts
from modelyard.web.locale_format import number
from modelyard.web.pages import GENERAL, render
from modelyard.web.wizard import explain, forms, picker
from modelyard.web.wizard.build import Built
from modelyard.web.wizard.draft import Draft, Stored
from modelyard.workspace import duplicates, model_keys, models
from modelyard.workspace.catalog_store import active_catalog
from modelyard.workspace.schemas import ModelOut

BASE = "/settings/models/new"
# Each step: its URL segment and the key of its title in the string table.
STEPS = (
    ("", "wz_step_select"),
    ("model", "wz_step_model"),
    ("deployment", "wz_step_deployment"),
    ("test", "wz_step_test"),
    ("review", "wz_step_review"),
)
KIND_LABELS = {"completion": "Completion", "image": "Image", "embedding": "Embedding"}
MAX_FALLBACKS = 3


def step_url(draft_id: str, number_: int) -> str:
    return f"{BASE}/{draft_id}/{STEPS[number_ - 1][0]}"


def place(errors: dict[str, str], names: list[str]) -> dict[str, str]:
    """Errors keyed by a field of the page: a message naming a group of fields (such as
    ``max_images_per_user``) goes to its first field, one naming no field to the page top."""
    out: dict[str, str] = {}
    for key, message in errors.items():
        if key not in names:
            key = next((n for n in names if n.startswith(key + ".")), GENERAL)
        out[key] = f"{out[key]} {message}" if key in out else message
    return out


class Rows:
    """(label, value) rows of settings in the reader's language."""

    def __init__(self, language: str) -> None:
        self.language, self.t = language, texts(language)
        self.rows: list[tuple[str, str]] = []

    def add(self, label: str, value: str) -> None:
        self.rows.append((localize(label, self.language), value))

    def yes(self, label: str, value: bool | None) -> None:
        self.add(label, self.t["wz_yes"] if value else self.t["wz_no"])

    def num(self, label: str, value: Decimal | float | int | None, unit: str = "") -> None:
        if value is None:
            self.add(label, self.t["wz_not_set"])
            return
        self.add(label, number(value, self.language) + (" " + self.t[unit] if unit else ""))


def entry_rows(entry: CatalogEntry, language: str) -> list[tuple[str, str]]:
    """The catalog's settings of a pre-configured model, shown read-only."""
    r = Rows(language)
    r.add("Provider", entry.provider)
    r.add("Provider model name", entry.provider_model_name)
    if entry.kind == "completion":
        r.num("Context window", entry.context_window, "wz_unit_tokens")
        r.num("Max output tokens", entry.max_output_tokens)
        _token_prices(r, entry)
        for f in forms.CAPABILITIES:
            r.yes(f.label, getattr(entry.capabilities, f.name.split(".")[1]))
    elif entry.kind == "image":
        r.num("Price per image", entry.image_price, "wz_unit_per_image")
        r.yes("Image generation", True)
        r.yes("Image editing", entry.image_editing)
    else:
        r.num("Input token price", entry.input_price, "wz_unit_per_m")
        r.num("Embedding dimensions", entry.embedding_dimensions)
    return r.rows


def _token_prices(r: Rows, source: Any) -> None:
    r.num("Input token price", source.input_price, "wz_unit_per_m")
    r.num("Output token price", source.output_price, "wz_unit_per_m")
    r.num("Cache read token price", source.cache_read_price, "wz_unit_per_m")
    r.num("Cache write token price", source.cache_write_price, "wz_unit_per_m")


def model_rows(model: ModelOut, language: str) -> list[tuple[str, str]]:
    """Every setting of the model as it will be saved."""
    r = Rows(language)
    r.add("Name", model.display_name)
    r.add("Called as", model.slug)
    r.add(
        "Set up",
        r.t["wz_origin_catalog"].format(id=model.catalog_id)
        if model.catalog_id
        else r.t["wz_origin_manual"],
    )
    r.add("Provider", model.provider)
    r.add("Provider model name", model.provider_model_name)
    r.add("Region", model.region)
    r.add("Description (EN)", model.description_en or r.t["wz_none"])
    r.add("Description (DE)", model.description_de or r.t["wz_none"])
    r.yes("Visible to users", model.visible)
    r.yes("Premium", model.premium)
    r.yes("Maintenance mode", model.maintenance)
    if model.kind == "completion":
        r.yes("Available in assistants", model.available_in_assistants)
        r.num("Context window", model.context_window, "wz_unit_tokens")
        r.num("Max output tokens", model.max_output_tokens)
        _token_prices(r, model)
        caps = model.capabilities
        for f in forms.CAPABILITIES:
            r.yes(f.label, bool(caps and getattr(caps, f.name.split(".")[1])))
    elif model.kind == "image":
        limit = model.max_images_per_user
        r.num("Price per image", model.image_price, "wz_unit_per_image")
        r.yes("Image generation", True)
        r.yes("Image editing", model.image_editing)
        r.add(
            "Max images per user",
            r.t["wz_images_limit"].format(count=limit.count, hours=limit.window_hours)
            if limit
            else r.t["wz_no_limit"],
        )
    else:
        r.num("Vector similarity threshold", model.similarity_threshold)
        r.num("Input token price", model.input_price, "wz_unit_per_m")
        r.num("Embedding dimensions", model.embedding_dimensions)
    return r.rows


class Wizard:
    """One request's view of the wizard: who, which services, and how to render a step."""

    def __init__(self, request: Request, services: Services, user: WebUser) -> None:
        self.request, self.services, self.user = request, services, user
        self.language = user.language
        self.t = texts(user.language)

    def page(
        self,
        number_: int,
        template: str,
        stored: Stored | None,
        kind: str,
        context: dict[str, Any],
        status: int = 200,
    ) -> Response:
        t = self.t
        full = {
            "steps": [t[key] for _, key in STEPS],
            "step_urls": [
                (step_url(stored.id, n) if stored and 1 < n <= stored.draft.reached else None)
                for n in range(1, len(STEPS) + 1)
            ],
            "number": number_,
            "kind": kind,
            "kind_label": t["wz_kind_" + kind],
            "draft": stored.draft if stored else None,
            "draft_id": stored.id if stored else "",
            "saved_model_id": stored.saved_model_id if stored else None,
            "action": step_url(stored.id, number_) if stored else "",
            **context,
        }
        return render(self.request, f"wizard/{template}", full, status_code=status)

    def select(
        self, query: picker.Query, errors: dict[str, str] | None = None, status: int = 200
    ) -> Response:
        with self.services.session() as db:
            catalog = active_catalog(db)
            added = {m.catalog_id for m in models.list_models(db, self.user.actor) if m.catalog_id}
        listing = picker.pick(catalog, query, added)
        context = {"query": query, "listing": listing, "errors": errors or {}}
        return self.page(1, "select.html", None, query.kind, context, status)

    def _entry(self, draft: Draft) -> CatalogEntry | None:
        if draft.catalog_id is None:
            return None
        with self.services.session() as db:
            return active_catalog(db).get(draft.catalog_id)

    def configure(
        self, stored: Stored, errors: dict[str, str] | None = None, status: int = 200
    ) -> Response:
        draft = stored.draft
        groups = forms.model_groups(draft.kind, draft.manual)
        names = [f.name for g in groups for f in g.fields] + [duplicates.MODEL_PARAM]
        typed = draft.model_form or (forms.MANUAL_DEFAULTS if draft.manual else {})
        entry = self._entry(draft)
        name = entry.provider_model_name if entry else typed.get("provider_model_name", "")
        with self.services.session() as db:
            same = duplicates.same_models(db, self.user.actor, draft.kind, name)
        context = {
            "groups": groups,
            "typed": typed,
            "entry": entry,
            "entry_rows": entry_rows(entry, self.language) if entry else [],
            "limit": forms.DESCRIPTION_LIMIT,
            "same": same,
            "errors": place(errors or {}, names),
        }
        return self.page(2, "configure.html", stored, draft.kind, context, status)

    def deployment(
        self, stored: Stored, errors: dict[str, str] | None = None, status: int = 200
    ) -> Response:
        draft, actor = stored.draft, self.user.actor
        with self.services.session() as db:
            keys = model_keys.list_keys(db, actor)
            candidates = models.list_models(db, actor, draft.kind)
        entry = self._entry(draft)
        typed = dict(draft.deployment_form)
        if not typed.get("model_identifier"):
            typed["model_identifier"] = (
                entry.provider_model_name
                if entry
                else draft.model_form.get("provider_model_name", "")
            )
        if not typed.get("key_id"):
            typed["key_id"] = keys[0].id if keys else forms.NEW_KEY
        names = ["key_id", "model_identifier", "tpm_limit", "fallbacks"]
        names += [f.name for f in forms.KEY_FIELDS] + [duplicates.KEY_PARAM]
        chosen = draft.fallbacks + [""] * MAX_FALLBACKS
        placed = place(errors or {}, names)
        context = {
            "keys": keys,
            "key_fields": forms.KEY_FIELDS,
            "new_key": forms.NEW_KEY,
            "typed": typed,
            "secret_kept": bool(typed.get("key.secret")),
            "candidates": candidates,
            "chosen": chosen[: max(MAX_FALLBACKS, len(draft.fallbacks))],
            "with_tpm": draft.kind != "embedding",
            "ask_key": draft.confirm_duplicate_key or duplicates.KEY_PARAM in placed,
            "errors": placed,
        }
        return self.page(3, "deployment.html", stored, draft.kind, context, status)

    def _explained(self, draft: Draft) -> explain.Explained | None:
        if draft.test is None:
            return None
        entry = self._entry(draft)
        dims = entry.embedding_dimensions if entry else None
        return explain.explain(draft.test, dims, self.language)

    def test(
        self, stored: Stored, errors: dict[str, str] | None = None, status: int = 200
    ) -> Response:
        context = {
            "result": stored.draft.test,
            "explained": self._explained(stored.draft),
            "errors": errors or {},
        }
        return self.page(4, "test.html", stored, stored.draft.kind, context, status)

    def review(
        self,
        stored: Stored,
        built: Built,
        errors: dict[str, str] | None = None,
        status: int = 200,
        reason: str = "",
    ) -> Response:
        draft = stored.draft
        explained = self._explained(draft)
        context = {
            "model": built.model,
            "rows": model_rows(built.model, self.language),
            "key": built.key,
            "result": draft.test,
            "explained": explained,
            "needs_override": bool(built.model.visible and explained and not explained.passed),
            "reason": reason,
            "errors": errors or {},
        }
        return self.page(5, "review.html", stored, draft.kind, context, status)
