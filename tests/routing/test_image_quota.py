"""The image quota in the real database (SQLite and PostgreSQL), under real concurrency."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import anyio
import pytest
from sqlalchemy import select

from modelyard.errors import BadRequest, RateLimited
from modelyard.routing.image_quota import ImageQuota
from modelyard.storage.tables import ImageQuotaRow
from tests.support import RunningServer

pytestmark = pytest.mark.anyio

DAY = 24


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def ids() -> tuple[str, str, str]:
    """A fresh (workspace, model, user): quota rows are keyed by ids, not foreign keys."""
    token = secrets.token_hex(8)
    return f"ws_{token}", f"mdl_{token}", f"usr_{token}"


def counted(server: RunningServer, model_id: str, user_id: str) -> tuple[datetime, int] | None:
    with server.services.session() as session:
        row = session.scalar(
            select(ImageQuotaRow).where(
                ImageQuotaRow.model_id == model_id, ImageQuotaRow.user_id == user_id
            )
        )
        return None if row is None else (row.window_start, row.count)


async def test_twenty_concurrent_takes_with_limit_five_admit_exactly_five(
    server: RunningServer, ids: tuple[str, str, str]
) -> None:
    quota = ImageQuota(server.services.sessions)
    outcomes: list[bool] = []

    async def take() -> None:
        try:
            await quota.take(*ids, n=1, limit=5, window_hours=DAY)
            outcomes.append(True)
        except RateLimited:
            outcomes.append(False)

    async with anyio.create_task_group() as group:
        for _ in range(20):
            group.start_soon(take)

    assert outcomes.count(True) == 5 and outcomes.count(False) == 15
    row = counted(server, ids[1], ids[2])
    assert row is not None and row[1] == 5


async def test_a_full_window_says_when_it_resets(
    server: RunningServer, ids: tuple[str, str, str]
) -> None:
    clock = Clock()
    quota = ImageQuota(server.services.sessions, clock=clock)
    await quota.take(*ids, n=3, limit=5, window_hours=DAY)
    clock.now += timedelta(hours=23, minutes=20)
    await quota.take(*ids, n=2, limit=5, window_hours=DAY)

    restarted = ImageQuota(server.services.sessions, clock=clock)  # or another replica
    with pytest.raises(RateLimited) as refused:
        await restarted.take(*ids, n=1, limit=5, window_hours=DAY)
    assert refused.value.retry_after == 40 * 60
    assert refused.value.code == "image_quota_exceeded"
    assert refused.value.message == (
        "You have reached this model's limit of 5 images per 24 hours; "
        "the window resets at 2030-01-02T12:00:00Z (in 40 min)."
    )


async def test_a_new_window_opens_with_the_first_image_after_the_last_one_ended(
    server: RunningServer, ids: tuple[str, str, str]
) -> None:
    clock = Clock()
    quota = ImageQuota(server.services.sessions, clock=clock)
    await quota.take(*ids, n=5, limit=5, window_hours=2)
    clock.now += timedelta(hours=5)  # the window ended three hours ago: the next one starts now
    await quota.take(*ids, n=4, limit=5, window_hours=2)
    assert counted(server, ids[1], ids[2]) == (clock.now, 4)

    clock.now += timedelta(minutes=30)
    with pytest.raises(RateLimited) as refused:
        await quota.take(*ids, n=2, limit=5, window_hours=2)
    assert refused.value.retry_after == 90 * 60
    assert "(in 1 h 30 min)" in refused.value.message
    await quota.take(*ids, n=1, limit=5, window_hours=2)


async def test_give_back_returns_images_of_a_failed_call(
    server: RunningServer, ids: tuple[str, str, str]
) -> None:
    quota = ImageQuota(server.services.sessions)
    await quota.take(*ids, n=5, limit=5, window_hours=DAY)
    await quota.give_back(*ids, n=2)
    await quota.take(*ids, n=2, limit=5, window_hours=DAY)
    with pytest.raises(RateLimited):
        await quota.take(*ids, n=1, limit=5, window_hours=DAY)

    await quota.give_back(*ids, n=50)  # never below zero
    row = counted(server, ids[1], ids[2])
    assert row is not None and row[1] == 0


async def test_quotas_are_per_user_and_per_model(
    server: RunningServer, ids: tuple[str, str, str]
) -> None:
    workspace_id, model_id, user_id = ids
    quota = ImageQuota(server.services.sessions)
    await quota.take(workspace_id, model_id, user_id, n=2, limit=2, window_hours=DAY)
    await quota.take(workspace_id, model_id, "usr_other" + user_id, n=2, limit=2, window_hours=DAY)
    await quota.take(workspace_id, "mdl_other" + model_id, user_id, n=2, limit=2, window_hours=DAY)
    with pytest.raises(RateLimited):
        await quota.take(workspace_id, model_id, user_id, n=1, limit=2, window_hours=DAY)


async def test_asking_for_more_than_the_limit_in_one_call_is_a_bad_request(
    server: RunningServer, ids: tuple[str, str, str]
) -> None:
    quota = ImageQuota(server.services.sessions)
    with pytest.raises(BadRequest) as refused:
        await quota.take(*ids, n=6, limit=5, window_hours=DAY)
    assert refused.value.param == "n"
    assert counted(server, ids[1], ids[2]) is None
