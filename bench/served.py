"""One configured Modelyard on the fake provider for the per-call benches (instructions.py,
instructions_responses.py, messages_overhead.py): ``modelyard serve`` as one process,
optionally under ``valgrind --tool=callgrind --instr-atstart=no`` (start-up uninstrumented,
dumps in ``work``), configured as bench/overhead.py configures it."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from procs import Cleanup, Server, free_port
from targets import configure_modelyard, init_modelyard


@dataclass(frozen=True)
class Served:
    base_url: str
    pid: int  # the serving process (valgrind's, under callgrind: it runs the program itself)
    slug: str  # the benchmark model
    member_key: str
    owner_key: str


def start_served(
    work: Path, cleanup: Cleanup, *, callgrind: bool, env: dict[str, str] | None = None
) -> Served:
    """The fake provider and a configured Modelyard; ``env``: MODELYARD_* for both."""
    python = sys.executable
    fake_port, port = free_port(), free_port()
    fake_url, base_url = f"http://127.0.0.1:{fake_port}", f"http://127.0.0.1:{port}"
    process_env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    process_env |= {
        "MODELYARD_DATA_DIR": str(work / "data"),
        "MODELYARD_ALLOWED_UPSTREAM_HOSTS": "127.0.0.1",
        **(env or {}),
    }
    fake = cleanup.add(
        Server("fake", [python, "-m", "modelyard", "fake-provider", "--port", str(fake_port)], work)
    )
    fake.start(None, process_env)
    owner_key = init_modelyard(python, process_env)
    argv = [python, "-m", "modelyard", "serve", "--port", str(port)]
    if callgrind:
        argv = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={work}/cg.out.%p",
            *argv,
        ]
    served = cleanup.add(Server("modelyard", argv, work))
    served.start(None, process_env)
    fake.wait_ready(fake_url + "/_fake/health")
    served.wait_ready(base_url + "/healthz", timeout=600, poll=0.5)
    slug, member_key = configure_modelyard(base_url, owner_key, fake_url)
    return Served(base_url, served.pid, slug, member_key, owner_key)
