"""Rendering the wizard's steps: the step indicator, the draft token, and each step's context."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from modelyard.catalog import CatalogEntry
from modelyard.services import Services
from modelyard.web.auth import WebUser
from modelyard.web.pages import GENERAL, render
from modelyard.web.wizard import forms
from modelyard.web.wizard.build import Built
from modelyard.web.wizard.draft import Draft
from modelyard.workspace import model_keys, models
from modelyard.workspace.catalog_store import active_catalog
from modelyard.workspace.schemas import ModelOut

STEPS = (
    "Select the model",
    "Configure your model",
    "Configure your deployment",
    "Test your model",
    "Review and save",
)
KIND_LABELS = {"completion": "Completion", "image": "Image", "embedding": "Embedding"}
MAX_FALLBACKS = 3


def place(errors: dict[str, str], names: list[str]) -> dict[str, str]:
    """Errors keyed by a field of the page: a message naming a group of fields (such as
    ``max_images_per_user``) goes to its first field, one naming no field to the page top."""
    out: dict[str, str] = {}
    for key, message in errors.items():
        if key not in names:
            key = next((n for n in names if n.startswith(key + ".")), GENERAL)
        out[key] = f"{out[key]} {message}" if key in out else message
    return out


def _yes(value: bool | None) -> str:
    return "Yes" if value else "No"


def _num(value: Decimal | float | int | None, unit: str = "") -> str:
    if value is None:
        return "not set"
    return (
        f"{value:,}{unit}"
        if isinstance(value, int)
        else f"{Decimal(str(value)).normalize():f}{unit}"
    )


def entry_rows(entry: CatalogEntry) -> list[tuple[str, str]]:
    """The catalog's settings of a pre-configured model, shown read-only."""
    rows = [("Provider", entry.provider), ("Provider model name", entry.provider_model_name)]
    per_m = " USD / 1M tokens"
    if entry.kind == "completion":
        rows += [
            ("Context window", _num(entry.context_window, " tokens")),
            ("Max output tokens", _num(entry.max_output_tokens)),
            ("Input token price", _num(entry.input_price, per_m)),
            ("Output token price", _num(entry.output_price, per_m)),
            ("Cache read token price", _num(entry.cache_read_price, per_m)),
            ("Cache write token price", _num(entry.cache_write_price, per_m)),
        ]
        rows += [
            (f.label, _yes(getattr(entry.capabilities, f.name.split(".")[1])))
            for f in forms.CAPABILITIES
        ]
    elif entry.kind == "image":
        rows += [
            ("Price per image", _num(entry.image_price, " USD")),
            ("Image generation", "Yes"),
            ("Image editing", _yes(entry.image_editing)),
        ]
    else:
        rows += [
            ("Input token price", _num(entry.input_price, per_m)),
            ("Embedding dimensions", _num(entry.embedding_dimensions)),
        ]
    return rows


def model_rows(model: ModelOut) -> list[tuple[str, str]]:
    """Every setting of the model as it will be saved."""
    origin = f"Pre-configured ({model.catalog_id})" if model.catalog_id else "Manual"
    rows = [
        ("Name", model.display_name),
        ("Called as", model.slug),
        ("Set up", origin),
        ("Provider", model.provider),
        ("Provider model name", model.provider_model_name),
        ("Region", model.region),
        ("Description (EN)", model.description_en or "none"),
        ("Description (DE)", model.description_de or "none"),
        ("Visible to users", _yes(model.visible)),
        ("Premium", _yes(model.premium)),
        ("Maintenance mode", _yes(model.maintenance)),
    ]
    per_m = " USD / 1M tokens"
    if model.kind == "completion":
        rows += [
            ("Available in assistants", _yes(model.available_in_assistants)),
            ("Context window", _num(model.context_window, " tokens")),
            ("Max output tokens", _num(model.max_output_tokens)),
            ("Input token price", _num(model.input_price, per_m)),
            ("Output token price", _num(model.output_price, per_m)),
            ("Cache read token price", _num(model.cache_read_price, per_m)),
            ("Cache write token price", _num(model.cache_write_price, per_m)),
        ]
        caps = model.capabilities
        rows += [
            (f.label, _yes(bool(caps and getattr(caps, f.name.split(".")[1]))))
            for f in forms.CAPABILITIES
        ]
    elif model.kind == "image":
        limit = model.max_images_per_user
        rows += [
            ("Price per image", _num(model.image_price, " USD")),
            ("Image generation", "Yes"),
            ("Image editing", _yes(model.image_editing)),
            (
                "Max images per user",
                f"{limit.count} per {limit.window_hours} hours" if limit else "no limit",
            ),
        ]
    else:
        rows += [
            ("Vector similarity threshold", _num(model.similarity_threshold)),
            ("Input token price", _num(model.input_price, per_m)),
        ]
    return rows


class Wizard:
    """One request's view of the wizard: who, which services, and how to render a step."""

    def __init__(self, request: Request, services: Services, user: WebUser) -> None:
        self.request, self.services, self.user = request, services, user

    def page(
        self,
        number: int,
        template: str,
        draft: Draft | None,
        kind: str,
        context: dict[str, Any],
        status: int = 200,
    ) -> Response:
        full = {
            "steps": STEPS,
            "number": number,
            "kind": kind,
            "kind_label": KIND_LABELS[kind],
            "token": draft.seal(self.services.secret_box) if draft else "",
            "draft": draft,
            **context,
        }
        return render(self.request, f"wizard/{template}", full, status_code=status)

    def select(
        self, kind: str, q: str, errors: dict[str, str] | None = None, status: int = 200
    ) -> Response:
        with self.services.session() as db:
            found = [e for e in active_catalog(db).search(kind=kind, q=q) if not e.deprecated]
        context = {"q": q, "entries": found, "errors": errors or {}}
        return self.page(1, "select.html", None, kind, context, status)

    def _entry(self, draft: Draft) -> CatalogEntry | None:
        if draft.catalog_id is None:
            return None
        with self.services.session() as db:
            return active_catalog(db).get(draft.catalog_id)

    def configure(
        self, draft: Draft, errors: dict[str, str] | None = None, status: int = 200
    ) -> Response:
        groups = forms.model_groups(draft.kind, draft.manual)
        names = [f.name for g in groups for f in g.fields]
        typed = draft.model_form or (forms.MANUAL_DEFAULTS if draft.manual else {})
        entry = self._entry(draft)
        context = {
            "groups": groups,
            "typed": typed,
            "entry": entry,
            "entry_rows": entry_rows(entry) if entry else [],
            "limit": forms.DESCRIPTION_LIMIT,
            "errors": place(errors or {}, names),
        }
        return self.page(2, "configure.html", draft, draft.kind, context, status)

    def deployment(
        self, draft: Draft, errors: dict[str, str] | None = None, status: int = 200
    ) -> Response:
        actor = self.user.actor
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
        names += [f.name for f in forms.KEY_FIELDS]
        chosen = draft.fallbacks + [""] * MAX_FALLBACKS
        context = {
            "keys": keys,
            "key_fields": forms.KEY_FIELDS,
            "new_key": forms.NEW_KEY,
            "typed": typed,
            "secret_kept": bool(typed.get("key.secret")),
            "candidates": candidates,
            "chosen": chosen[: max(MAX_FALLBACKS, len(draft.fallbacks))],
            "with_tpm": draft.kind != "embedding",
            "errors": place(errors or {}, names),
        }
        return self.page(3, "deployment.html", draft, draft.kind, context, status)

    def test(
        self, draft: Draft, errors: dict[str, str] | None = None, status: int = 200
    ) -> Response:
        context = {"result": draft.test, "errors": errors or {}}
        return self.page(4, "test.html", draft, draft.kind, context, status)

    def review(
        self, draft: Draft, built: Built, errors: dict[str, str] | None = None, status: int = 200
    ) -> Response:
        context = {
            "model": built.model,
            "rows": model_rows(built.model),
            "key": built.key,
            "result": draft.test,
            "errors": errors or {},
        }
        return self.page(5, "review.html", draft, draft.kind, context, status)
