"""The reward service on a real PostgreSQL: a fresh, migrated database per test, the real
app built by bootstrap (HTTP role only) and an in-process HTTP client. Rewards are
issued by events, so tests drive the use cases through the SQL unit of work (asyncpg, as
the service runs them) and inspect the tables apart from it."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from questline.devstack.testing import ServiceUnderTest, outbox_rows
from questline.reward import bootstrap
from questline.reward.adapters.outbound.uow import SqlRewardUnitOfWork
from questline.reward.settings import RewardSettings
from questline.service_kit.db import Database
from questline.service_kit.outbox import OutboxWriter

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
OUTBOX = OutboxWriter("/test")


class Tables:
    """The reward tables as a test inspects them (SQLAlchemy, apart from the adapters)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def rewards(self) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(text("SELECT * FROM rewards ORDER BY issued_at, id"))
            return [dict(r._mapping) for r in rows]

    async def outbox(self) -> list[dict[str, Any]]:
        return await outbox_rows(self.engine)


@pytest.fixture
def db(engine: AsyncEngine) -> Tables:
    return Tables(engine)


@pytest.fixture
def owned_uow(database: Database) -> Callable[[], SqlRewardUnitOfWork]:
    """A unit of work that opens and commits its own transaction, as a command does."""
    return lambda: SqlRewardUnitOfWork(outbox=OUTBOX, database=database)


@pytest.fixture
def clock() -> Callable[[], datetime]:
    return lambda: NOW


@pytest.fixture
def new_id() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"rw-{next(counter)}"


@pytest.fixture
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest("reward", bootstrap.build, RewardSettings, bootstrap.MIGRATIONS)
