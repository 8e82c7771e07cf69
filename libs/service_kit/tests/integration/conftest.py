"""A fresh database with the outbox and inbox tables, and unique topics, per test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Column, MetaData, String, Table
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from questline.devstack.kafka import create_topics
from questline.service_kit.db import Database
from questline.service_kit.migrations import create_outbox_and_inbox, inbox_table

# What the test "service" does with an event: remember its id (one row per effect).
effects = Table(
    "effects",
    MetaData(),
    Column("n", String(80), primary_key=True),
    Column("event_id", String(64), nullable=False),
)
inbox = inbox_table(MetaData())


@pytest.fixture
async def database_url(infra) -> str:
    return infra.new_database("kit")


@pytest.fixture
async def engine(database_url) -> AsyncIterator[AsyncEngine]:
    """SQLAlchemy, to arrange and inspect the tables."""
    engine = create_async_engine(database_url, pool_size=5)
    async with engine.begin() as conn:
        await conn.run_sync(create_outbox_and_inbox)
        await conn.run_sync(effects.create)
    yield engine
    await engine.dispose()


@pytest.fixture
async def database(engine, database_url) -> AsyncIterator[Database]:
    """The same database as the kit uses it (asyncpg), once the tables exist."""
    db = Database(database_url, pool_size=5)
    yield db
    await db.close()


@pytest.fixture
def topic(infra) -> str:
    name = f"it.{uuid.uuid4().hex[:12]}"
    create_topics(infra.bootstrap, [name, f"{name}.dlq"], partitions=3)
    return name
