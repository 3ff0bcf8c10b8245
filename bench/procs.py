"""Processes for the benchmark: start them pinned to a core, wait until they answer, stop every
one of them whatever happens, and measure them from Linux's /proc (CPU time, peak RSS)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class StartError(RuntimeError):
    """A server did not come up; the message carries the tail of its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- pinning -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pinning:
    """Which core each role runs on (``None``: not pinned)."""

    gateway: int | None  # the bare proxy and Modelyard (one of them is loaded at a time)
    fake: int | None
    loadgen: int | None  # the load generator, and this orchestrating process
    cores: int  # usable cores
    note: str

    def describe(self) -> str:
        def core(value: int | None) -> str:
            return "unpinned" if value is None else f"core {value}"

        return (
            f"pinning: bare proxy + Modelyard -> {core(self.gateway)}, fake provider -> "
            f"{core(self.fake)}, load generator (and orchestrator) -> {core(self.loadgen)}"
            f"\n  ({self.note})"
        )


LAYOUTS = ("own-core", "shared")


def plan_pinning(layout: str = "own-core") -> Pinning:
    """Keep the load generator off the servers' cores. With 3+ cores every role has a core of
    its own. With 2, ``own-core`` (the performance issue's setup: "gateway pinned to one
    core") gives the gateway under test the first core alone and puts the fake provider beside
    the load generator; ``shared`` puts the fake on the gateway's core instead, so a proxied
    call also pays for the fake's CPU there (a harsher setup for fast gateways)."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) >= 3:
        return Pinning(cores[0], cores[1], cores[2], len(cores), f"{len(cores)} usable cores")
    if len(cores) == 2 and layout == "shared":
        note = (
            "2 usable cores, layout 'shared': the servers share the first, the load generator "
            "has the second to itself; a proxied call pays for the fake's CPU on the same core"
        )
        return Pinning(cores[0], cores[0], cores[1], 2, note)
    if len(cores) == 2:
        note = (
            "2 usable cores, layout 'own-core': the gateway under test has the first to "
            "itself; the fake provider and the load generator share the second"
        )
        return Pinning(cores[0], cores[1], cores[1], 2, note)
    return Pinning(None, None, None, 1, "1 usable core: nothing pinned, numbers are indicative")


def pin_self(core: int | None) -> None:
    if core is not None:
        os.sched_setaffinity(0, {core})


# --- measuring -----------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of the whole process (all threads) so far."""
    with open(f"/proc/{pid}/stat", "rb") as file:
        data = file.read()
    fields = data[data.rindex(b")") + 2 :].split()  # fields[0] is field 3 (state)
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status", "rb") as file:
        for line in file:
            if line.startswith(b"VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def system_busy_seconds() -> float:
    """CPU time the whole machine has spent busy (all cores, hypervisor steal included)."""
    with open("/proc/stat", "rb") as file:
        fields = [int(n) for n in file.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, _irq, _softirq, steal = fields
    # irq and softirq time is left out: during a cell it is mostly our own loopback traffic.
    return (user + nice + system + steal) / CLOCK_TICKS


class Background:
    """How many cores other processes kept busy: the machine's busy time minus ours (this
    process, the children it has reaped, and the servers still running)."""

    def __init__(self, server_pids: Sequence[int]) -> None:
        self.server_pids = list(server_pids)

    def snapshot(self) -> tuple[float, float]:
        times = os.times()
        ours = times.user + times.system + times.children_user + times.children_system
        ours += sum(cpu_seconds(pid) for pid in self.server_pids)
        return time.monotonic(), system_busy_seconds() - ours

    def cores_since(self, before: tuple[float, float]) -> float:
        now = self.snapshot()
        return max(0.0, (now[1] - before[1]) / max(now[0] - before[0], 1e-9))


class Meter:
    """CPU time used by one process between ``start()`` and ``stop()``, and its peak RSS over
    the ``sample()`` calls made in between (every ~100 ms is plenty)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._cpu_start = 0.0
        self.max_rss = 0

    def start(self) -> None:
        self._cpu_start = cpu_seconds(self.pid)
        self.sample()

    def sample(self) -> None:
        self.max_rss = max(self.max_rss, rss_bytes(self.pid))

    def stop(self) -> tuple[float, int]:
        """(CPU seconds used since start, peak RSS bytes)."""
        self.sample()
        return cpu_seconds(self.pid) - self._cpu_start, self.max_rss


# --- starting and stopping -----------------------------------------------------------------


def spawn(
    argv: Sequence[str],
    *,
    core: int | None,
    env: dict[str, str] | None = None,
    stdin: int | None = subprocess.DEVNULL,
    stdout: int | IO[bytes] = subprocess.DEVNULL,
    stderr: int | IO[bytes] = subprocess.STDOUT,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` pinned to ``core`` (before exec, so every thread it starts inherits it),
    in its own session (a Ctrl-C is ours to handle)."""
    return subprocess.Popen(
        list(argv),
        env=env,
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        preexec_fn=lambda: pin_self(core),
        start_new_session=True,
    )


def stop(process: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds; only this one process, by its pid."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, signal.SIGCONT)  # a paused one would never see the SIGTERM
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def paused(pids: Iterable[int]) -> Iterator[None]:
    """``pids`` stopped (SIGSTOP) while the block runs, continued afterwards whatever happens.

    The gateways under test share one core, and one that is not being measured is not idle:
    LiteLLM's proxy runs background tasks and collects a 400 MiB heap, ours polls its
    configuration and stores usage. Measured with LiteLLM merely running beside them, the
    bare proxy and Modelyard lost about a quarter of their throughput."""
    stopped = []
    try:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
                stopped.append(pid)
        yield
    finally:
        for pid in stopped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


class Server:
    """One long-running server process with its log file."""

    def __init__(self, name: str, argv: Sequence[str], log_dir: Path) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_dir / f"{name.replace(' ', '_')}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, core: int | None, env: dict[str, str] | None = None) -> None:
        with open(self.log_path, "wb") as log:  # the child keeps its own descriptor
            self.process = spawn(self.argv, core=core, env=env, stdout=log)

    def wait_ready(self, url: str, timeout: float = 60.0, poll: float = 0.1) -> None:
        """Poll ``url`` until it answers 200; fail fast if the process exits."""
        deadline = time.monotonic() + timeout
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                raise StartError(f"{self.name} exited ({self.process.returncode})\n{self.tail()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            if time.monotonic() > deadline:
                raise StartError(
                    f"{self.name} did not answer {url} in {timeout:.0f}s\n{self.tail()}"
                )
            time.sleep(poll)

    def tail(self, lines: int = 25) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "  (no log)"
        return "\n".join(f"  | {line}" for line in text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)


class Cleanup:
    """Stops every registered process on exit, also on Ctrl-C, SIGTERM, SIGHUP or an error."""

    def __init__(self) -> None:
        self.servers: list[Server] = []
        self._previous: dict[int, object] = {}

    def add(self, server: Server) -> Server:
        self.servers.append(server)
        return server

    def __enter__(self) -> Cleanup:
        # Ctrl-C raises KeyboardInterrupt even when started with SIGINT ignored (``cmd &``).
        self._previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.default_int_handler)
        for sig in (signal.SIGTERM, signal.SIGHUP):
            self._previous[sig] = signal.signal(sig, self._raise)
        return self

    @staticmethod
    def _raise(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # A second Ctrl-C must not leave servers behind: ignore it while stopping them.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            for server in reversed(self.servers):
                server.stop()
        finally:
            for sig, handler in self._previous.items():
                signal.signal(sig, handler)  # type: ignore[arg-type]
