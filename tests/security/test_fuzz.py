"""The short fuzz run: ``scripts/fuzz.py`` (schemathesis, every check, ``/api`` and ``/v1``)
against the test server on each database, as an owner; no answer may be a server error.

About 35 s a backend; the long run is documented in ``docs/SECURITY.md``.
"""

from __future__ import annotations

import base64
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from modelyard.testing import FakeProvider
from tests.support import Workspace, ok

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "fuzz.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fuzz_script", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["fuzz_script"] = module
    spec.loader.exec_module(module)
    return module


def test_a_short_fuzz_run_finds_no_server_error(ws: Workspace, fake: FakeProvider) -> None:
    fuzz = load_script()
    base_url = ws.server.base_url
    slugs = fuzz.prepare(base_url, ws.owner_key, fake.url)
    findings = fuzz.fuzz(
        base_url, ws.owner_key, slugs, max_examples=20, duration=35, workers=4, seed=12
    )
    summary = fuzz.report(findings)
    # That it ran for real: about 1,000 requests alone, fewer beside the other tests (-n 2).
    assert findings.requests > 200, summary + findings.output[-3000:]
    assert not findings.server_errors, summary
    # The fuzzer ran as the owner to the end: its key and role are intact.
    with ws.owner() as api:
        assert ok(api.get("/api/me"))["role"] == "owner"


def event(status: int, body: bytes) -> dict[str, object]:
    interaction = {
        "request": {"method": "POST", "uri": "http://x/v1/embeddings"},
        "response": {
            "status_code": status,
            "content": {"$base64": base64.b64encode(body).decode()},
        },
    }
    return {"ScenarioFinished": {"recorder": {"interactions": {"c1": interaction}}}}


def test_a_500_or_an_unshaped_5xx_is_a_server_error_the_contracts_503_is_not() -> None:
    fuzz = load_script()
    findings = fuzz.Findings()
    findings.read(event(500, b'{"error": {"type": "api_error"}, "request_id": "r"}'))
    findings.read(event(503, b"Service Unavailable"))
    findings.read(
        event(503, b'{"error": {"type": "service_unavailable", "code": "no_deployment"}}')
    )
    findings.read(event(200, b"{}"))
    assert findings.requests == 4
    assert [e.split(":")[0] for e in findings.server_errors] == [
        "500 POST http",
        "503 POST http",
    ]
    assert findings.contract_5xx == {"503 service_unavailable": 1}
