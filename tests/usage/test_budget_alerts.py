"""``usage.budget_alerts``: a crossing is recorded once and posted, signed, to a real HTTP
server in the test; failures are retried with backoff; two instances on one database post once."""

from __future__ import annotations

import asyncio
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from modelyard.security import SecretBox
from modelyard.storage.engine import make_session_factory
from modelyard.storage.tables import BudgetAlertRow, WorkspaceRow
from modelyard.usage.budget_alerts import SIGNATURE_HEADER, BudgetAlerts, sign
from modelyard.usage.budget_periods import period_bounds
from modelyard.workspace import budget_webhooks, budgets
from modelyard.workspace.actor import Actor
from modelyard.workspace.bootstrap import create_workspace
from modelyard.workspace.budget_schemas import BudgetCreate
from tests.support import RunningServer, Workspace, migrated_engine, ok

ALLOWED = ["127.0.0.1", "localhost"]
NOW = datetime(2026, 3, 18, 12, tzinfo=UTC)


@dataclass
class Receiver:
    """A webhook receiver on loopback that answers ``statuses`` in turn (then 200)."""

    statuses: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    def handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), made.handler())
    made.url = f"http://127.0.0.1:{httpd.server_address[1]}/hooks/budget"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield made
    finally:
        httpd.shutdown()
        httpd.server_close()


def _until(done: Callable[[], bool], alerts: list[BudgetAlerts]) -> None:
    """Run rounds of the alert services until ``done`` (at most 10 s: a hang fails the test)."""

    async def rounds() -> None:
        deadline = time.monotonic() + 10
        while not done():
            assert time.monotonic() < deadline, "the alert was not delivered in time"
            await asyncio.gather(*(a.run_once() for a in alerts))
            await asyncio.sleep(0.01)

    asyncio.run(rounds())


def _verified(secret: str, receiver: Receiver) -> list[dict[str, Any]]:
    """The bodies received, each after checking its signature."""
    bodies = []
    for headers, body in receiver.received:
        assert headers["content-type"] == "application/json"
        assert hmac.compare_digest(headers[SIGNATURE_HEADER], sign(secret, body))
        bodies.append(json.loads(body))
    return bodies


def test_a_crossing_is_posted_signed_with_the_owners_secret(
    ws: Workspace, receiver: Receiver
) -> None:
    with ws.owner() as api:
        secret = ok(api.post("/api/webhook-secret"), 201)["secret"]
        budget = ok(
            api.post(
                "/api/budgets",
                json={
                    "scope": "workspace",
                    "amount_usd": "10",
                    "period": "month",
                    "webhook_url": receiver.url,
                },
            ),
            201,
        )
    services = ws.server.services
    alerts = BudgetAlerts(
        services.sessions, services.secret_box, services.settings.allowed_upstream_hosts
    )
    start = datetime.fromisoformat(budget["period_start"])
    alerts.crossed(ws.id, budget["id"], Decimal("0.8"), Decimal("8.0000042"), start)
    _until(lambda: len(receiver.received) >= 1, [alerts])
    assert _verified(secret, receiver) == [
        {
            "event": "budget.threshold",
            "alert_id": receiver_alert_id(ws),
            "budget_id": budget["id"],
            "threshold": "0.8",
            "spent_usd": "8.0000042",
            "amount_usd": "10",
            "scope": "workspace",
            "scope_id": None,
            "period_start": start.isoformat(),
        }
    ]
    assert secret.encode() not in receiver.received[0][1]
    with ws.owner() as api:
        shown = ok(api.get("/api/budgets/alerts"))
    assert len(shown) == 1
    assert shown[0]["state"] == "delivered" and shown[0]["attempts"] == 1
    assert shown[0]["budget_id"] == budget["id"] and shown[0]["threshold"] == "0.8"
    assert shown[0]["last_error"] is None and shown[0]["delivered_at"] is not None


def receiver_alert_id(ws: Workspace) -> str:
    with ws.server.services.session() as session:
        return str(
            session.scalar(select(BudgetAlertRow.id).where(BudgetAlertRow.workspace_id == ws.id))
        )


# --- on a database of their own: no other process's alert service takes the rows ----------


@dataclass
class Setup:
    sessions: sessionmaker[Session]
    box: SecretBox
    owner: Actor
    secret: str

    def budget(self, webhook_url: str | None) -> str:
        with self.sessions() as session:
            made = budgets.create_budget(
                session,
                self.owner,
                ALLOWED,
                BudgetCreate(
                    scope="workspace", amount_usd=Decimal(5), period="day", webhook_url=webhook_url
                ),
            )
        return made.id

    def alerts(self, **options: Any) -> BudgetAlerts:
        return BudgetAlerts(self.sessions, self.box, options.pop("allowed", ALLOWED), **options)

    def rows(self) -> list[BudgetAlertRow]:
        with self.sessions() as session:
            return list(session.scalars(select(BudgetAlertRow)))


@pytest.fixture
def own_db(server: RunningServer, tmp_path: Path) -> Iterator[Setup]:
    with migrated_engine(server.backend, tmp_path) as engine:
        sessions = make_session_factory(engine)
        with sessions() as session:
            made = create_workspace(session, "Alerts", "owner@example.com", None, web_login=False)
        owner = Actor(made.owner_id, made.workspace_id, "owner", "owner@example.com")
        box = SecretBox([SecretBox.generate_key()])
        with sessions() as session:
            secret = budget_webhooks.new_webhook_secret(session, owner, box).secret
        yield Setup(sessions, box, owner, secret)


def _start(period: str = "day") -> datetime:
    return period_bounds(period, "UTC", NOW)[0]


def test_a_failing_receiver_gets_it_on_the_third_attempt(own_db: Setup, receiver: Receiver) -> None:
    receiver.statuses = [500, 503]
    budget_id = own_db.budget(receiver.url)
    alerts = own_db.alerts(base_delay=0.01)
    alerts.crossed(own_db.owner.workspace_id, budget_id, Decimal(1), Decimal(5), _start())

    async def background() -> None:  # the service's own task, as the app runs it
        alerts_bg = own_db.alerts(base_delay=0.01, poll_interval=0.01)
        alerts_bg.crossed(own_db.owner.workspace_id, budget_id, Decimal(1), Decimal(5), _start())
        await alerts_bg.start()
        deadline = time.monotonic() + 10
        while len(receiver.received) < 3 or own_db.rows()[0].delivered_at is None:
            assert time.monotonic() < deadline, receiver.received
            await asyncio.sleep(0.01)
        await alerts_bg.aclose()

    asyncio.run(background())
    bodies = _verified(own_db.secret, receiver)
    assert len(bodies) == 3 and bodies[0] == bodies[1] == bodies[2]
    [row] = own_db.rows()
    assert row.attempts == 3 and row.delivered_at is not None
    assert row.next_attempt_at is None and row.last_error is None
    # The first instance's report of the same crossing is the same row: nothing more is sent.
    asyncio.run(alerts.run_once())
    assert len(receiver.received) == 3 and len(own_db.rows()) == 1


def test_two_instances_reporting_one_crossing_post_it_once(
    own_db: Setup, receiver: Receiver
) -> None:
    budget_id = own_db.budget(receiver.url)
    first, second = own_db.alerts(), own_db.alerts()
    ws_id = own_db.owner.workspace_id
    first.crossed(ws_id, budget_id, Decimal("0.8"), Decimal(4), _start())
    first.crossed(ws_id, budget_id, Decimal("0.8"), Decimal("4.1"), _start())
    second.crossed(ws_id, budget_id, Decimal("0.80"), Decimal("4.2"), _start())

    async def together() -> None:
        await asyncio.gather(first.run_once(), second.run_once())
        await asyncio.gather(first.run_once(), second.run_once())

    asyncio.run(together())
    assert len(own_db.rows()) == 1
    assert len(receiver.received) == 1
    # Another threshold, or the next period, is a crossing of its own.
    second.crossed(ws_id, budget_id, Decimal(1), Decimal(5), _start())
    tomorrow = period_bounds("day", "UTC", NOW)[1]
    assert tomorrow is not None
    first.crossed(ws_id, budget_id, Decimal("0.8"), Decimal(4), tomorrow)
    _until(lambda: len(receiver.received) >= 3, [first, second])
    assert len(own_db.rows()) == 3 and len(receiver.received) == 3


def test_gives_up_after_max_attempts(own_db: Setup, receiver: Receiver) -> None:
    receiver.statuses = [500] * 10
    budget_id = own_db.budget(receiver.url)
    alerts = own_db.alerts(base_delay=0.01, max_attempts=3)
    alerts.crossed(own_db.owner.workspace_id, budget_id, Decimal(1), Decimal(5), _start())
    _until(lambda: len(receiver.received) >= 3, [alerts])
    asyncio.run(alerts.run_once())
    [row] = own_db.rows()
    assert (row.attempts, row.next_attempt_at, row.delivered_at) == (3, None, None)
    assert row.last_error == "HTTP 500" and len(receiver.received) == 3
    with own_db.sessions() as session:
        [shown] = budget_webhooks.list_alerts(session, own_db.owner)
    assert shown.state == "failed"


def test_a_budget_without_webhook_records_and_posts_nothing(
    own_db: Setup, receiver: Receiver
) -> None:
    budget_id = own_db.budget(None)
    alerts = own_db.alerts()
    alerts.crossed(own_db.owner.workspace_id, budget_id, Decimal(1), Decimal(5), _start())
    asyncio.run(alerts.run_once())
    [row] = own_db.rows()
    assert row.next_attempt_at is None and row.attempts == 0
    with own_db.sessions() as session:
        [shown] = budget_webhooks.list_alerts(session, own_db.owner)
    assert shown.state == "no_webhook" and receiver.received == []


def test_the_host_policy_is_checked_again_when_sending(own_db: Setup, receiver: Receiver) -> None:
    budget_id = own_db.budget(receiver.url)  # allowed when saved
    alerts = own_db.alerts(allowed=[])  # not any more
    alerts.crossed(own_db.owner.workspace_id, budget_id, Decimal(1), Decimal(5), _start())
    asyncio.run(alerts.run_once())
    [row] = own_db.rows()
    assert receiver.received == []
    assert row.last_error is not None and "refused" in row.last_error
    assert row.next_attempt_at is not None and row.attempts == 1  # retried later


def test_nothing_goes_out_unsigned(own_db: Setup, receiver: Receiver) -> None:
    budget_id = own_db.budget(receiver.url)
    with own_db.sessions() as session:
        session.get_one(WorkspaceRow, own_db.owner.workspace_id).webhook_secret = None
        session.commit()
    alerts = own_db.alerts()
    alerts.crossed(own_db.owner.workspace_id, budget_id, Decimal(1), Decimal(5), _start())
    asyncio.run(alerts.run_once())
    [row] = own_db.rows()
    assert receiver.received == []
    assert row.last_error is not None and "webhook-secret" in row.last_error


def test_a_deleted_budget_is_not_recorded(own_db: Setup) -> None:
    budget_id = own_db.budget(None)
    with own_db.sessions() as session:
        budgets.delete_budget(session, own_db.owner, budget_id)
    alerts = own_db.alerts()
    alerts.crossed(own_db.owner.workspace_id, budget_id, Decimal(1), Decimal(5), _start())
    asyncio.run(alerts.run_once())
    assert own_db.rows() == []


def test_crossed_does_no_io(own_db: Setup) -> None:
    """The hot path's call only queues: with the database gone, it still returns."""
    alerts = BudgetAlerts(_no_database, own_db.box, ALLOWED)
    alerts.crossed("ws", "bud", Decimal(1), Decimal(1), _start())
    with pytest.raises(RuntimeError):
        alerts.record_crossings()
    # Kept for the next round after the failure.
    alerts._sessions = own_db.sessions
    assert alerts.record_crossings() == 1


def _no_database() -> Session:
    raise RuntimeError("no database")


def test_admins_read_alerts_by_budget_and_deleting_a_budget_removes_them(ws: Workspace) -> None:
    with ws.owner() as api:
        made = [
            ok(
                api.post(
                    "/api/budgets",
                    json={"scope": "workspace", "amount_usd": "3", "period": "week"},
                ),
                201,
            )
            for _ in range(2)
        ]
    services = ws.server.services
    alerts = BudgetAlerts(
        services.sessions, services.secret_box, services.settings.allowed_upstream_hosts
    )
    for budget in made:
        start = datetime.fromisoformat(budget["period_start"])
        for threshold in ("0.5", "1"):
            alerts.crossed(ws.id, budget["id"], Decimal(threshold), Decimal(3), start)
    assert alerts.record_crossings() == 4
    first, second = made
    with ws.owner() as api:
        assert len(ok(api.get("/api/budgets/alerts"))) == 4
        assert len(ok(api.get("/api/budgets/alerts", params={"limit": 1}))) == 1
        listed = ok(api.get("/api/budgets/alerts", params={"budget_id": first["id"]}))
        assert {a["budget_id"] for a in listed} == {first["id"]}
        assert {a["threshold"] for a in listed} == {"0.5", "1"}
        assert {a["state"] for a in listed} == {"no_webhook"}
        ok(api.delete(f"/api/budgets/{first['id']}"))
        left = ok(api.get("/api/budgets/alerts"))
    assert {a["budget_id"] for a in left} == {second["id"]} and len(left) == 2
