"""CPU per call of ``/v1/messages`` against ``/v1/chat/completions`` in the same run: the cost
of the Messages edge (translating the body in, rendering the answer out) on top of the one call
path both share.

    .venv/bin/python bench/messages_overhead.py [--calls 300] [--rounds 5] [--stream] [--callgrind]

It starts the fake provider, ``modelyard init`` and ``modelyard serve`` (one process), configures
Modelyard as bench/overhead.py does (an OpenAI-wire model on the fake), then alternates the two
paths over one keep-alive connection each, ``--calls`` sequential calls a round, and reports the
serving process's CPU seconds per call (the median of the rounds) of each and their ratio. With
``--callgrind`` the server runs under callgrind and the report is instructions per call (one
round each, counters zeroed in between), which repeat to a fraction of a percent where CPU
seconds on a shared machine wander by about 10 %.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import orjson
from instructions import _control, _total_instructions
from procs import Cleanup, StartError, cpu_seconds
from served import start_served
from targets import EXPECTED, MESSAGE, request_body


def messages_body(model: str, stream: bool) -> str:
    body: dict[str, object] = {
        "model": model,
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": MESSAGE}],
    }
    if stream:
        body["stream"] = True
    return orjson.dumps(body).decode()


def _calls(client: httpx.Client, path: str, body: str, count: int) -> None:
    for _ in range(count):
        response = client.post(path, content=body)
        if response.status_code != 200 or EXPECTED.split()[-1] not in response.text:
            raise StartError(f"bad answer {response.status_code}: {response.text[:300]}")


def run(args: argparse.Namespace, work: Path, cleanup: Cleanup) -> dict[str, float]:
    served = start_served(work, cleanup, callgrind=args.callgrind)
    base_url, slug, member_key = served.base_url, served.slug, served.member_key
    bodies = {
        "/v1/chat/completions": request_body(slug, args.stream),
        "/v1/messages": messages_body(slug, args.stream),
    }
    headers = {"authorization": f"Bearer {member_key}", "content-type": "application/json"}
    clients = {
        path: httpx.Client(base_url=base_url, headers=headers, timeout=120) for path in bodies
    }
    try:
        for path, body in bodies.items():
            _calls(clients[path], path, body, args.warmup)
        if args.callgrind:
            per_call = {}
            for path, body in bodies.items():
                _control("--zero", str(served.pid))
                _control("--instr=on", str(served.pid))
                _calls(clients[path], path, body, args.calls)
                _control("--dump", str(served.pid))
                _control("--instr=off", str(served.pid))
                time.sleep(0.5)
                per_call[path] = _total_instructions(work) / args.calls
            return per_call
        rounds: dict[str, list[float]] = {path: [] for path in bodies}
        for _ in range(args.rounds):
            for path, body in bodies.items():
                before = cpu_seconds(served.pid)
                _calls(clients[path], path, body, args.calls)
                rounds[path].append((cpu_seconds(served.pid) - before) / args.calls)
        return {path: statistics.median(values) for path, values in rounds.items()}
    finally:
        for client in clients.values():
            client.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--stream", action="store_true")
    parser.add_argument("--callgrind", action="store_true", help="instructions, not CPU seconds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="modelyard-messages-") as tmp, Cleanup() as cleanup:
        per_call = run(args, Path(tmp), cleanup)
    chat, messages = per_call["/v1/chat/completions"], per_call["/v1/messages"]
    unit = "M instructions" if args.callgrind else "ms CPU"
    scale = 1e6 if args.callgrind else 1e-3
    mode = "stream" if args.stream else "plain"
    for path, value in per_call.items():
        print(f"{mode}\t{path}\t{value / scale:.3f} {unit} per call")
    print(f"{mode}\t/v1/messages / /v1/chat/completions = {messages / chat:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
