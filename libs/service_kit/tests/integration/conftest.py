"""A fresh database with the outbox and inbox tables, and unique topics, per test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from questline.devstack.kafka import create_topics
from questline.service_kit.db import create_engine
from questline.service_kit.migrations import create_outbox_and_inbox

# What the test "service" does with an event: remember its id (one row per effect).
EFFECTS_DDL = "CREATE TABLE effects (n varchar(80) PRIMARY KEY, event_id varchar(64) NOT NULL)"


@pytest.fixture
async def engine(infra) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(infra.new_database("kit"), pool_size=5)
    async with engine.begin() as conn:
        await conn.run_sync(create_outbox_and_inbox)
        await conn.execute(text(EFFECTS_DDL))
    yield engine
    await engine.dispose()


@pytest.fixture
def topic(infra) -> str:
    name = f"it.{uuid.uuid4().hex[:12]}"
    create_topics(infra.bootstrap, [name, f"{name}.dlq"], partitions=3)
    return name
