"""CPU instructions per /v1 chat call in Modelyard's serving process, counted by callgrind:
a measure of the gateway's own work that does not move with the machine's load.

    .venv/bin/python bench/instructions.py [--calls 400] [--warmup 100] [--stream] [--budgets]
        [--otlp] [--env MODELYARD_NAME=VALUE ...]

On a shared two-core machine, CPU seconds per call (bench/overhead.py) wander by 10 % from one
run to the next: other processes evict caches and change clock speeds. Instruction counts
(valgrind's callgrind, here because hardware counters are not available to ``perf``) repeat to
a fraction of a percent, so a before/after of a few microseconds shows. They are not seconds:
a cache miss costs more than an instruction. Quote both.

It starts the fake provider, ``modelyard init`` and ``modelyard serve`` (one process) under
``valgrind --tool=callgrind --instr-atstart=no`` (start-up runs uninstrumented), configures
Modelyard as bench/overhead.py does, makes ``--warmup`` calls, switches instrumentation on,
makes ``--calls`` sequential calls over one keep-alive connection, dumps the counters and prints
instructions per call. Compare two trees in the same session: run it with ``PYTHONPATH`` set to
each tree's ``src`` (the child processes inherit it), alternating.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from budgets_target import add_budgets
from procs import Cleanup, StartError
from served import start_served
from targets import EXPECTED, request_body


class _Sink(BaseHTTPRequestHandler):
    """An OTLP/HTTP collector that takes every export and keeps nothing."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@contextmanager
def _otlp_sink() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _control(*args: str) -> None:
    subprocess.run(["callgrind_control", *args], check=True, capture_output=True, timeout=120)


def _calls(url: str, key: str, body: str, count: int) -> None:
    headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
    with httpx.Client(headers=headers, timeout=120) as client:
        for _ in range(count):
            response = client.post(url, content=body)
            if response.status_code != 200 or EXPECTED.split()[-1] not in response.text:
                raise StartError(f"bad answer {response.status_code}: {response.text[:300]}")


def _total_instructions(dump_dir: Path) -> int:
    """The instruction total of the last dump callgrind wrote (its ``totals:`` line)."""
    dumps = sorted(dump_dir.glob("cg.out*"), key=lambda p: p.stat().st_mtime)
    for dump in reversed(dumps):
        match = re.search(r"^(?:totals|summary):\s+(\d+)", dump.read_text(), re.MULTILINE)
        if match and int(match.group(1)) > 0:
            return int(match.group(1))
    raise StartError(f"no callgrind dump with counts in {dump_dir}")


def measure(args: argparse.Namespace, work: Path, cleanup: Cleanup) -> float:
    # --env, --otlp: for the served process (and init)
    served = start_served(work, cleanup, callgrind=True, env=args.served_env)
    base_url, owner_key, slug, member_key = (
        served.base_url,
        served.owner_key,
        served.slug,
        served.member_key,
    )
    if args.budgets:
        add_budgets(base_url, owner_key)
    url, body = base_url + "/v1/chat/completions", request_body(slug, args.stream)
    _calls(url, member_key, body, args.warmup)
    _control("--instr=on", str(served.pid))
    _calls(url, member_key, body, args.calls)
    _control("--dump", str(served.pid))
    _control("--instr=off", str(served.pid))
    time.sleep(0.5)
    return _total_instructions(work) / args.calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--stream", action="store_true")
    parser.add_argument("--budgets", action="store_true", help="four budgets on every call")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="MODELYARD_NAME=VALUE",
        help="a setting for the served process (repeatable)",
    )
    parser.add_argument(
        "--otlp", action="store_true", help="traces on, exported to a local OTLP/HTTP sink"
    )
    parser.add_argument("--keep", type=Path, help="copy the callgrind dump here (annotate it)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        print("valgrind (with callgrind_control) is needed: apt-get install valgrind")
        return 1
    args.served_env = dict(item.partition("=")[::2] for item in args.env)
    with (
        tempfile.TemporaryDirectory(prefix="modelyard-instr-") as tmp,
        Cleanup() as cleanup,
        _otlp_sink() as sink,
    ):
        if args.otlp:
            args.served_env["MODELYARD_OTLP_ENDPOINT"] = sink
        per_call = measure(args, Path(tmp), cleanup)
        if args.keep is not None:
            dumps = sorted(Path(tmp).glob("cg.out*"), key=lambda p: p.stat().st_mtime)
            shutil.copy(dumps[-1], args.keep)
    source = os.environ.get("PYTHONPATH", "(installed package)")
    mode = ("stream" if args.stream else "plain") + (" + budgets" if args.budgets else "")
    mode += " + traces" if args.otlp else ""
    print(f"{source}\t{mode}\t{per_call / 1e6:.3f} M instructions per call ({args.calls} calls)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
