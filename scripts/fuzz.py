"""Fuzz Modelyard's HTTP surface with schemathesis, against the server's own ``/openapi.json``.

::

    python scripts/fuzz.py                          # a server of its own (SQLite, the fake), 60 s
    python scripts/fuzz.py --duration 1800 --max-examples 1000     # the long run (SECURITY.md)
    python scripts/fuzz.py --url http://127.0.0.1:8080 --key KEY   # a running server, owner key

The document covers ``/api`` and ``/v1``; every check is on (``--checks all``), authenticated as
an owner. Before the run the workspace gets a model key and a chat, an embedding and an image
model behind the fake provider, and the ``model`` field of the ``/v1`` bodies is drawn from their
slugs, so valid cases reach routing and the upstream instead of ending in 404.

Two operations are left out, so that the fuzzer cannot take away its own access half way and
make the later cases meaningless: ``PATCH /api/users/{user_id}`` (it could demote or re-password
the owner it runs as) and ``DELETE /api/api-keys/{key_id}`` (it could revoke its own key). Both
are covered by the rank and key tests. Nothing else is rate-limited on ``/api`` or ``/v1``.

The run fails (exit 1) when any answer is a 5xx; the other checks' findings are printed, by
check and operation, for reading (their fixes are contract work, not crashes).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

SLUGS_ENV = "MODELYARD_FUZZ_SLUGS"
EXCLUDED_OPERATIONS = (
    "update_user_api_users__user_id__patch",
    "revoke_api_key_api_api_keys__key_id__delete",
)
# Which /v1 request schema draws its model from which kind of model.
_V1_BODIES = {
    "V1ChatCompletionRequest": "completion",
    "V1EmbeddingRequest": "embedding",
    "V1ImageGenerationRequest": "image",
    "V1ImageEditRequest": "image",
}


# The answers a workspace the fuzzer reconfigured itself may rightly get (its deployments deleted,
# its models put in maintenance, an identifier the fake fails on): the contract's own 5xx.
CONTRACT_5XX = {502: "upstream_error", 503: "service_unavailable", 504: "upstream_timeout"}


@dataclass
class Findings:
    """What one run found: server errors (5xx that are bugs), the contract's own 5xx, and the
    other checks' failures by code, title and operation."""

    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    contract_5xx: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    tool_errors: list[str] = field(default_factory=list)  # schemathesis' own, not the server's
    exit_code: int = 0
    output: str = ""

    def read(self, event: dict[str, Any]) -> None:
        """One NDJSON event of schemathesis' report."""
        for kind in ("NonFatalError", "FatalError"):
            if kind in event:
                self.tool_errors.append(str(event[kind].get("label") or kind))
        finished = event.get("ScenarioFinished") or event.get("FuzzScenarioFinished") or {}
        recorder = finished.get("recorder", {})
        for interaction in recorder.get("interactions", {}).values():
            response = interaction.get("response")
            if not response:
                continue
            self.requests += 1
            status = response["status_code"]
            if status >= 500:
                request = interaction["request"]
                where = f"{status} {request['method']} {request['uri']}"
                error_type = _error_type(response.get("content"))
                if CONTRACT_5XX.get(status) == error_type:
                    self.contract_5xx[f"{status} {error_type}"] += 1
                else:
                    self.server_errors.append(f"{where}: {_text(response.get('content'))[:300]}")
        for checks in recorder.get("checks", {}).values():
            for check in checks:
                failure = (check.get("failure_info") or {}).get("failure")
                if check.get("status") == "failure" and failure:
                    name = f"{failure['code']} {failure['title']}: {failure['operation']}"
                    self.failures[name] += 1


def _text(content: Any) -> str:
    if isinstance(content, dict) and "$base64" in content:
        return base64.b64decode(content["$base64"]).decode("utf-8", "replace")
    return str(content or "")


def _error_type(content: Any) -> str | None:
    """The ``error.type`` of an OpenAI-shaped error body, else None."""
    try:
        body = json.loads(_text(content))
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    kind = error.get("type") if isinstance(error, dict) else None
    return kind if isinstance(kind, str) else None


def prepare(base_url: str, key: str, fake_url: str) -> dict[str, list[str]]:
    """A model key on the fake, one model of each kind (image editing on), a knowledge
    collection with a document and an assistant over them, so that the operations on ids
    have something to find; the models' slugs by kind."""
    headers = {"authorization": f"Bearer {key}"}
    models: dict[str, tuple[str, dict[str, Any]]] = {
        "completion": (
            "fake-model",
            {"context_window": 100_000, "max_output_tokens": 4000, "available_in_assistants": True},
        ),
        "embedding": ("fake-embed-8", {"input_price": 0.02}),
        "image": ("gpt-image-1", {"image_price": 0.04, "image_editing": True}),
    }
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as api:

        def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            answer = api.post(path, json=body)
            answer.raise_for_status()
            created: dict[str, Any] = answer.json()
            return created

        secret = {"provider": "openai", "secret": "sk-fuzz-0000", "base_url": fake_url + "/v1"}
        key_id = post("/api/model-keys", {"name": f"fuzz {time.time_ns()}", **secret})["id"]
        made: dict[str, dict[str, Any]] = {}
        for kind, (identifier, extra) in models.items():
            body: dict[str, Any] = {
                "kind": kind,
                "display_name": f"Fuzz {kind}",
                "provider": "openai",
            }
            body |= {"provider_model_name": identifier, "visible": True, **extra}
            made[kind] = post("/api/models", body)
            deployment = {"key_id": key_id, "model_identifier": identifier}
            post(f"/api/models/{made[kind]['id']}/deployments", deployment)
        collection = {"name": "Fuzz notes", "embedding_model_id": made["embedding"]["id"]}
        collection_id = post("/api/knowledge", collection)["id"]
        document = {"name": "notes.md", "text": "# Notes\n\nThe fuzzer was here."}
        post(f"/api/knowledge/{collection_id}/documents", document)
        assistant = {"name": "Fuzz helper", "model_id": made["completion"]["id"]}
        post("/api/assistants", {**assistant, "knowledge_collection_id": collection_id})
        # Chat calls without a model go to the caller's default (else a 400 for valid bodies).
        api.put("/api/me/default-model", json={"model_id": made["completion"]["id"]})
    return {kind: [model["slug"]] for kind, model in made.items()}


def command(
    base_url: str,
    key: str,
    *,
    max_examples: int,
    duration: int,
    workers: int,
    seed: int | None,
    only: str | None = None,
) -> list[str]:
    args = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{base_url}/openapi.json",
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {key}",
        "--max-examples",
        str(max_examples),
        "--max-time",
        str(duration),
        "--workers",
        str(workers),
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
        "--no-color",
    ]
    for operation_id in EXCLUDED_OPERATIONS:
        args += ["--exclude-operation-id", operation_id]
    if seed is not None:
        args += ["--seed", str(seed)]
    if only:
        args += ["--include-path-regex", only]
    return args


def fuzz(
    base_url: str,
    key: str,
    slugs: dict[str, list[str]],
    *,
    max_examples: int = 30,
    duration: int = 60,
    workers: int = 4,
    seed: int | None = None,
    only: str | None = None,
) -> Findings:
    """Run schemathesis against ``base_url`` as the owner of ``key``; what it found."""
    with tempfile.TemporaryDirectory(prefix="modelyard-fuzz-") as tmp:
        report = Path(tmp) / "events.ndjson"
        args = command(
            base_url,
            key,
            max_examples=max_examples,
            duration=duration,
            workers=workers,
            seed=seed,
            only=only,
        )
        args += ["--report", "ndjson", "--report-ndjson-path", str(report)]
        env = {
            **os.environ,
            "SCHEMATHESIS_HOOKS": "fuzz",
            "PYTHONPATH": os.pathsep.join(
                [str(Path(__file__).resolve().parent), os.environ.get("PYTHONPATH", "")]
            ),
            SLUGS_ENV: json.dumps(slugs),
        }
        # In the temporary directory, so schemathesis' cache (.schemathesis/) goes with it.
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False, cwd=tmp)
        findings = Findings(exit_code=done.returncode, output=done.stdout + done.stderr)
        if report.exists():
            with report.open() as lines:
                for line in lines:
                    findings.read(json.loads(line))
    return findings


def _register_hooks() -> None:
    """Inside the schemathesis process: ``model`` in ``/v1`` bodies is one of the real slugs."""
    import schemathesis

    # Imported here, not under the deep recursion of a generating worker thread, where the
    # import of anyio's lazy loader failed ("AST constructor recursion depth mismatch").
    import schemathesis.transport.asgi

    slugs: dict[str, list[str]] = json.loads(os.environ[SLUGS_ENV])

    @schemathesis.hook
    def before_load_schema(context: Any, raw_schema: dict[str, Any]) -> None:
        schemas = raw_schema.get("components", {}).get("schemas", {})
        for name, kind in _V1_BODIES.items():
            if name in schemas and slugs.get(kind):
                schemas[name]["properties"]["model"] = {"enum": slugs[kind]}


if SLUGS_ENV in os.environ and __name__ == "fuzz":
    _register_hooks()


@contextmanager
def own_server(database_url: str | None) -> Iterator[tuple[str, str, str]]:
    """A Modelyard server and the fake provider on loopback; (base URL, owner key, fake URL)."""
    import socket

    import uvicorn

    from modelyard.app import create_app
    from modelyard.services import Services
    from modelyard.settings import Settings
    from modelyard.testing import FakeProvider
    from modelyard.workspace.bootstrap import create_workspace

    with tempfile.TemporaryDirectory(prefix="modelyard-fuzz-data-") as data, FakeProvider() as fake:
        settings = Settings(
            data_dir=Path(data),
            database_url=database_url,
            secret_key=None,
            redis_url=None,
            allowed_upstream_hosts=["127.0.0.1"],
            upstream_timeout=5.0,
        )
        services = Services.build(settings)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        server = uvicorn.Server(
            uvicorn.Config(create_app(settings, services), port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
        try:
            with services.session() as session:
                done = create_workspace(
                    session, "Fuzz", "owner@fuzz.example", None, web_login=False
                )
            yield f"http://127.0.0.1:{port}", done.owner_api_key, fake.url
        finally:
            server.should_exit = True
            thread.join(10)
            services.close()


def report(findings: Findings) -> str:
    lines = [f"{findings.requests} requests, {len(findings.server_errors)} server errors (5xx)"]
    lines += [f"  5xx: {error}" for error in findings.server_errors[:50]]
    lines += [f"  contract {name}: {count}" for name, count in findings.contract_5xx.items()]
    lines += [f"  {name}: {count}" for name, count in sorted(findings.failures.items())]
    lines += [f"  schemathesis error (not the server's): {label}" for label in findings.tool_errors]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running server (else one of its own is started)")
    parser.add_argument("--key", help="an owner's API key on --url")
    parser.add_argument("--fake-url", help="the fake provider for --url's models")
    parser.add_argument("--database-url", help="for the server of its own (default SQLite)")
    parser.add_argument("--max-examples", type=int, default=30, help="cases per operation")
    parser.add_argument("--duration", type=int, default=60, help="seconds, at most")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--only", help="fuzz only the paths matching this regular expression")
    parser.add_argument("--verbose", action="store_true", help="print schemathesis' output")
    args = parser.parse_args()
    knobs = {
        "max_examples": args.max_examples,
        "duration": args.duration,
        "workers": args.workers,
        "seed": args.seed,
        "only": args.only,
    }
    if args.url:
        if not (args.key and args.fake_url):
            parser.error("--url needs --key (an owner's) and --fake-url")
        slugs = prepare(args.url, args.key, args.fake_url)
        findings = fuzz(args.url, args.key, slugs, **knobs)
    else:
        with own_server(args.database_url) as (url, key, fake_url):
            findings = fuzz(url, key, prepare(url, key, fake_url), **knobs)
    if args.verbose:
        print(findings.output)
    print(report(findings))
    return 1 if findings.server_errors or not findings.requests else 0


if __name__ == "__main__":
    sys.exit(main())
