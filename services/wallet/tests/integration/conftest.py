"""The wallet service on a real PostgreSQL: a fresh, migrated database per test, the real
app built by bootstrap (HTTP role only) and an in-process HTTP client. Deposits come
from events, so tests drive the use cases through the SQL unit of work (asyncpg, as the
service runs them) and inspect the tables apart from it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from questline.devstack.testing import ServiceUnderTest, outbox_rows
from questline.service_kit.db import Connection, Database
from questline.service_kit.outbox import OutboxWriter
from questline.wallet import bootstrap
from questline.wallet.adapters.outbound.uow import SqlWalletUnitOfWork
from questline.wallet.settings import WalletSettings

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
OUTBOX = OutboxWriter("/test")


class Tables:
    """The wallet tables as a test inspects them (SQLAlchemy, apart from the adapters)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def entries(self) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(text("SELECT * FROM wallet_rewards ORDER BY reward_id"))
            return [dict(r._mapping) for r in rows]

    async def outbox(self) -> list[dict[str, Any]]:
        return await outbox_rows(self.engine)


@pytest.fixture
def db(engine: AsyncEngine) -> Tables:
    return Tables(engine)


@pytest.fixture
def owned_uow(database: Database) -> Callable[[], SqlWalletUnitOfWork]:
    """A unit of work that opens and commits its own transaction, as a command does."""
    return lambda: SqlWalletUnitOfWork(outbox=OUTBOX, database=database)


@pytest.fixture
def uow_on() -> Callable[[Connection, str], SqlWalletUnitOfWork]:
    """A unit of work bound to a consumer batch's transaction."""
    return lambda conn, cause: SqlWalletUnitOfWork(
        outbox=OUTBOX, connection=conn, causation_id=cause
    )


@pytest.fixture
def clock() -> Callable[[], datetime]:
    return lambda: NOW


@pytest.fixture
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest("wallet", bootstrap.build, WalletSettings, bootstrap.MIGRATIONS)
