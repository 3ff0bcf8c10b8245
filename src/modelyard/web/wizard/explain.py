"""A live test's result in an admin's words: the verdict, and for every finding what it means
and how to fix it, in the reader's language (``wizard_texts``).

What counts as a failure is the domain's (``workspace.publishing``); this only words it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modelyard.web.i18n import texts
from modelyard.web.locale_format import number
from modelyard.workspace.publishing import Finding, findings


@dataclass(frozen=True, slots=True)
class Said:
    """One finding as the page shows it: what happened, and what to do about it."""

    blocking: bool
    what: str
    fix: str
    detail: str
    capability: str


@dataclass(frozen=True, slots=True)
class Explained:
    passed: bool
    verdict: str  # "passed", "passed_with_notes" or "failed"
    said: list[Said]


def capability_label(capability: str, language: str) -> str:
    said = texts(language)
    return said.get("wz_cap_" + capability, capability.replace("_", " "))


def _say(finding: Finding, deployments: int, language: str) -> Said:
    said = texts(language)
    values = {
        "capability": capability_label(finding.capability, language),
        "expected": number(finding.expected, language),
        "observed": number(finding.observed, language),
        "deployment": finding.deployment,
    }
    what = said[f"wz_find_{finding.code}"].format(**values)
    if deployments > 1:
        what = said["wz_find_deployment"].format(n=finding.deployment) + " " + what
    return Said(
        finding.blocking,
        what,
        said[f"wz_fix_{finding.code}"].format(**values),
        finding.detail,
        finding.capability,
    )


def explain(result: dict[str, Any], embedding_dimensions: int | None, language: str) -> Explained:
    found = findings(result, embedding_dimensions)
    count = len(result.get("deployments") or [])
    said = [_say(f, count, language) for f in found]
    failed = any(f.blocking for f in found)
    verdict = "failed" if failed else ("passed_with_notes" if found else "passed")
    return Explained(not failed, verdict, said)
