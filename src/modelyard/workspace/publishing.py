"""Publishing needs a passing test: each model's last live test is kept, and a model whose last
test failed is made visible only with an explicit override, audited with the admin's reason.

"Passed" means every deployment answered, every capability the model declares works, and an
embedding's vectors have the size the catalog says. A capability that works but is not declared
is only a note: nothing breaks for members. No test at all (models made before tests were kept,
or by the API without one) is not a failure, so existing models stay publishable.

The rule lives here, so ``models.update_model`` (the admin API's PATCH, the models page's Show
button) and the wizard's Save all obey it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from modelyard.errors import Conflict
from modelyard.storage.tables import ModelRow, ModelTestRow
from modelyard.storage.types import utcnow
from modelyard.workspace import audit
from modelyard.workspace.actor import Actor

OVERRIDE_PARAM = "publish_override"
REASON_LIMIT = 500
FAILED_TEST = (
    "The last live test of this model failed, so it cannot be made visible yet. Fix what the "
    "test found and run it again, or publish it anyway with a reason (recorded in the audit log)."
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the test found: ``code`` names it (the pages word it and its fix);
    ``blocking`` findings fail the test, the others are notes."""

    code: str
    blocking: bool
    deployment: int = 1
    capability: str = ""
    detail: str = ""
    expected: int | None = None
    observed: int | None = None


def _failure_code(error: str) -> str:
    """What kind of failure a deployment's error is, from the provider's status or the
    transport's words: each has its own explanation and fix."""
    text = error.lower()
    if "401" in text or "403" in text or "auth" in text or "api key" in text:
        return "auth"
    if "404" in text or "not found" in text or "does not exist" in text:
        return "not_found"
    if "429" in text or "rate" in text or "quota" in text:
        return "rate_limited"
    if any(w in text for w in ("connect", "refused", "timed out", "timeout", "resolve", "dns")):
        return "unreachable"
    return "other"


def findings(result: dict[str, Any], embedding_dimensions: int | None = None) -> list[Finding]:
    """Everything worth telling an admin about a live test's ``result``."""
    deps: list[dict[str, Any]] = list(result.get("deployments") or [])
    if not deps:
        return [Finding("no_deployment", True, detail=str(result.get("error") or ""))]
    out: list[Finding] = []
    for number, dep in enumerate(deps, start=1):
        if not dep.get("ok"):
            error = str(dep.get("error") or "")
            out.append(Finding("failed_" + _failure_code(error), True, number, detail=error))
            continue
        for check in dep.get("checks") or []:
            observed, declared = check.get("observed"), bool(check.get("declared"))
            if observed is None or bool(observed) == declared:
                continue
            code = "capability_missing" if declared else "capability_undeclared"
            out.append(
                Finding(
                    code,
                    declared,
                    number,
                    str(check.get("capability") or ""),
                    str(check.get("detail") or ""),
                )
            )
        size = dep.get("dimensions")
        if embedding_dimensions and size is not None and size != embedding_dimensions:
            out.append(
                Finding(
                    "dimensions_mismatch",
                    True,
                    number,
                    expected=embedding_dimensions,
                    observed=int(size),
                )
            )
    return out


def passed(result: dict[str, Any], embedding_dimensions: int | None = None) -> bool:
    """Whether ``result`` is a passing test (no blocking finding)."""
    return not any(f.blocking for f in findings(result, embedding_dimensions))


def last_test(session: Session, actor: Actor, model_id: str) -> ModelTestRow | None:
    row = session.get(ModelTestRow, model_id)
    return row if row is not None and row.workspace_id == actor.workspace_id else None


def record_test(
    session: Session, actor: Actor, model: ModelRow, result: dict[str, Any]
) -> ModelTestRow:
    """Keep ``result`` as the model's last test (in the caller's transaction)."""
    verdict = passed(result, model.embedding_dimensions)
    row = session.get(ModelTestRow, model.id)
    if row is None:
        row = ModelTestRow(model_id=model.id, workspace_id=model.workspace_id)
        session.add(row)
    row.passed, row.result = verdict, {**result, "model_id": model.id}
    row.tested_at, row.tested_by = utcnow(), actor.user_id
    session.flush()
    return row


def check_publish(
    session: Session, actor: Actor, model: ModelRow, override_reason: str | None
) -> None:
    """Before ``model`` becomes visible: 409 ``failed_test`` when its last test failed and no
    reason is given; with a reason, the override goes to the audit log (same transaction)."""
    test = session.get(ModelTestRow, model.id)
    if test is None or test.passed:
        return
    reason = (override_reason or "").strip()
    if not reason:
        raise Conflict(FAILED_TEST, param="visible", code="failed_test")
    if len(reason) > REASON_LIMIT:
        raise Conflict(
            f"The reason is too long (at most {REASON_LIMIT} characters).",
            param=OVERRIDE_PARAM,
            code="reason_too_long",
        )
    audit.record(
        session,
        actor,
        "model.publish_override",
        "model",
        model.id,
        reason=reason,
        tested_at=test.tested_at.isoformat(),
    )
