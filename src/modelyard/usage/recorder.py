"""``UsageRecorder``: the durable, batched :class:`~modelyard.usage.meter.Meter` of a server.

Why it looks like this
----------------------
``record()`` runs on the request path, so it never waits for the database. It writes the record
as one JSON line to a local journal (a single ``os.write`` on an ``O_APPEND`` descriptor) and
appends it to an in-memory queue. There is no fsync per record: the OS page cache outlives a
killed process, and an fsync would put a disk round trip on every call.

A flusher stores the queue in batches (every 50 ms, or as soon as 500 records wait), one
transaction each, skipping ids already stored so that replays are idempotent. Before a batch is
written, the journal file it went to is *sealed* (later records go to a new file), and a sealed
file is deleted only once its batch has committed: every record not known to be in the database
is in a journal file, always. The file layout and the lock that keeps two live processes in one
data directory apart are in :mod:`modelyard.usage.journal`.

The flusher is an asyncio task, with each database round trip in a worker thread, rather than a
thread of its own: it lives and dies with the app's lifespan, ``stop()`` simply awaits the final
drain, and there is no extra thread to leak. ``record()`` still takes a tiny lock, so worker
threads may call it too.

When the database is down (or refuses a batch), sealed batches stay on disk and their in-memory
copies are dropped (an outage must not grow memory), a warning without secrets is logged, and
storing is retried with exponential backoff (0.4 s doubling up to 30 s). ``replay()`` at start-up
adopts the journal files of processes that are gone and stores them.

Durability, measured by ``tests/usage/test_durability.py``
------------------------------------------------------------
- SIGTERM under load: uvicorn answers the requests in flight, then runs the lifespan shutdown,
  whose ``stop()`` stores everything; no journal is left. Lost: 0.
- SIGKILL under load (``kill -9``): every ``record()`` that returned is in the page cache, and
  the next start replays it. Lost: 0 in every run (8 runs of 300 to 1,000 answered calls at
  ~150-200 calls/s; at the kill 16 to 104 of them were in the journal only, not yet stored).
- A second SIGTERM/SIGINT makes uvicorn skip the lifespan shutdown: also nothing lost, the
  journal is replayed at the next start.
- Power loss or a kernel crash (not a process crash) may lose the journal lines the kernel had
  not yet written back (``vm.dirty_expire_centisecs``, 30 s by default) that were also not yet in
  the database, i.e. at most ~50 ms of calls plus any backlog of a database outage.
- Calls at an upstream when the process is killed: ``begin()`` wrote their pending line before
  the upstream request (:mod:`modelyard.usage.pending`); the next start stores each one without
  an ended record as ``outcome = unknown_outcome``, status 500, with the reserved estimate.
  Measured by ``tests/usage/test_pending_kill.py``: every call in flight has a row.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import orjson
from sqlalchemy import Engine

from modelyard.operations import call_log
from modelyard.operations.call_metrics import CALLS
from modelyard.usage.journal import (
    JOURNAL_SUFFIX,
    PENDING_SUFFIX,
    JournalWriter,
    Row,
    insert_rows,
    read_journal,
    to_row,
)
from modelyard.usage.meter import CallRecord
from modelyard.usage.pending import (
    COMPACT_S,
    PendingJournal,
    pending_line,
    unknown_rows,
    write_rows,
)

log = logging.getLogger(__name__)

BATCH_RECORDS = 500
# Small batches keep each store's work in the worker thread short: at ~1,800 calls/s, 200 ms
# batches put the added p99 at half capacity at +3.3 to +127 ms over four runs, 50 ms ones at
# +1.6 to +2.9 ms, with the same throughput (bench/overhead.py, interleaved runs).
FLUSH_INTERVAL_S = 0.05
MAX_BACKOFF_S = 30.0
STOP_ATTEMPTS = 3


@dataclass(slots=True)
class _Sealed:
    """A batch whose journal file takes no more records; ``rows`` None: read it from the file."""

    path: Path | None
    rows: list[Row] | None
    journaled: bool = True


def _describe(exc: BaseException) -> str:
    """A one-line reason for the log: the driver's message, never the SQL or its parameters."""
    cause = getattr(exc, "orig", None) or exc
    first = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    return f"{type(cause).__name__}: {first[:200]}"


class UsageRecorder:
    """Journals each record at once and stores them in the database in batches."""

    def __init__(
        self,
        engine: Engine,
        directory: Path,
        *,
        batch_records: int = BATCH_RECORDS,
        interval_s: float = FLUSH_INTERVAL_S,
    ) -> None:
        self.directory = directory
        self.instance = f"{os.getpid()}.{secrets.token_hex(4)}"
        self._engine = engine
        self._batch = batch_records
        self._interval = interval_s
        self._lock = threading.Lock()  # record() against sealing: file and queue move together
        self._journal = JournalWriter(directory, self.instance)
        self._calls = PendingJournal(self._next_path)
        self._compacted = time.monotonic()
        self._queue: list[Row] = []
        self._journaled = True  # every queued row also made it into the current file
        self._pending: deque[_Sealed] = deque()
        self._failures = 0
        self._retry_at = 0.0
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake = asyncio.Event()
        self._flushing = asyncio.Lock()

    # -- the hot path ---------------------------------------------------------------------------

    def begin(self, call: CallRecord) -> None:
        """Before an upstream attempt: the call's pending line (its estimate). One write, no
        lock, no database; the event loop's thread only."""
        self._calls.begin(call.id, pending_line(call))

    def record(self, call: CallRecord) -> None:
        """Journal and queue one call; never blocks on the database, never raises."""
        row = to_row(call)
        line = orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE)
        with self._lock:
            journaled = self._journal.append(line)
            if not journaled:
                self._journaled = False
            self._queue.append(row)
            full = len(self._queue) == self._batch
        if journaled:  # else the pending line stays: a kill then records the estimate
            self._calls.end(call.id)
        if full and self._task is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)
        CALLS.observe(call)  # the call ends here exactly once: count it, log its line
        call_log.emit(call)

    # -- batches --------------------------------------------------------------------------------

    def _seal(self) -> None:
        """Move the queue, with the journal file that holds exactly it, to the pending batches."""
        if not self._queue:
            return
        with self._lock:
            rows, self._queue = self._queue, []
            journaled, self._journaled = self._journaled, True
            path = self._journal.rotate()
        self._pending.append(_Sealed(path, rows, journaled))

    def _store(self, batch: _Sealed) -> int:
        """Worker thread: insert one batch in one transaction, then forget its journal file."""
        if batch.rows is not None:
            rows = batch.rows
        else:
            rows = read_journal(batch.path) if batch.path is not None else []
        insert_rows(self._engine, rows)
        if batch.path is not None:
            batch.path.unlink(missing_ok=True)
        return len(rows)

    async def _drain(self) -> int:
        stored = 0
        while self._pending:
            stored += await asyncio.to_thread(self._store, self._pending[0])
            self._pending.popleft()
        return stored

    async def _flush(self) -> bool:
        async with self._flushing:
            self._seal()
            try:
                await self._drain()
            except Exception as exc:
                self._failed(exc)
                return False
            if self._failures:
                log.warning("usage records are being stored again")
            self._failures, self._retry_at = 0, 0.0
            return True

    def _failed(self, exc: Exception) -> None:
        self._failures += 1
        delay = min(MAX_BACKOFF_S, self._interval * 2**self._failures)
        self._retry_at = time.monotonic() + delay
        self._forget_journaled()
        log.warning(
            "could not store usage records (%s); %d batch(es) kept in the journal, retry in %.1fs",
            _describe(exc),
            len(self._pending),
            delay,
        )

    def _forget_journaled(self) -> None:
        """Drop in-memory copies that the journal also holds: an outage must not grow memory."""
        for batch in self._pending:
            if batch.journaled and batch.path is not None:
                batch.rows = None

    # -- lifecycle ------------------------------------------------------------------------------

    def _bind(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._wake, self._flushing = loop, asyncio.Event(), asyncio.Lock()

    def start(self) -> None:
        """Start the flusher on the running event loop."""
        self._bind()
        if self._task is None:
            self._stopping = False
            self._task = asyncio.get_running_loop().create_task(self._run(), name="usage-flusher")

    async def _run(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval):
                    await self._wake.wait()
            self._wake.clear()
            if self._stopping:
                return
            try:
                if time.monotonic() - self._compacted >= COMPACT_S:
                    self._compacted = time.monotonic()
                    self._calls.compact()
                with contextlib.suppress(OSError):  # workers of one serve read it at a scrape
                    CALLS.persist_if_due()
                if time.monotonic() >= self._retry_at:
                    await self._flush()
                elif len(self._queue) >= self._batch:  # backing off: bound memory, not retry
                    self._seal()
                    self._forget_journaled()
            except Exception:  # never let the flusher die: the journal keeps the records
                log.exception("usage flusher error")

    async def flush(self) -> bool:
        """Store everything recorded so far now; False when the database refused (kept)."""
        self._bind()
        return await self._flush()

    def flush_from_thread(self, timeout_s: float = 10.0) -> bool:
        """:meth:`flush` from another thread than the server's event loop (tests, tools)."""
        if self._loop is None or self._task is None:
            raise RuntimeError("the usage recorder is not running")
        return asyncio.run_coroutine_threadsafe(self.flush(), self._loop).result(timeout_s)

    async def replay(self) -> int:
        """Adopt the journals of processes that are gone and store them; the records stored."""
        self._bind()
        adopted = await asyncio.to_thread(self._journal.adopt_orphans, self._next_path)
        if not adopted:
            return 0
        ended = [path for path in adopted if path.suffix == JOURNAL_SUFFIX]
        pending = [path for path in adopted if path.suffix == PENDING_SUFFIX]
        if pending:
            ended.append(await asyncio.to_thread(self._settle_orphans, ended, pending))
        self._pending.extend(_Sealed(path, None) for path in ended)
        async with self._flushing:
            try:
                stored = await self._drain()
            except Exception as exc:  # the flusher retries them with the rest
                self._failed(exc)
                return 0
        log.warning("replayed %d usage record(s) from %d journal file(s)", stored, len(adopted))
        return stored

    def _settle_orphans(self, ended: list[Path], pending: list[Path]) -> Path:
        """Turn the pending lines without an ended record into a journal file of rows with an
        unknown outcome, then remove the pending files (a crash in between: the next replay
        pairs the same lines with that file, and adds nothing)."""
        rows = unknown_rows(ended, pending)
        path = self._next_path()
        write_rows(path, rows)
        for done in pending:
            done.unlink(missing_ok=True)
        if rows:
            log.warning(
                "%d call(s) were at an upstream when their process died: recorded with an "
                "unknown outcome and estimated usage (unless already stored)",
                len(rows),
            )
        return path

    def _next_path(self) -> Path:
        with self._lock:
            return self._journal.next_path()

    async def stop(self) -> None:
        """Stop the flusher, store what is left (a few tries), then close the journal."""
        self._bind()
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            await self._task
            self._task = None
        with contextlib.suppress(OSError):
            CALLS.persist_if_due(force=True)
        for attempt in range(STOP_ATTEMPTS):
            if await self._flush():
                break
            if attempt + 1 < STOP_ATTEMPTS:
                await asyncio.sleep(0.5 * (attempt + 1))
        else:
            log.warning("usage records left in %s are stored at the next start", self.directory)
        self._close()

    def _close(self) -> None:
        self._calls.close()
        with self._lock:
            self._journal.close(drop_current=not self._queue)

    @property
    def waiting(self) -> int:
        """Records not yet known to be stored that are still held in memory."""
        return len(self._queue) + sum(len(b.rows or ()) for b in self._pending)
