"""Turning a draft into rows with the admin API's own schemas and services, all in one
transaction: rolled back to check a step or to test the unsaved model, committed only on Save.

The services commit as they go; joined to an outer transaction in ``rollback_only`` mode their
commits stay inside it, so a failure anywhere (or a mere rehearsal) leaves no model, key or
deployment behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy.orm import Session

from modelyard.errors import ModelyardError
from modelyard.routing.snapshot import ModelConfig, load_workspace
from modelyard.services import Services
from modelyard.web.pages import GENERAL
from modelyard.web.wizard import forms
from modelyard.web.wizard.draft import Draft
from modelyard.workspace import deployments, fallbacks, model_keys, models
from modelyard.workspace.actor import Actor
from modelyard.workspace.schemas import (
    DeploymentCreate,
    FallbacksSet,
    ModelCreate,
    ModelKeyCreate,
    ModelKeyOut,
    ModelOut,
)

# The steps whose input the services judge, in wizard order.
MODEL, DEPLOYMENT = "model", "deployment"


class StepInvalid(Exception):
    """The services refused the input of ``step``; ``errors`` by field, as they wrote them."""

    def __init__(self, step: str, errors: dict[str, str]) -> None:
        super().__init__(step)
        self.step = step
        self.errors = errors


@dataclass(frozen=True, slots=True)
class Built:
    """What the draft becomes: the model as saved, the key its deployment uses."""

    model: ModelOut
    key: ModelKeyOut | None


@contextmanager
def transaction(services: Services, *, keep: bool) -> Iterator[Session]:
    """A session whose commits stay in one outer transaction: committed at the end when
    ``keep``, rolled back otherwise and whenever anything fails."""
    with services.engine.connect() as connection:
        outer = connection.begin()
        session = services.sessions(bind=connection, join_transaction_mode="rollback_only")
        try:
            yield session
            session.close()
            if keep:
                outer.commit()
        finally:
            session.close()
            if outer.is_active:
                outer.rollback()


def _errors(exc: ModelyardError | ValidationError, prefix: str = "") -> dict[str, str]:
    """The services' messages keyed by the form's field names (nested ones dotted)."""
    if isinstance(exc, ModelyardError):
        return {(prefix + exc.param) if exc.param else GENERAL: exc.message}
    out: dict[str, str] = {}
    for error in exc.errors():
        parts = [str(p) for p in error.get("loc", ()) if isinstance(p, str)]
        key = prefix + ".".join(parts) if parts else GENERAL
        # Worded as ``pages.field_errors`` words them, but keyed by the nested field.
        message = "This field is required." if error["type"] == "missing" else error["msg"]
        out.setdefault(key, message)
    return out


def build(
    session: Session, services: Services, actor: Actor, draft: Draft, *, through: str
) -> Built:
    """Create the draft's rows in ``session`` up to the step ``through``; StepInvalid names the
    step whose input was refused."""
    body = forms.model_payload(draft.kind, draft.catalog_id, draft.model_form)
    try:
        model = models.create_model(session, actor, ModelCreate.model_validate(body))
    except (ModelyardError, ValidationError) as exc:
        raise StepInvalid(MODEL, _errors(exc)) from None
    if through == MODEL:
        return Built(model, None)
    typed = draft.deployment_form
    key_id: str | None = None
    try:
        if typed.get("key_id") == forms.NEW_KEY:
            data = ModelKeyCreate.model_validate(forms.key_payload(typed))
            settings = services.settings
            key_id = model_keys.create_key(
                session, actor, services.secret_box, settings.allowed_upstream_hosts, data
            ).id
    except (ModelyardError, ValidationError) as exc:
        raise StepInvalid(DEPLOYMENT, _errors(exc, "key.")) from None
    try:
        deployment = DeploymentCreate.model_validate(forms.deployment_payload(typed, key_id))
        created = deployments.create_deployment(session, actor, model.id, deployment)
        chain = FallbacksSet.model_validate({"fallbacks": draft.fallbacks})
        fallbacks.set_fallbacks(session, actor, model.id, chain)
    except (ModelyardError, ValidationError) as exc:
        errors = _errors(exc)
        if any(k.startswith("fallbacks") for k in errors):
            errors = {"fallbacks": " ".join(errors.values())}
        if key_id is not None and "key_id" in errors:  # the inline key's provider does not fit
            errors["key.provider"] = errors.pop("key_id")
        raise StepInvalid(DEPLOYMENT, errors) from None
    key = model_keys.get_key(session, actor, created.key_id)
    return Built(models.get_model(session, actor, model.id), key)


def rehearse(services: Services, actor: Actor, draft: Draft, *, through: str) -> Built:
    """Check the draft up to ``through`` by building it in a transaction that is rolled back."""
    with transaction(services, keep=False) as session:
        return build(session, services, actor, draft, through=through)


def unsaved_config(services: Services, actor: Actor, draft: Draft) -> ModelConfig:
    """The gateway's configuration of the unsaved model, read the way the gateway reads it,
    for the live test; the rows it was read from are rolled back."""
    with transaction(services, keep=False) as session:
        built = build(session, services, actor, draft, through=DEPLOYMENT)
        config = load_workspace(session, services.secret_box, actor.workspace_id)
        return config.models_by_id[built.model.id]


def save(services: Services, actor: Actor, draft: Draft) -> Built:
    """Write the whole draft in one transaction: all of it, or (on any refusal) nothing."""
    with transaction(services, keep=True) as session:
        return build(session, services, actor, draft, through=DEPLOYMENT)
