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
from modelyard.storage.tables import WizardDraftRow
from modelyard.web import friendly_errors
from modelyard.web.i18n import localize
from modelyard.web.pages import GENERAL
from modelyard.web.wizard import draft as drafts
from modelyard.web.wizard import forms
from modelyard.web.wizard.draft import Draft
from modelyard.workspace import deployments, fallbacks, model_keys, models, publishing
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
MODEL, DEPLOYMENT, REVIEW = "model", "deployment", "review"


class StepInvalid(Exception):
    """The services refused the input of ``step``: ``errors`` by field, in the admin's words;
    ``codes`` the refusals' codes (``duplicate_model`` ...), for the page to react to."""

    def __init__(self, step: str, errors: dict[str, str], codes: frozenset[str] = frozenset()):
        super().__init__(step)
        self.step = step
        self.errors = errors
        self.codes = codes


class AlreadySaved(Exception):
    """The draft was saved before (Back + Save again): ``model_id`` is what it became."""

    def __init__(self, model_id: str) -> None:
        super().__init__(model_id)
        self.model_id = model_id


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


def _errors(
    exc: ModelyardError | ValidationError, language: str, prefix: str = ""
) -> dict[str, str]:
    """The services' messages keyed by the form's field names (nested ones dotted), worded for
    an admin (``friendly_errors``) in their language."""
    if isinstance(exc, ModelyardError):
        return {(prefix + exc.param) if exc.param else GENERAL: localize(exc.message, language)}
    out: dict[str, str] = {}
    for error in exc.errors():
        parts = [str(p) for p in error.get("loc", ()) if isinstance(p, str)]
        key = prefix + ".".join(parts) if parts else GENERAL
        out.setdefault(key, friendly_errors.message(error, parts[-1] if parts else "", language))
    return out


def _codes(exc: ModelyardError | ValidationError) -> frozenset[str]:
    return frozenset({exc.code}) if isinstance(exc, ModelyardError) and exc.code else frozenset()


def build(
    session: Session,
    services: Services,
    actor: Actor,
    draft: Draft,
    *,
    through: str,
    language: str = "en",
) -> Built:
    """Create the draft's rows in ``session`` up to the step ``through``; StepInvalid names the
    step whose input was refused."""
    body = forms.model_payload(draft.kind, draft.catalog_id, draft.model_form, language)
    try:
        model = models.create_model(
            session,
            actor,
            ModelCreate.model_validate(body),
            confirm_duplicate=draft.confirm_duplicate,
        )
    except (ModelyardError, ValidationError) as exc:
        raise StepInvalid(MODEL, _errors(exc, language), _codes(exc)) from None
    if through == MODEL:
        return Built(model, None)
    typed = draft.deployment_form
    key_id: str | None = None
    try:
        if typed.get("key_id") == forms.NEW_KEY:
            data = ModelKeyCreate.model_validate(forms.key_payload(typed))
            settings = services.settings
            key_id = model_keys.create_key(
                session,
                actor,
                services.secret_box,
                settings.allowed_upstream_hosts,
                data,
                confirm_duplicate=draft.confirm_duplicate_key,
            ).id
    except (ModelyardError, ValidationError) as exc:
        errors = _errors(exc, language, "key.")
        if "key.confirm_duplicate_key" in errors:
            errors["confirm_duplicate_key"] = errors.pop("key.confirm_duplicate_key")
        raise StepInvalid(DEPLOYMENT, errors, _codes(exc)) from None
    try:
        deployment = DeploymentCreate.model_validate(forms.deployment_payload(typed, key_id))
        created = deployments.create_deployment(session, actor, model.id, deployment)
        chain = FallbacksSet.model_validate({"fallbacks": draft.fallbacks})
        fallbacks.set_fallbacks(session, actor, model.id, chain)
    except (ModelyardError, ValidationError) as exc:
        errors = _errors(exc, language)
        if any(k.startswith("fallbacks") for k in errors):
            errors = {"fallbacks": " ".join(errors.values())}
        if key_id is not None and "key_id" in errors:  # the inline key's provider does not fit
            errors["key.provider"] = errors.pop("key_id")
        raise StepInvalid(DEPLOYMENT, errors, _codes(exc)) from None
    key = model_keys.get_key(session, actor, created.key_id)
    return Built(models.get_model(session, actor, model.id), key)


def rehearse(
    services: Services, actor: Actor, draft: Draft, *, through: str, language: str = "en"
) -> Built:
    """Check the draft up to ``through`` by building it in a transaction that is rolled back."""
    with transaction(services, keep=False) as session:
        return build(session, services, actor, draft, through=through, language=language)


def saved(services: Services, actor: Actor, model_id: str) -> Built | None:
    """The model a draft became, with its first deployment's key; None once it is deleted."""
    with services.session() as session:
        try:
            model = models.get_model(session, actor, model_id)
            key = (
                model_keys.get_key(session, actor, model.deployments[0].key_id)
                if model.deployments
                else None
            )
        except ModelyardError:
            return None
        return Built(model, key)


def unsaved_config(services: Services, actor: Actor, draft: Draft) -> ModelConfig:
    """The gateway's configuration of the unsaved model, read the way the gateway reads it,
    for the live test; the rows it was read from are rolled back."""
    with transaction(services, keep=False) as session:
        built = build(session, services, actor, draft, through=DEPLOYMENT)
        config = load_workspace(session, services.secret_box, actor.workspace_id)
        return config.models_by_id[built.model.id]


def save(
    services: Services,
    actor: Actor,
    stored: drafts.Stored,
    publish_reason: str,
    language: str = "en",
) -> Built:
    """Write the whole draft in one transaction: all of it, or (on any refusal) nothing. The
    draft is claimed in the same transaction, so it becomes one model at most (AlreadySaved);
    the test it passed or failed is kept as the model's last test, and a visible model whose
    test failed needs ``publish_reason`` (``publishing``)."""
    draft = stored.draft
    with transaction(services, keep=True) as session:
        built = build(session, services, actor, draft, through=DEPLOYMENT, language=language)
        if not drafts.claim(session, stored.id, built.model.id):
            row = session.get(WizardDraftRow, stored.id, populate_existing=True)
            raise AlreadySaved(row.saved_model_id if row and row.saved_model_id else "")
        model_row = models.load_row(session, actor, built.model.id)
        if draft.test is not None:
            publishing.record_test(session, actor, model_row, draft.test)
        if model_row.visible:
            try:
                publishing.check_publish(session, actor, model_row, publish_reason)
            except ModelyardError as exc:
                raise StepInvalid(REVIEW, _errors(exc, language), _codes(exc)) from None
        session.commit()
        return built
