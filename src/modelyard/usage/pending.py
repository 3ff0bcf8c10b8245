"""Pending journal lines: a record of each call written *before* its upstream request, so that a
process killed while the provider has the call still leaves a record of it.

Before each upstream attempt the gateway writes the call's row as it would be stored if the
process died now: ``outcome`` ``unknown_outcome``, status 500 (the gateway failed the caller),
the tokens the router reserves for it (prompt estimate + output allowance, images by count),
priced at the model's prices. The ended call's record (same id) goes to the journal as before.

At replay a pending line whose id has no ended record in the dead process's journals becomes a
row. Ended records already stored are safe too: the insert skips ids already present, and a
pending row has the id of its call, so it never counts an ended call twice.

Why one file that is compacted, and no lock: a pending line is one ``os.write`` on an
``O_APPEND`` descriptor, on the event loop's thread (the gateway's handlers), nothing else. The
flusher task (same thread) compacts the file every ``COMPACT_S``: a new file gets the lines of
the calls still open, then the old one is removed, so every open call is in a file at every
instant, and a replay reads at most ``COMPACT_S`` of ended calls' lines besides the open ones.
A ``write`` reaches the page cache, which outlives a killed process: no fsync is needed for
SIGKILL (an OS crash may lose the last ~30 s, as for the journal itself).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path

import orjson

from modelyard.llm_types import Usage
from modelyard.usage.cost import UnitPrices, cost_usd
from modelyard.usage.journal import PENDING_SUFFIX, Row, read_journal, to_row, write_all
from modelyard.usage.meter import CallRecord

log = logging.getLogger(__name__)

UNKNOWN_OUTCOME = "unknown_outcome"
# The caller got no answer: the gateway failed it (counted with the errors in reports), and
# ``outcome`` tells these rows from other 500s.
UNKNOWN_STATUS = 500
UNKNOWN_ERROR = (
    "The server stopped while the provider had this call; tokens and cost are the estimate."
)
COMPACT_S = 0.5


def pending_line(call: CallRecord) -> bytes:
    """The JSON line of a call that has not ended (its row if the process died now)."""
    return orjson.dumps(to_row(call, UNKNOWN_OUTCOME), option=orjson.OPT_APPEND_NEWLINE)


class PendingJournal:
    """The pending lines of one process's calls at an upstream. The event loop's thread only:
    ``begin`` and ``compact`` swap the file without a lock; ``end`` is one dict operation (any
    thread)."""

    def __init__(self, next_path: Callable[[], Path]) -> None:
        self._next_path = next_path
        self._open: dict[str, bytes] = {}
        self._fd = -1
        self._path: Path | None = None
        self._lines = 0
        self._errors = 0

    @property
    def open_calls(self) -> int:
        return len(self._open)

    def begin(self, call_id: str, line: bytes) -> None:
        """Write the call's pending line (again, after a fallback: the newest line counts)."""
        self._open[call_id] = line
        if (self._fd >= 0 or self._start()) and self._write(line):
            self._lines += 1

    def end(self, call_id: str) -> None:
        """The call's ended record is journaled: its pending line may go."""
        self._open.pop(call_id, None)

    def compact(self) -> None:
        """Move the lines of open calls to a new file and remove the old one (which also holds
        the lines of ended calls); with no call open, just remove it."""
        if self._fd < 0 or self._lines <= len(self._open):
            return
        old_fd, old_path = self._fd, self._path
        self._fd, self._path, self._lines = -1, None, 0
        lines = list(self._open.values())
        if lines and not (self._start() and self._write(b"".join(lines))):
            os.close(old_fd)  # keep the old file: replay takes the newest line of each call
            return
        self._lines = len(lines)
        os.close(old_fd)
        if old_path is not None:
            old_path.unlink(missing_ok=True)

    def close(self) -> None:
        """At a clean stop: a file is left only for calls still open (replayed next start)."""
        self.compact()
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
            if not self._open and self._path is not None:
                self._path.unlink(missing_ok=True)
            self._path = None

    def _start(self) -> bool:
        try:
            path = self._next_path().with_suffix(PENDING_SUFFIX)
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            self._failed(exc)
            return False
        self._path = path
        return True

    def _write(self, data: bytes) -> bool:
        try:
            write_all(self._fd, data)
        except OSError as exc:
            self._failed(exc)
            return False
        return True

    def _failed(self, exc: OSError) -> None:
        self._errors += 1
        if self._errors % 1000 == 1:
            log.warning(
                "pending usage journal write failed (%s); a kill now loses calls in flight",
                exc.strerror or type(exc).__name__,
            )


def _decimal_or_none(text: object) -> Decimal | None:
    return None if text is None else Decimal(str(text))


def unknown_rows(ended_files: Iterable[Path], pending_files: Iterable[Path]) -> list[Row]:
    """The rows of calls pending in ``pending_files`` without an ended record in
    ``ended_files``: the newest line of each, priced (``cost_usd`` of the estimate)."""
    ended = {row["id"] for path in ended_files for row in read_journal(path)}
    newest: dict[str, Row] = {}
    for path in pending_files:
        for row in read_journal(path):
            newest[row["id"]] = row
    rows: list[Row] = []
    for call_id, row in newest.items():
        if call_id in ended:
            continue
        usage = Usage(
            input_tokens=row["input_tokens"] or 0,
            output_tokens=row["output_tokens"] or 0,
            images=row["images"] or 0,
        )
        prices = UnitPrices(*(_decimal_or_none(row[f"{name}_price"]) for name in _PRICES))
        row["cost_usd"] = str(cost_usd(usage, prices))
        row["outcome"] = UNKNOWN_OUTCOME
        rows.append(row)
    return rows


_PRICES = ("input", "output", "cache_read", "cache_write", "image")


def write_rows(path: Path, rows: Iterable[Row]) -> None:
    """A journal file of ``rows`` (closed; not fsynced: a later crash replays the pending
    files it came from again, which gives the same rows)."""
    data = b"".join(orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE) for row in rows)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        write_all(fd, data)
    finally:
        os.close(fd)
