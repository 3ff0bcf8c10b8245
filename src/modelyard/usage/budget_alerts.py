"""Budget threshold alerts: recorded once per period, posted to the budget's signed webhook.

The gateway reports a crossing with :meth:`BudgetAlerts.crossed` from the hot path; that only
appends to an in-memory queue. A background task writes the queued crossings (the unique
``(budget_id, period_start, threshold)`` makes every replica's report of one crossing a single
row; a repeat is ignored), then delivers the rows that are due. Delivery state lives in the
row (``attempts``, ``next_attempt_at``), so a restart or another replica picks up where one
stopped; a row is claimed with a conditional UPDATE on its attempt count before it is posted,
so two replicas never post the same attempt.

The body is JSON; ``x-modelyard-signature: sha256=<hex>`` is the HMAC-SHA256 of its exact
bytes keyed by the workspace's webhook secret (``POST /api/webhook-secret``). Without a secret
nothing is sent unsigned: the alert waits, retried like a failure. Failures are retried with
exponential backoff (``base_delay`` doubling, at most ``max_delay``) up to ``max_attempts``.
The URL passes the upstream-host policy when saved and again before each post (its host is
resolved and checked then). The secret never reaches a log line, an error or the row.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import anyio.to_thread
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from modelyard.security import AllowedHosts, SecretBox, check_base_url, resolve_and_check
from modelyard.storage.tables import BudgetAlertRow, BudgetRow, WorkspaceRow
from modelyard.workspace.budget_schemas import money_text
from modelyard.workspace.ids import new_id

if TYPE_CHECKING:  # httpx and the dialects load when a webhook is sent or an alert stored,
    import httpx  # not in every gateway worker (tests/cli/test_serve_memory.py)

log = logging.getLogger(__name__)

__all__ = ["SIGNATURE_HEADER", "BudgetAlerts", "sign"]

SIGNATURE_HEADER = "x-modelyard-signature"
EVENT = "budget.threshold"
MAX_QUEUE = 10_000  # crossings are rare; the bound only guards memory against a bug
BATCH = 50


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for ``body``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


@dataclass(frozen=True, slots=True)
class _Crossing:
    workspace_id: str
    budget_id: str
    threshold: Decimal
    spent_usd: Decimal
    period_start: datetime


@dataclass(frozen=True, slots=True)
class _Due:
    alert_id: str
    attempts: int
    url: str
    secret: bytes | None
    body: bytes


class BudgetAlerts:
    """Records and delivers threshold crossings; started and stopped with the app."""

    def __init__(
        self,
        sessions: Callable[[], Session],
        box: SecretBox,
        allowed_hosts: Sequence[str] | AllowedHosts,
        *,
        base_delay: float = 30.0,
        max_delay: float = 3600.0,
        max_attempts: int = 8,
        poll_interval: float = 5.0,
        timeout: float = 10.0,
    ) -> None:
        self._sessions = sessions
        self._box = box
        self._allowed = allowed_hosts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._max_attempts = max_attempts
        self._poll_interval = poll_interval
        self._timeout = timeout
        self._queue: deque[_Crossing] = deque(maxlen=MAX_QUEUE)
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self._closing = False

    # --- the hot path -------------------------------------------------------------------

    def crossed(
        self,
        workspace_id: str,
        budget_id: str,
        threshold: Decimal,
        spent_usd: Decimal,
        period_start: datetime,
    ) -> None:
        """A settle took the budget past ``threshold`` (a fraction of its amount) in the period
        starting at ``period_start``. Non-blocking: queued for the background task. Call it
        on the event loop's thread (the gateway's), as the wake-up is an ``asyncio.Event``."""
        self._queue.append(_Crossing(workspace_id, budget_id, threshold, spent_usd, period_start))
        if self._wake is not None:
            self._wake.set()

    # --- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        if self._task is None:
            self._wake = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def aclose(self) -> None:
        """Stop the task; crossings still queued are written (and delivered later, by this
        process after a restart or by another replica)."""
        if self._task is not None:
            self._closing = True
            if self._wake is not None:
                self._wake.set()
            try:  # a round in flight finishes, so a post that was answered is marked so
                await asyncio.wait_for(asyncio.shield(self._task), self._timeout + 5)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
            self._closing = False
        try:
            await anyio.to_thread.run_sync(self.record_crossings)
        except Exception:
            log.warning("could not record budget alerts on shutdown", exc_info=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def run_once(self) -> int:
        """Write the queued crossings, then deliver what is due; returns how many were posted
        successfully. The background task repeats this; tests call it directly."""
        await anyio.to_thread.run_sync(self.record_crossings)
        due = await anyio.to_thread.run_sync(self._claim_due)
        results = await asyncio.gather(*(self._deliver(item) for item in due))
        return sum(results)

    async def _run(self) -> None:
        assert self._wake is not None
        while not self._closing:
            try:
                await self.run_once()
            except Exception:  # the database may be briefly away: the queue waits
                log.warning("budget alerts: a round failed", exc_info=True)
            if self._closing:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_interval)
            self._wake.clear()

    # --- recording ----------------------------------------------------------------------

    def record_crossings(self) -> int:
        """Insert the queued crossings, each once (blocking). Returns how many were queued."""
        crossings: list[_Crossing] = []
        while self._queue:
            crossings.append(self._queue.popleft())
        if not crossings:
            return 0
        try:
            with self._sessions() as session:
                budgets = _webhooks(session, {c.budget_id for c in crossings})
                now = datetime.now(UTC)
                for crossing in crossings:
                    if crossing.budget_id not in budgets:
                        continue  # deleted meanwhile: nothing to tell
                    _insert_once(session, crossing, now, budgets[crossing.budget_id] is not None)
                session.commit()
        except Exception:
            self._queue.extendleft(reversed(crossings))  # kept for the next round
            raise
        return len(crossings)

    # --- delivery -----------------------------------------------------------------------

    def _claim_due(self) -> list[_Due]:
        """The due alerts, each claimed for one attempt: its attempt count is raised and its
        next attempt scheduled (as if this one failed) in one conditional UPDATE, so another
        replica skips it, and a crash mid-post retries it after the backoff."""
        now = datetime.now(UTC)
        claimed: list[_Due] = []
        with self._sessions() as session:
            rows = session.execute(
                select(BudgetAlertRow, BudgetRow, WorkspaceRow.webhook_secret)
                .join(BudgetRow, BudgetRow.id == BudgetAlertRow.budget_id)
                .join(WorkspaceRow, WorkspaceRow.id == BudgetAlertRow.workspace_id)
                .where(
                    BudgetAlertRow.delivered_at.is_(None),
                    BudgetAlertRow.next_attempt_at.is_not(None),
                    BudgetAlertRow.next_attempt_at <= now,
                )
                .order_by(BudgetAlertRow.next_attempt_at)
                .limit(BATCH)
            ).all()
            for alert, budget, secret in rows:
                url, body = budget.webhook_url, _body(alert, budget)
                if url is None:  # the webhook was removed after the crossing: nothing to post
                    session.execute(
                        update(BudgetAlertRow)
                        .where(BudgetAlertRow.id == alert.id)
                        .values(next_attempt_at=None)
                        .execution_options(synchronize_session=False)
                    )
                    session.commit()
                    continue
                attempts, seen = alert.attempts + 1, alert.attempts
                retry = None if attempts >= self._max_attempts else now + self._backoff(attempts)
                won = session.execute(
                    update(BudgetAlertRow)
                    .where(
                        BudgetAlertRow.id == alert.id,
                        BudgetAlertRow.attempts == seen,
                        BudgetAlertRow.delivered_at.is_(None),
                    )
                    .values(attempts=attempts, next_attempt_at=retry)
                    .execution_options(synchronize_session=False)
                )
                session.commit()
                if won.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(_Due(alert.id, attempts, url, secret, body))
        return claimed

    def _backoff(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self._max_delay, self._base_delay * 2 ** (attempts - 1)))

    async def _deliver(self, item: _Due) -> bool:
        error = await self._post(item)
        await anyio.to_thread.run_sync(self._finish, item, error)
        if error is not None:
            log.warning(
                "budget webhook of alert %s failed (attempt %d of %d): %s",
                item.alert_id,
                item.attempts,
                self._max_attempts,
                error,
            )
        return error is None

    async def _post(self, item: _Due) -> str | None:
        """Post the alert; None on a 2xx, else what went wrong (never the secret)."""
        if item.secret is None:
            return "no webhook secret: the owner sets one with POST /api/webhook-secret"
        try:
            url = check_base_url(item.url, self._allowed, param="webhook_url", resolve=False)
            host = urlsplit(url).hostname or ""
            await anyio.to_thread.run_sync(resolve_and_check, host, self._allowed)
        except Exception as exc:  # refused by the policy, or the name does not resolve
            return f"webhook_url refused: {exc}"[:500]
        try:
            secret = self._box.decrypt(item.secret)
        except Exception:
            return "the webhook secret cannot be read with this server's secret key"
        headers = {"content-type": "application/json", SIGNATURE_HEADER: sign(secret, item.body)}
        import httpx

        try:
            response = await self._http().post(item.url, content=item.body, headers=headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"[:500]
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}"

    def _finish(self, item: _Due, error: str | None) -> None:
        with self._sessions() as session:
            values: dict[str, Any] = {"last_error": error}
            if error is None:
                values |= {"delivered_at": datetime.now(UTC), "next_attempt_at": None}
            session.execute(
                update(BudgetAlertRow)
                .where(BudgetAlertRow.id == item.alert_id, BudgetAlertRow.attempts == item.attempts)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            session.commit()

    def _http(self) -> httpx.AsyncClient:
        import httpx

        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self._timeout, follow_redirects=False, trust_env=False
            )
        return self._client


def _webhooks(session: Session, budget_ids: set[str]) -> dict[str, str | None]:
    """The existing budgets among ``budget_ids`` and their webhook URL (None: none)."""
    return dict(
        session.execute(
            select(BudgetRow.id, BudgetRow.webhook_url).where(BudgetRow.id.in_(budget_ids))
        ).all()
    )


def _insert_once(session: Session, crossing: _Crossing, now: datetime, has_webhook: bool) -> None:
    """Insert the crossing's row unless one exists (another replica's, or an earlier report)."""
    values = {
        "id": new_id("bal"),
        "workspace_id": crossing.workspace_id,
        "budget_id": crossing.budget_id,
        "period_start": crossing.period_start.astimezone(UTC),
        # One text per value ("0.8" and "0.80" are one threshold), so uniqueness holds.
        "threshold": Decimal(money_text(crossing.threshold)),
        "spent_usd": crossing.spent_usd,
        "created_at": now,
        "attempts": 0,
        "next_attempt_at": now if has_webhook else None,
    }
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(postgresql.insert(BudgetAlertRow).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite.insert(BudgetAlertRow).values(values).on_conflict_do_nothing())
    else:  # pragma: no cover - the two supported backends are above
        try:
            with session.begin_nested():
                session.add(BudgetAlertRow(**values))
        except IntegrityError:
            pass


def _body(alert: BudgetAlertRow, budget: BudgetRow) -> bytes:
    payload = {
        "event": EVENT,
        "alert_id": alert.id,
        "budget_id": budget.id,
        "threshold": money_text(alert.threshold),
        "spent_usd": money_text(alert.spent_usd),
        "amount_usd": money_text(budget.amount_usd),
        "scope": budget.scope,
        "scope_id": budget.scope_id,
        "period_start": alert.period_start.astimezone(UTC).isoformat(),
    }
    return json.dumps(payload, separators=(",", ":")).encode("utf-8")
