"""The reward service on a real PostgreSQL: a fresh, migrated database per test, the real
app built by bootstrap (HTTP role only) and an in-process HTTP client. Rewards are
issued by events, so tests drive the use cases through the SQL unit of work."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from questline.reward import bootstrap
from questline.reward.adapters.outbound import tables
from questline.reward.adapters.outbound.uow import SqlRewardUnitOfWork
from questline.reward.settings import RewardSettings
from questline.service_kit.migrations import upgrade
from questline.service_kit.outbox import OutboxWriter
from questline.service_kit.runtime import Service

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
OUTBOX = OutboxWriter(tables.outbox, "/test")


class Database:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def rewards(self) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(text("SELECT * FROM rewards ORDER BY issued_at, id"))
            return [dict(r._mapping) for r in rows]

    async def outbox(self) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(text("SELECT key, headers, payload FROM outbox ORDER BY id"))
            return [
                {
                    "type": r.headers["ce_type"],
                    "key": r.key,
                    "correlationid": r.headers["ce_correlationid"],
                    "causationid": r.headers.get("ce_causationid"),
                    "data": json.loads(r.payload),
                }
                for r in rows
            ]


@pytest.fixture
async def database_url(infra: Any) -> str:
    url: str = await asyncio.to_thread(infra.new_database, "reward")
    await asyncio.to_thread(upgrade, bootstrap.MIGRATIONS, url)  # runs its own event loop
    return url


@pytest.fixture
async def service(infra: Any, database_url: str) -> AsyncIterator[Service]:
    settings = RewardSettings(database_url=database_url, kafka_bootstrap_servers=infra.bootstrap)
    service = await bootstrap.build(settings, {"http"})
    yield service
    assert service.close is not None
    await service.close()


@pytest.fixture
async def client(service: Service) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=service.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_url, pool_size=10, max_overflow=10)
    yield engine
    await engine.dispose()


@pytest.fixture
def db(engine: AsyncEngine) -> Database:
    return Database(engine)


@pytest.fixture
def owned_uow(engine: AsyncEngine) -> Callable[[], SqlRewardUnitOfWork]:
    """A unit of work that opens and commits its own transaction, as a command does."""
    return lambda: SqlRewardUnitOfWork(outbox=OUTBOX, engine=engine)


@pytest.fixture
def clock() -> Callable[[], datetime]:
    return lambda: NOW


@pytest.fixture
def new_id() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"rw-{next(counter)}"
