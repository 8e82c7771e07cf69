"""The mission service on a real PostgreSQL: a fresh, migrated database per test, the
real app built by bootstrap (HTTP role only: no relay, no consumer) and an in-process
HTTP client. Events are checked where they are written: the outbox table."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from questline.devstack.testing import ServiceUnderTest, outbox_rows
from questline.mission import bootstrap
from questline.mission.settings import MissionSettings


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
        return await outbox_rows(self.engine)


@pytest.fixture
def db(engine: AsyncEngine) -> Database:
    return Database(engine)


@pytest.fixture
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest("mission", bootstrap.build, MissionSettings, bootstrap.MIGRATIONS)
