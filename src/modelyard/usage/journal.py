"""The usage journal on disk, and the idempotent batch insert into ``usage_records``.

A journal line is one ``usage_records`` row as JSON (decimals as exact strings, ``started_at`` in
ISO 8601). Files are named ``<instance>-<seq>.jsonl`` (ended calls) and ``<instance>-<seq>.pending``
(calls at an upstream, see :mod:`modelyard.usage.pending`); ``<instance>.lock`` is held with
``flock`` by the live process that writes them, so a process starting next to it (same data
directory) never takes its files, while the lock of a killed process is free at once (the
kernel drops it with the process).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import weakref
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Context, Decimal
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.dialects import sqlite

from modelyard.storage.tables import UsageRow
from modelyard.usage.meter import CallRecord
from modelyard.usage.rollups import add_to_rollups

log = logging.getLogger(__name__)

Row = dict[str, Any]
COLUMNS = tuple(column.name for column in UsageRow.__table__.columns)
# Ended calls' records, and the pending lines of calls at an upstream (usage/pending.py).
JOURNAL_SUFFIX, PENDING_SUFFIX = ".jsonl", ".pending"
SUFFIXES = (JOURNAL_SUFFIX, PENDING_SUFFIX)
INSERT_CHUNK = 1000
# SQLite rows go to the driver this many at a time. Turning rows into driver tuples holds the
# GIL (the driver lets it go while SQLite writes each row); a whole batch of a busy second
# (~250 rows, ~2 ms) in one go made the event loop wait for it, which showed in the gateway's
# tail latency. A slice of 32 holds it ~0.25 ms at a time.
DRIVER_CHUNK = 32
# Column widths of usage_records: PostgreSQL refuses longer values, which would make a whole batch
# fail forever; cutting them here keeps one odd record from blocking all the others.
_ERROR_MAX, _SLUG_MAX, _DECIMAL_MAX = 500, 120, 40


def _decimal(value: Decimal | None) -> str | None:
    if value is None:
        return None
    text = str(value)
    if len(text) <= _DECIMAL_MAX and "E" not in text:
        return text
    text = format(value, "f")
    if len(text) > _DECIMAL_MAX:  # more digits than a dollar amount needs: round the tail
        places = max(0, _DECIMAL_MAX - 2 - len(text.partition(".")[0]))
        exponent = Decimal(1).scaleb(-places)
        text = format(value.quantize(exponent, context=Context(prec=100)), "f")
    return text


def to_row(call: CallRecord, outcome: str | None = None) -> Row:
    """The ``usage_records`` row of a call; decimals become exact strings (orjson-ready)."""
    usage, prices = call.usage, call.prices
    error = call.error
    slug = call.model_slug
    return {
        "id": call.id,
        "workspace_id": call.workspace_id,
        "user_id": call.user_id,
        "api_key_id": call.api_key_id,
        "endpoint": call.endpoint,
        "model_id": call.model_id,
        "model_slug": slug[:_SLUG_MAX] if slug is not None else None,
        "deployment_id": call.deployment_id,
        "fallback_path": call.fallback_path,
        "status": call.status,
        "stream": call.stream,
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cache_read_tokens": usage.cache_read_tokens,
        "cache_write_tokens": usage.cache_write_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "images": usage.images,
        "latency_ms": call.latency_ms,
        "input_price": _decimal(prices.input),
        "output_price": _decimal(prices.output),
        "cache_read_price": _decimal(prices.cache_read),
        "cache_write_price": _decimal(prices.cache_write),
        "image_price": _decimal(prices.image),
        "cost_usd": _decimal(call.cost_usd),
        "error": error[:_ERROR_MAX] if error is not None else None,
        "started_at": call.started_at,
        "request_id": call.request_id,
        "outcome": outcome,
        "is_test": call.is_test,
    }


def write_all(fd: int, data: bytes) -> None:
    """``data`` in one ``os.write`` (``O_APPEND``: never interleaved), finishing it only when
    a full disk or a signal cut it short; raises ``OSError``."""
    written = os.write(fd, data)
    if written < len(data):
        view = memoryview(data)[written:]
        while view:
            view = view[os.write(fd, view) :]


def read_journal(path: Path) -> list[Row]:
    """The rows of one journal file. A line that does not parse is skipped with a warning: only
    the last line can be torn, by a crash during its write, before that call was answered."""
    rows: list[Row] = []
    bad = 0
    try:
        data = path.read_bytes()
    except FileNotFoundError:  # already stored and removed by the process that owned it
        return rows
    for line in data.splitlines():
        if not line.strip():
            continue
        try:
            raw = orjson.loads(line)
            row = {name: raw.get(name) for name in COLUMNS}  # lines of older versions lack some
            if row["id"] is None:
                raise KeyError("id")
            row["started_at"] = datetime.fromisoformat(row["started_at"])
            row["is_test"] = bool(row["is_test"])  # absent from lines before 0013
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            bad += 1
            continue
        rows.append(row)
    if bad:
        log.warning("skipped %d unreadable line(s) in usage journal %s", bad, path.name)
    return rows


class _DriverInsert:
    """SQLite's insert as SQL text and one bind processor per column, taken from SQLAlchemy's
    own compiler and column types: the rows then go to the driver as one multi-row ``VALUES``
    whose ``RETURNING id`` names the rows really stored (the rollups count only those).
    The values stored are the same; SQLAlchemy's per-row work for a generic statement (about
    16 us a row, in the server's process, holding the GIL) is not done again for every batch.
    """

    def __init__(self, engine: Engine) -> None:
        statement = sqlite.insert(UsageRow).on_conflict_do_nothing(index_elements=["id"])
        compiled = statement.compile(dialect=engine.dialect, column_keys=list(COLUMNS))
        columns = UsageRow.__table__.columns
        order = list(compiled.positiontup or ())
        if sorted(order) != sorted(COLUMNS):
            raise ValueError("the usage insert does not bind every column once")
        head, _, rest = compiled.string.partition(" VALUES ")
        group, _, tail = rest.partition(") ")
        self._head, self._group, self._tail = head, group + ")", f" {tail} RETURNING id"
        self._sql: dict[int, str] = {}
        dialect = engine.dialect
        self.fields = [
            (name, columns[name].type.dialect_impl(dialect).bind_processor(dialect))
            for name in order
        ]

    def sql(self, count: int) -> str:
        """The statement for ``count`` rows (cached: a batch has at most two sizes)."""
        text = self._sql.get(count)
        if text is None:
            groups = ", ".join([self._group] * count)
            text = self._sql[count] = f"{self._head} VALUES {groups}{self._tail}"
        return text

    def parameters(self, rows: Sequence[Row]) -> list[Any]:
        fields = self.fields
        return [
            row[name] if process is None else process(row[name])
            for row in rows
            for name, process in fields
        ]


_DRIVER_INSERTS: weakref.WeakKeyDictionary[Engine, _DriverInsert] = weakref.WeakKeyDictionary()


def insert_rows(engine: Engine, rows: Sequence[Row]) -> None:
    """Store ``rows`` in one transaction, with their rollups; ids already present are left as
    they are (and not counted again)."""
    if not rows:
        return
    if engine.dialect.name == "sqlite":
        fast = _DRIVER_INSERTS.get(engine)
        if fast is None:
            fast = _DRIVER_INSERTS[engine] = _DriverInsert(engine)
        with engine.begin() as connection:
            stored: set[str] = set()
            for start in range(0, len(rows), DRIVER_CHUNK):
                chunk = rows[start : start + DRIVER_CHUNK]
                result = connection.exec_driver_sql(
                    fast.sql(len(chunk)), tuple(fast.parameters(chunk))
                )
                stored.update(row[0] for row in result)
            add_to_rollups(connection, _only(rows, stored))
        return
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            fresh: list[Row] = []
            for start in range(0, len(rows), INSERT_CHUNK):
                chunk = rows[start : start + INSERT_CHUNK]
                result = connection.execute(_POSTGRES_INSERT, {"rows": _json_rows(chunk)})
                fresh.extend(_only(chunk, set(result.scalars())))
            add_to_rollups(connection, fresh)
        return
    # Another engine: portable, in the same transaction, a little slower.
    with engine.begin() as connection:
        fresh = []
        for start in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[start : start + INSERT_CHUNK]
            ids = [row["id"] for row in chunk]
            known = set(connection.scalars(select(UsageRow.id).where(UsageRow.id.in_(ids))))
            new = [row for row in chunk if row["id"] not in known]
            if new:
                connection.execute(insert(UsageRow), new)
                fresh.extend(new)
        add_to_rollups(connection, fresh)


# PostgreSQL: the whole chunk as one JSON parameter, turned into rows by the server. One short
# statement the driver parses in no time, whose RETURNING names the rows really stored (the
# rollups count only those). A multi-row VALUES with RETURNING (SQLAlchemy's way) made psycopg
# parse 7,000 placeholders per batch: 5x the time of the plain insert.
_POSTGRES_INSERT = text(
    f"INSERT INTO usage_records ({', '.join(COLUMNS)}) SELECT {', '.join(COLUMNS)} "
    "FROM json_populate_recordset(NULL::usage_records, CAST(:rows AS json)) "
    "ON CONFLICT (id) DO NOTHING RETURNING id"
)


def _json_rows(rows: Sequence[Row]) -> str:
    """Rows as JSON for ``json_populate_recordset``: decimals are exact strings already,
    timestamps RFC 3339 with their offset."""
    return orjson.dumps(list(rows), default=str).decode()


def _only(rows: Sequence[Row], ids: set[str]) -> list[Row]:
    """The rows the insert stored (the rest were known already), once each."""
    if len(ids) == len(rows):
        return list(rows)
    taken: list[Row] = []
    for row in rows:
        if row["id"] in ids:
            ids.discard(row["id"])
            taken.append(row)
    return taken


class InstanceLock:
    """``<dir>/<instance>.lock``, held while this process may write ``<instance>-*.jsonl``."""

    def __init__(self, directory: Path, instance: str) -> None:
        self.path = directory / f"{instance}.lock"
        self._fd = -1

    @property
    def held(self) -> bool:
        return self._fd >= 0

    def acquire(self) -> bool:
        """Take the lock without waiting; False when a live process holds it."""
        if self._fd >= 0:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        """Remove the lock file, then let go: files left behind look orphaned, as they should."""
        if self._fd < 0:
            return
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        os.close(self._fd)
        self._fd = -1


def _orphan_instances(directory: Path, own: str) -> Iterable[str]:
    """Instances with journal files or a lock file in ``directory``, other than ``own``."""
    names: set[str] = set()
    for entry in directory.iterdir():
        if entry.suffix in SUFFIXES:
            names.add(entry.stem.rpartition("-")[0])
        elif entry.suffix == ".lock":
            names.add(entry.stem)
    names.discard(own)
    names.discard("")
    return sorted(names)


class JournalWriter:
    """The files of one instance: the current one takes appends; ``rotate`` seals it. Not
    thread-safe on its own: the recorder calls it under its lock. Never raises ``OSError`` from
    ``append``: a journal that cannot be written is logged, and the caller keeps the record in
    memory instead (``append`` returns False)."""

    def __init__(self, directory: Path, instance: str) -> None:
        self.directory = directory
        self.instance = instance
        self._owner = InstanceLock(directory, instance)
        self._seq = 0
        self._fd = -1
        self.path: Path | None = None
        self._errors = 0

    def next_path(self) -> Path:
        """A new file name of this instance; takes the instance lock first."""
        if not self._owner.held:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._owner.acquire()  # the instance name is ours alone: this cannot be refused
        self._seq += 1
        return self.directory / f"{self.instance}-{self._seq:09d}.jsonl"

    def open(self) -> None:
        try:
            path = self.next_path()
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
            self.path = path
        except OSError as exc:
            self._failed(exc)

    def append(self, line: bytes) -> bool:
        """One ``os.write`` of a whole line (``O_APPEND``: never interleaved); False on failure."""
        if self._fd < 0:
            self.open()
            if self._fd < 0:
                return False
        try:
            write_all(self._fd, line)
        except OSError as exc:
            self._failed(exc)
            return False
        return True

    def _failed(self, exc: OSError) -> None:
        self._errors += 1
        if self._errors % 1000 == 1:
            log.warning(
                "usage journal write failed (%s); records stay queued in memory until stored",
                exc.strerror or type(exc).__name__,
            )

    def rotate(self) -> Path | None:
        """Seal the current file (returned) and open the next one now, so that the next
        ``append`` stays cheap."""
        fd, path = self._fd, self.path
        self._fd, self.path = -1, None
        if fd >= 0:
            os.close(fd)
        self.open()
        return path

    def close(self, *, drop_current: bool) -> None:
        """Close the current file (removing it when it holds nothing unstored) and let go of the
        lock: files left behind are orphans now, and the next start adopts them."""
        fd, path = self._fd, self.path
        self._fd, self.path = -1, None
        if fd >= 0:
            os.close(fd)
            if drop_current and path is not None:
                path.unlink(missing_ok=True)
        self._owner.release()

    def adopt_orphans(self, next_path: Callable[[], Path]) -> list[Path]:
        """Rename the files of instances whose lock is free (their process is gone) to new names
        of this instance, from ``next_path``: a rename is atomic, so a crash at any point
        leaves every file owned by exactly one instance."""
        if not self.directory.is_dir():
            return []
        adopted: list[Path] = []
        for instance in _orphan_instances(self.directory, self.instance):
            other = InstanceLock(self.directory, instance)
            if not other.acquire():
                continue  # its process is alive and still owns them
            try:
                for path in sorted(self.directory.glob(f"{instance}-*")):
                    if path.suffix not in SUFFIXES:
                        continue
                    target = next_path().with_suffix(path.suffix)
                    path.rename(target)
                    adopted.append(target)
            finally:
                other.release()
        return adopted
