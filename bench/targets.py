"""The targets of bench/overhead.py: the fake provider (called directly), the bare proxy and
Modelyard, started as pinned subprocesses; Modelyard configured through its admin API as an
admin would; one plain and one streaming call checked on each before any load."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
from loadgen import Spec, check_plain, check_stream
from procs import Cleanup, Pinning, Server, StartError, free_port

HERE = Path(__file__).resolve().parent
# About twenty words: the fake streams its answer ("Echo: " + this) one word per chunk.
MESSAGE = (
    "Please repeat these twenty words back so that the benchmark stream carries about "
    "twenty chunks from start to end today"
)
EXPECTED = "Echo: " + MESSAGE
UPSTREAM_MODEL = "fake-model"
DIRECT_KEY = "sk-bench-direct"
TPM_LIMIT = 1_000_000_000  # the limiter runs on every call but never refuses one


@dataclass(frozen=True)
class Target:
    key: str  # "direct", "bare", "modelyard" (or a comparison added by a hook)
    label: str
    url: str  # its chat completions URL
    model: str
    api_key: str
    pid: int  # the process whose CPU and RSS are reported


def _ok(response: httpx.Response, status: int = 200) -> dict[str, object]:
    if response.status_code != status:
        raise StartError(
            f"Modelyard admin API: {response.request.method} {response.request.url.path} -> "
            f"{response.status_code} {response.text[:400]}"
        )
    body: dict[str, object] = response.json()
    return body


def init_modelyard(python: str, env: dict[str, str]) -> str:
    """``modelyard init --json`` in the data directory of ``env``; the owner's API key."""
    done = subprocess.run(
        [python, "-m", "modelyard", "init", "--json"], env=env, capture_output=True, timeout=120
    )
    if done.returncode != 0:
        output = (done.stdout + done.stderr).decode(errors="replace").splitlines()
        raise StartError("modelyard init failed:\n" + "\n".join(output[-15:]))
    last = [line for line in done.stdout.decode().splitlines() if line.startswith("{")][-1]
    return str(json.loads(last)["owner_api_key"])


def configure_modelyard(base_url: str, owner_key: str, fake_url: str) -> tuple[str, str]:
    """Model key, model, deployment and a member's API key, as an admin would; (slug, key)."""
    headers = {"authorization": f"Bearer {owner_key}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as api:
        key = _ok(
            api.post(
                "/api/model-keys",
                json={
                    "name": "fake provider",
                    "provider": "openai",
                    "secret": "sk-bench-upstream",
                    "base_url": fake_url + "/v1",
                },
            ),
            201,
        )
        model = _ok(
            api.post(
                "/api/models",
                json={
                    "kind": "completion",
                    "display_name": "Bench Model",
                    "provider": "openai",
                    "provider_model_name": UPSTREAM_MODEL,
                    "visible": True,
                    "context_window": 128_000,
                    "max_output_tokens": 4096,
                    "input_price": 2.5,
                    "output_price": 10,
                },
            ),
            201,
        )
        deployment = {
            "key_id": key["id"],
            "model_identifier": UPSTREAM_MODEL,
            "tpm_limit": TPM_LIMIT,
        }
        _ok(api.post(f"/api/models/{model['id']}/deployments", json=deployment), 201)
        user = _ok(
            api.post("/api/users", json={"email": "bench@example.com", "role": "member"}), 201
        )
        issued = _ok(api.post(f"/api/users/{user['id']}/api-keys", json={"name": "bench"}), 201)
    return str(model["slug"]), str(issued["key"])


def start_targets(
    cleanup: Cleanup, pinning: Pinning, work: Path, python: str, extra_env: dict[str, str]
) -> list[Target]:
    fake_port, bare_port, modelyard_port = free_port(), free_port(), free_port()
    fake_url = f"http://127.0.0.1:{fake_port}"
    bare_url = f"http://127.0.0.1:{bare_port}"
    modelyard_url = f"http://127.0.0.1:{modelyard_port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    env |= {
        "MODELYARD_DATA_DIR": str(work / "data"),
        "MODELYARD_ALLOWED_UPSTREAM_HOSTS": "127.0.0.1",
        **extra_env,
    }
    fake = cleanup.add(
        Server(
            "fake provider",
            [python, "-m", "modelyard", "fake-provider", "--port", f"{fake_port}"],
            work,
        )
    )
    fake.start(pinning.fake)
    bare = cleanup.add(
        Server(
            "bare proxy",
            [python, str(HERE / "bare_proxy.py"), "--port", f"{bare_port}", "--upstream", fake_url],
            work,
        )
    )
    bare.start(pinning.gateway)
    owner_key = init_modelyard(python, env)
    modelyard = cleanup.add(
        Server(
            "modelyard", [python, "-m", "modelyard", "serve", "--port", f"{modelyard_port}"], work
        )
    )
    modelyard.start(pinning.gateway, env)
    fake.wait_ready(fake_url + "/_fake/health")
    bare.wait_ready(bare_url + "/healthz")
    modelyard.wait_ready(modelyard_url + "/healthz")
    slug, member_key = configure_modelyard(modelyard_url, owner_key, fake_url)
    chat = "/v1/chat/completions"
    return [
        Target("direct", "direct (fake)", fake_url + chat, UPSTREAM_MODEL, DIRECT_KEY, fake.pid),
        Target("bare", "bare proxy", bare_url + chat, UPSTREAM_MODEL, DIRECT_KEY, bare.pid),
        Target("modelyard", "Modelyard", modelyard_url + chat, slug, member_key, modelyard.pid),
    ]


def request_body(model: str, stream: bool) -> str:
    body: dict[str, object] = {"model": model, "messages": [{"role": "user", "content": MESSAGE}]}
    if stream:
        body["stream"] = True
    return orjson.dumps(body).decode()


def call_spec(
    target: Target,
    *,
    stream: bool,
    concurrency: int,
    warmup: float,
    seconds: float,
    rate: float = 0.0,
) -> Spec:
    """What the load generator sends ``target``: the benchmark's chat call, checked answers."""
    return Spec(
        url=target.url,
        headers={"authorization": f"Bearer {target.api_key}"},
        body=request_body(target.model, stream),
        stream=stream,
        expected=EXPECTED,
        concurrency=concurrency,
        warmup=warmup,
        seconds=seconds,
        pid=target.pid,
        rate=rate,
    )


def idle_gateways(targets: list[Target], measured: int | None = None) -> list[int]:
    """The gateways to pause while process ``measured`` is driven (never the fake provider)."""
    return [t.pid for t in targets if t.key != "direct" and t.pid != measured]


def check_first_calls(target: Target) -> None:
    """One plain and one streaming call, answered correctly, before any load."""
    headers = {"authorization": f"Bearer {target.api_key}", "content-type": "application/json"}
    with httpx.Client(headers=headers, timeout=30) as client:
        for stream, check in ((False, check_plain), (True, check_stream)):
            response = client.post(target.url, content=request_body(target.model, stream))
            problem = (
                check(response.content, EXPECTED)
                if response.status_code == 200
                else f"HTTP {response.status_code}: {response.text[:300]}"
            )
            if problem:
                kind = "streaming" if stream else "plain"
                raise StartError(f"{target.label}: first {kind} call failed: {problem}")
