"""Refresh the shared catalog from ``MODELYARD_CATALOG_URL``: one replica at a time, through
the upstream-host policy, with a timeout and a size cap.

Every attempt is stored (``catalog_updates``) with its diff and the workspace models it
touched, or with the reason it failed; a bad, oversized or suspiciously partial source changes
nothing. Runs synchronously (a worker thread): the scheduler and ``POST /api/catalog/refresh``
call :func:`refresh`.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from modelyard.catalog.loader import parse_catalog
from modelyard.catalog.schema import Catalog, CatalogFormatError
from modelyard.errors import Conflict, InvalidInput
from modelyard.security import check_base_url, resolve_and_check
from modelyard.storage.tables import CatalogUpdateRow
from modelyard.storage.types import utcnow
from modelyard.workspace import audit
from modelyard.workspace.actor import Actor
from modelyard.workspace.catalog_store import active_catalog, apply_catalog_tracked, ensure_stored
from modelyard.workspace.catalog_updates import CatalogUpdateOut, diff_data, to_out
from modelyard.workspace.ids import new_id

log = logging.getLogger(__name__)

MAX_BYTES = 16 * 1024 * 1024  # models.dev's api.json is about 1 MiB
TIMEOUT_SECONDS = 30.0
# A source that would drop more than this share of the entries is taken for a partial file.
MAX_REMOVED_SHARE = 0.5
_PG_LOCK_KEY = 0x4D59_4341_5441_4C47  # "MYCATALG": the one advisory lock this module takes
_process_lock = threading.Lock()


class RefreshBusy(Conflict):
    """Another refresh (here or on another replica) is running."""


class NoCatalogUrl(InvalidInput):
    """No ``MODELYARD_CATALOG_URL``: the catalog is refreshed by hand only."""


@dataclass(frozen=True)
class RefreshContext:
    """What a refresh needs from the running server."""

    engine: Engine
    sessions: sessionmaker[Session]
    url: str | None
    allowed_hosts: list[str]
    lock_dir: Path
    interval: timedelta


def refresh(
    ctx: RefreshContext, *, actor: Actor | None = None, scheduled: bool = False
) -> CatalogUpdateOut | None:
    """Fetch, check and apply the catalog once; the stored outcome (None: not due, or a
    scheduled run found another replica refreshing). Manual runs raise :class:`RefreshBusy`."""
    if not ctx.url:
        raise NoCatalogUrl(
            "No catalog URL: set MODELYARD_CATALOG_URL (or use 'modelyard catalog update').",
            param="catalog_url",
        )
    with _one_refresher(ctx) as mine:
        if not mine:
            if scheduled:
                return None
            raise RefreshBusy("A catalog refresh is already running; try again shortly.")
        if scheduled and not _due(ctx):
            return None
        return _run(ctx, ctx.url, actor, "schedule" if scheduled else "cli")


def _run(ctx: RefreshContext, url: str, actor: Actor | None, trigger: str) -> CatalogUpdateOut:
    """One attempt, stored whatever its outcome (``trigger``: schedule, cli; manual with an
    actor, who is audited)."""
    update_id = new_id("cup")
    trigger = "manual" if actor else trigger
    with ctx.sessions() as session:
        ensure_stored(session)
        old = active_catalog(session)
        row = CatalogUpdateRow(
            id=update_id,
            created_at=utcnow(),
            trigger=trigger,
            actor_id=actor.user_id if actor else None,
            source=shown_source(url),
            old_version=old.version,
            touched=[],
        )
        try:
            new = _checked(old, parse_catalog(fetch(url, ctx.allowed_hosts)))
        except (CatalogFormatError, InvalidInput) as exc:
            row.status, row.error = "failed", str(exc)[:2000]
            log.warning("catalog refresh from %s failed: %s", row.source, row.error)
        else:
            diff, touched = apply_catalog_tracked(session, new, update_id)
            row.status = "unchanged" if diff.is_empty else "applied"
            row.new_version, row.diff, row.touched = new.version, diff_data(diff), touched
            log.info("catalog refresh: %s", diff.render().splitlines()[-1])
        session.add(row)
        if actor is not None:
            audit.record(
                session, actor, "catalog.refresh", "catalog_update", update_id, status=row.status
            )
        session.commit()
        return to_out(row, actor.workspace_id if actor else "")


def shown_source(url: str) -> str:
    """The URL as stored, listed and logged: never a user name, password or query (a token
    may hide there; the policy refuses such a URL, and its refusal must not repeat it)."""
    parts = urlsplit(url.strip())
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))[:2000]


def fetch(url: str, allowed_hosts: list[str]) -> bytes:
    """The source's bytes, or ``CatalogFormatError`` / ``UpstreamHostRefused`` saying why not.

    Checked like a provider base URL; no redirects (one could lead past the check)."""
    import httpx  # only the refresh downloads: keep it out of gateway workers that never do

    url = check_base_url(url, allowed_hosts, param="catalog_url", resolve=False)
    try:
        resolve_and_check(urlsplit(url).hostname or "", allowed_hosts)
    except OSError as exc:
        raise CatalogFormatError(f"{url}: host does not resolve ({exc})") from exc
    deadline = time.monotonic() + TIMEOUT_SECONDS
    try:
        with (
            httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False, trust_env=False) as c,
            c.stream("GET", url) as response,
        ):
            if not response.is_success:
                raise CatalogFormatError(f"{url}: download failed (HTTP {response.status_code})")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_BYTES:
                raise CatalogFormatError(f"{url}: larger than {MAX_BYTES} bytes")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_BYTES:
                    raise CatalogFormatError(f"{url}: larger than {MAX_BYTES} bytes")
                if time.monotonic() > deadline:
                    raise CatalogFormatError(f"{url}: took longer than {TIMEOUT_SECONDS:g} s")
    except httpx.HTTPError as exc:
        raise CatalogFormatError(f"{url}: download failed ({type(exc).__name__})") from exc
    return bytes(body)


def _checked(old: Catalog, new: Catalog) -> Catalog:
    """Refuse a catalog that would drop most entries: a truncated export, not a real change."""
    old_ids = {e.id for e in old.entries}
    removed = len(old_ids - {e.id for e in new.entries})
    if len(old_ids) >= 10 and removed > MAX_REMOVED_SHARE * len(old_ids):
        raise CatalogFormatError(
            f"catalog: would remove {removed} of {len(old_ids)} entries; "
            "this looks like a partial file, so nothing was changed"
        )
    return new


def _due(ctx: RefreshContext) -> bool:
    with ctx.sessions() as session:
        last = session.scalar(
            select(CatalogUpdateRow.created_at)
            .order_by(CatalogUpdateRow.created_at.desc())
            .limit(1)
        )
    return last is None or utcnow() - last >= ctx.interval * 0.9


@contextlib.contextmanager
def _one_refresher(ctx: RefreshContext) -> Iterator[bool]:
    """Whether this process may refresh now: a PostgreSQL advisory lock across replicas, a
    file lock across the workers of one SQLite server (and a lock across this one's threads)."""
    if not _process_lock.acquire(blocking=False):
        yield False
        return
    try:
        if ctx.engine.dialect.name == "postgresql":
            with ctx.engine.connect() as conn:
                got = bool(
                    conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
                )
                try:
                    yield got
                finally:
                    if got:
                        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                    conn.rollback()
        else:
            ctx.lock_dir.mkdir(parents=True, exist_ok=True)
            with open(ctx.lock_dir / "catalog-refresh.lock", "a+b") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    yield False
                    return
                try:
                    yield True
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        _process_lock.release()
