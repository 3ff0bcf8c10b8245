"""Debian's tinyproxy on loopback, for the egress-proxy tests: started with a config of our own
(password required), its log read to count the tunnels it opened."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support import free_port

TINYPROXY = shutil.which("tinyproxy")
USER, PASSWORD = "alice", "s3cret-pr0xy"


@dataclass
class Tinyproxy:
    port: int
    log: Path

    @property
    def url(self) -> str:
        """With its credentials, as an operator writes HTTPS_PROXY."""
        return f"http://{USER}:{PASSWORD}@127.0.0.1:{self.port}"

    def tunnels(self) -> list[str]:
        """The CONNECT requests it received so far, e.g. ``CONNECT localhost:4431 HTTP/1.1``."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return [line.split("): ", 1)[1] for line in text.splitlines() if "): CONNECT " in line]

    def wait_for_tunnels(self, count: int) -> list[str]:
        """Its tunnels once there are ``count`` (the log line may trail the call by a moment)."""
        deadline = time.monotonic() + 10
        while len(tunnels := self.tunnels()) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return tunnels


@contextmanager
def running_tinyproxy(directory: Path) -> Iterator[Tinyproxy]:
    assert TINYPROXY is not None
    port = free_port()
    log = directory / "tinyproxy.log"
    config = directory / "tinyproxy.conf"
    config.write_text(
        f'Port {port}\nListen 127.0.0.1\nTimeout 30\nLogFile "{log}"\nLogLevel Connect\n'
        f"MaxClients 50\nAllow 127.0.0.1\nBasicAuth {USER} {PASSWORD}\n"
    )
    process = subprocess.Popen(
        [TINYPROXY, "-d", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while "Reloading config file finished" not in (log.read_text() if log.exists() else ""):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("tinyproxy did not start")
            time.sleep(0.02)
        _wait_listening(port)
        yield Tinyproxy(port, log)
    finally:
        process.terminate()
        process.wait(10)


def _wait_listening(port: int) -> None:
    import socket

    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)
