"""The mission service on a real PostgreSQL: a fresh, migrated database per test, the
real app built by bootstrap (HTTP role only: no relay, no consumer) and an in-process
HTTP client. Events are checked where they are written: the outbox table."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from questline.mission import bootstrap
from questline.mission.settings import MissionSettings
from questline.service_kit.migrations import upgrade
from questline.service_kit.runtime import Service


class Database:
    """What a test asks of the mission database, in its words."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()

    async def achievements(self) -> int:
        return int(await self.scalar("SELECT count(*) FROM achievements"))

    async def outbox(self) -> list[dict[str, Any]]:
        """Every event row: its CloudEvents type, key, correlation id and data."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(text("SELECT key, headers, payload FROM outbox ORDER BY id"))
            return [
                {
                    "type": r.headers["ce_type"],
                    "key": r.key,
                    "correlationid": r.headers["ce_correlationid"],
                    "data": json.loads(r.payload),
                }
                for r in rows
            ]


@pytest.fixture
async def database_url(infra: Any) -> str:
    url: str = await asyncio.to_thread(infra.new_database, "mission")
    await asyncio.to_thread(upgrade, bootstrap.MIGRATIONS, url)  # runs its own event loop
    return url


@pytest.fixture
async def service(infra: Any, database_url: str) -> AsyncIterator[Service]:
    settings = MissionSettings(database_url=database_url, kafka_bootstrap_servers=infra.bootstrap)
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
    engine = create_async_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def db(engine: AsyncEngine) -> Database:
    return Database(engine)
