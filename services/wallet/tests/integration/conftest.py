"""The wallet service on a real PostgreSQL: a fresh, migrated database per test, the real
app built by bootstrap (HTTP role only) and an in-process HTTP client. Deposits come
from events, so tests drive the use case through the SQL unit of work."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from questline.devstack.testing import ServiceUnderTest, outbox_rows
from questline.service_kit.outbox import OutboxWriter
from questline.wallet import bootstrap
from questline.wallet.adapters.outbound import tables
from questline.wallet.adapters.outbound.uow import SqlWalletUnitOfWork
from questline.wallet.settings import WalletSettings

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
OUTBOX = OutboxWriter(tables.outbox, "/test")


class Database:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def entries(self) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(text("SELECT * FROM wallet_rewards ORDER BY reward_id"))
            return [dict(r._mapping) for r in rows]

    async def outbox(self) -> list[dict[str, Any]]:
        return await outbox_rows(self.engine)


@pytest.fixture
def db(engine: AsyncEngine) -> Database:
    return Database(engine)


@pytest.fixture
def owned_uow(engine: AsyncEngine) -> Callable[[], SqlWalletUnitOfWork]:
    """A unit of work that opens and commits its own transaction."""
    return lambda: SqlWalletUnitOfWork(outbox=OUTBOX, engine=engine)


@pytest.fixture
def clock() -> Callable[[], datetime]:
    return lambda: NOW


@pytest.fixture
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest("wallet", bootstrap.build, WalletSettings, bootstrap.MIGRATIONS)
