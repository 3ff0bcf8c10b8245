"""Holds every workspace's configuration snapshot and the API-key lookup cache in memory.

The gateway asks this store, never the database. Snapshots load on first use and are dropped
when configuration changes: at once for changes made through this process (``invalidate``),
and within ``poll_interval`` for changes made elsewhere (another replica, the CLI), seen
through ``workspaces.config_version``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import anyio.to_thread
from sqlalchemy import select
from sqlalchemy.orm import Session

from modelyard.errors import Unauthenticated
from modelyard.routing.key_activity import KeyActivity
from modelyard.routing.snapshot import WorkspaceConfig, load_workspace
from modelyard.security import SecretBox, hash_api_key
from modelyard.storage.tables import ApiKeyRow, UserRow, WorkspaceRow

log = logging.getLogger(__name__)

MAX_CACHED_KEYS = 100_000


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling the gateway, from their API key."""

    api_key_id: str | None  # None: a call made by a web session (the playground), not a key
    user_id: str
    workspace_id: str
    role: str
    # The key's scopes: past ``expires_at`` (epoch seconds) it is a 401; with ``model_ids``
    # it may call only those models (a 403 naming the key otherwise).
    expires_at: float | None = None
    model_ids: frozenset[str] | None = None
    key_name: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role in ("owner", "admin")


class Companion(Protocol):
    def start(self) -> None: ...
    async def stop(self) -> None: ...


class ConfigStore:
    def __init__(
        self, sessions: Callable[[], Session], box: SecretBox, poll_interval: float = 1.0
    ) -> None:
        self._sessions = sessions
        self._box = box
        self._poll_interval = poll_interval
        self._workspaces: dict[str, WorkspaceConfig] = {}
        self._keys: dict[str, Caller | None] = {}
        self._versions: dict[str, int] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._poller: asyncio.Task[None] | None = None
        # Each key's last use: noted here, written in batches by its own task.
        self.key_activity = KeyActivity(sessions)
        # Run after a snapshot loads, off the hot path (the budget ledger's reconciliation).
        self.on_load: Callable[[WorkspaceConfig], Awaitable[None]] | None = None
        # Started and stopped with this store (the budgets' background tasks).
        self.companions: list[Companion] = []

    async def caller(self, api_key: str) -> Caller:
        """The caller behind a bearer key; 401 for unknown or revoked keys."""
        key_hash = hash_api_key(api_key)
        try:
            caller = self._keys[key_hash]
        except KeyError:
            caller = await anyio.to_thread.run_sync(self._load_key, key_hash)
            if len(self._keys) >= MAX_CACHED_KEYS:
                self._keys.clear()
            self._keys[key_hash] = caller
        if caller is None:
            raise Unauthenticated("Invalid API key.", code="invalid_api_key")
        now = time.time()
        if caller.expires_at is not None and now >= caller.expires_at:
            raise Unauthenticated(
                "This API key has expired; create a new one.", code="expired_api_key"
            )
        if caller.api_key_id is not None:
            self.key_activity.note(caller.api_key_id, now)
        return caller

    async def workspace(self, workspace_id: str) -> WorkspaceConfig:
        config = self._workspaces.get(workspace_id)
        if config is not None:
            return config
        lock = self._locks.setdefault(workspace_id, asyncio.Lock())
        async with lock:
            config = self._workspaces.get(workspace_id)
            if config is None:
                config = await anyio.to_thread.run_sync(self._load_workspace, workspace_id)
                if self.on_load is not None:
                    try:
                        await self.on_load(config)
                    except Exception:  # the periodic reconciliation tries again
                        log.warning("could not reconcile %s after loading", workspace_id)
                self._workspaces[workspace_id] = config
                self._versions[workspace_id] = config.version
        return config

    def loaded(self) -> list[WorkspaceConfig]:
        """The snapshots held now."""
        return list(self._workspaces.values())

    def invalidate(self) -> None:
        """Forget everything: the next call reloads what it needs."""
        self._workspaces.clear()
        self._keys.clear()

    def _load_key(self, key_hash: str) -> Caller | None:
        with self._sessions() as session:
            found = session.execute(
                select(
                    ApiKeyRow.id,
                    ApiKeyRow.revoked_at,
                    UserRow.id,
                    UserRow.workspace_id,
                    UserRow.role,
                    UserRow.deactivated_at,
                    ApiKeyRow.expires_at,
                    ApiKeyRow.model_ids,
                    ApiKeyRow.name,
                )
                .join(UserRow, UserRow.id == ApiKeyRow.user_id)
                .where(ApiKeyRow.key_hash == key_hash)
            ).first()
        if found is None or found.revoked_at is not None or found.deactivated_at is not None:
            return None
        return Caller(
            api_key_id=found[0],
            user_id=found[2],
            workspace_id=found.workspace_id,
            role=found.role,
            expires_at=found.expires_at.timestamp() if found.expires_at is not None else None,
            model_ids=frozenset(found.model_ids) if found.model_ids is not None else None,
            key_name=found.name or "",
        )

    def _load_workspace(self, workspace_id: str) -> WorkspaceConfig:
        with self._sessions() as session:
            return load_workspace(session, self._box, workspace_id)

    def _read_versions(self) -> dict[str, int]:
        with self._sessions() as session:
            rows = session.execute(select(WorkspaceRow.id, WorkspaceRow.config_version))
            return {workspace_id: version for workspace_id, version in rows}

    async def check_versions(self) -> None:
        """Drop what changed elsewhere since it was loaded."""
        versions = await anyio.to_thread.run_sync(self._read_versions)
        changed = [ws for ws, v in self._versions.items() if versions.get(ws) != v]
        if changed:
            for workspace_id in changed:
                self._workspaces.pop(workspace_id, None)
                self._versions.pop(workspace_id, None)
            self._keys.clear()

    def start(self) -> None:
        if self._poller is None:
            self._poller = asyncio.get_running_loop().create_task(self._poll())
        self.key_activity.start()
        for companion in self.companions:
            companion.start()

    async def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
        await self.key_activity.stop()  # what was noted since the last write is not lost
        for companion in self.companions:
            await companion.stop()

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self._poll_interval)
            try:
                await self.check_versions()
            except Exception:  # the database may be briefly unreachable; keep serving
                log.warning("could not check configuration versions", exc_info=True)
