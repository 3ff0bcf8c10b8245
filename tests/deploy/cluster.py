"""The compose topology on loopback: Debian's HAProxy with ``deploy/haproxy/haproxy.cfg`` in
front of two ``modelyard serve`` processes on one PostgreSQL database and Redis."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import redis

from tests.support import free_port, postgres_database

ROOT = Path(__file__).resolve().parents[2]
HAPROXY_CONFIG = ROOT / "deploy" / "haproxy" / "haproxy.cfg"
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
# A Redis database of its own, so that no other test's servers count as replicas.
REDIS_URL = "redis://127.0.0.1:6379/11"
SECRET_KEY = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="
CHECK_INTERVAL_MS = 200
# Longer than HAProxy needs to see /readyz fail (one check) and stop sending new calls.
DRAIN_SECONDS = 3.0
_LOG_LINE = re.compile(r"rid=(\S*) srv=(\S+) status=(-?\d+) term=(\S+) retries=(\S+)")


@dataclass
class LogLine:
    """One call as HAProxy logged it: which replica had it and how it ended."""

    request_id: str
    server: str
    status: int
    termination: str


@dataclass
class Replica:
    name: str
    port: int
    data_dir: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """``modelyard serve`` on its port and data dir (the same ones after a restart), ready."""
        self.spawn()
        self.wait_ready()

    def spawn(self) -> None:
        self.starts += 1
        log = (self.data_dir / f"serve-{self.starts}.log").open("wb")
        command = [sys.executable, "-m", "modelyard", "serve", "--port", str(self.port)]
        self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=log)
        log.close()

    def wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + 90
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(self.url + "/readyz").status_code == 200:
                    return
            assert self.process.poll() is None, self.log_text()
            assert time.monotonic() < deadline, f"{self.name} did not get ready"
            time.sleep(0.05)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def terminate(self) -> tuple[dict[str, str], int]:
        """SIGTERM, then wait for the drain and the graceful shutdown: the first answer of
        ``/readyz`` that is not 200 (its body), and the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        while (answer := httpx.get(self.url + "/readyz", timeout=10)).status_code == 200:
            time.sleep(0.02)  # a connection refused here fails the test: it did not drain
        assert answer.status_code == 503, answer.text
        return answer.json(), self.process.wait(60)

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.data_dir.glob("*.log")))


@dataclass
class Cluster:
    balancer_url: str
    stats_url: str
    database_url: str
    owner_key: str
    replicas: list[Replica]
    balancer_log: Path
    balancer: subprocess.Popen[bytes] | None = None

    def states(self) -> dict[str, str]:
        """HAProxy's view of each replica: ``UP``, ``DOWN``, ``UP 1/2``…"""
        text = httpx.get(self.stats_url + "/stats;csv").text.lstrip("# ")
        rows = csv.DictReader(io.StringIO(text))
        return {row["svname"]: row["status"] for row in rows if row["pxname"] == "replicas"}

    def wait_state(self, name: str, state: str) -> None:
        deadline = time.monotonic() + 30
        while (found := self.states().get(name)) != state:
            assert time.monotonic() < deadline, f"{name} is {found}, not {state}"
            time.sleep(0.05)

    def log_size(self) -> int:
        return self.balancer_log.stat().st_size

    def downs(self, since: int = 0) -> list[str]:
        """HAProxy's reasons for taking a replica out, from byte ``since`` of its log."""
        with self.balancer_log.open("rb") as log:
            log.seek(since)
            text = log.read().decode(errors="replace")
        return re.findall(
            r"^(Server replicas/\S+ is DOWN, reason: [^,]+(?:, code: \d+)?)", text, re.M
        )

    def log_lines(self) -> dict[str, LogLine]:
        """HAProxy's line of each call, by x-request-id."""
        lines: dict[str, LogLine] = {}
        for raw in self.balancer_log.read_text(errors="replace").splitlines():
            match = _LOG_LINE.search(raw)
            if match and match.group(1) not in ("", "-"):
                rid, server, status, term, _ = match.groups()
                lines[rid] = LogLine(rid, server, int(status), term)
        return lines


def _serve_env(data_dir: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    env.update(
        MODELYARD_DATA_DIR=str(data_dir),
        MODELYARD_DATABASE_URL=database_url,
        MODELYARD_REDIS_URL=REDIS_URL,
        MODELYARD_REPLICAS="2",
        MODELYARD_SECRET_KEY=SECRET_KEY,
        MODELYARD_ALLOWED_UPSTREAM_HOSTS="127.0.0.1",
        MODELYARD_DRAIN_SECONDS=str(DRAIN_SECONDS),
        MODELYARD_LOG_LEVEL="warning",
        MODELYARD_LOG_FORMAT="off",
    )
    return env


def _start_balancer(cluster: Cluster, port: int, stats_port: int) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    env.update(
        MODELYARD_LB_STATIC="1",  # loopback addresses: no DNS
        MODELYARD_LB_BIND=f"127.0.0.1:{port}",
        MODELYARD_STATS_BIND=f"127.0.0.1:{stats_port}",
        MODELYARD_CHECK_INTERVAL=f"{CHECK_INTERVAL_MS}ms",
        MODELYARD_REPLICA_1=f"127.0.0.1:{cluster.replicas[0].port}",
        MODELYARD_REPLICA_2=f"127.0.0.1:{cluster.replicas[1].port}",
    )
    with cluster.balancer_log.open("wb") as log:
        cluster.balancer = subprocess.Popen(
            [HAPROXY, "-db", "-f", str(HAPROXY_CONFIG)], env=env, stdout=log, stderr=log
        )
    deadline = time.monotonic() + 20
    while True:
        with contextlib.suppress(httpx.TransportError):
            states = cluster.states()
            if all(states.get(r.name) == "UP" for r in cluster.replicas):
                return
        assert cluster.balancer.poll() is None, cluster.balancer_log.read_text()
        assert time.monotonic() < deadline, f"HAProxy did not see both replicas up: {states}"
        time.sleep(0.05)


@contextlib.contextmanager
def running_cluster(directory: Path) -> Iterator[Cluster]:
    """Migrations once (``modelyard init``, as compose's one-shot service), two replicas,
    HAProxy in front; everything stopped (and the database dropped) at the end."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    with postgres_database() as database_url:
        init_env = _serve_env(directory / "init", database_url)
        done = subprocess.run(
            [sys.executable, "-m", "modelyard", "init", "--json"],
            env=init_env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        replicas = []
        for number in (1, 2):
            data_dir = directory / f"modelyard-{number}"
            data_dir.mkdir()
            replicas.append(
                Replica(
                    f"modelyard-{number}", free_port(), data_dir, _serve_env(data_dir, database_url)
                )
            )
        port, stats_port = free_port(), free_port()
        cluster = Cluster(
            balancer_url=f"http://127.0.0.1:{port}",
            stats_url=f"http://127.0.0.1:{stats_port}",
            database_url=database_url,
            owner_key=json.loads(done.stdout)["owner_api_key"],
            replicas=replicas,
            balancer_log=directory / "haproxy.log",
        )
        try:
            for replica in replicas:  # both at once: each takes a few seconds to import
                replica.spawn()
            for replica in replicas:
                replica.wait_ready()
            _start_balancer(cluster, port, stats_port)
            yield cluster
        finally:
            for process in [cluster.balancer, *(r.process for r in replicas)]:
                if process is not None and process.poll() is None:
                    process.send_signal(signal.SIGKILL)
                    process.wait(10)
