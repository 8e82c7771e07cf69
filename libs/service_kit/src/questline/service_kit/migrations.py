"""Alembic, driven from code: each service keeps its own versions folder and a two-line
env.py that calls `run_env()`; concurrent migrators queue on an advisory lock."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

_MIGRATION_LOCK = 7_270_700  # any constant; one per database is enough


def upgrade(script_location: Path, database_url: str, revision: str = "head") -> None:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(config, revision)


def run_env() -> None:
    """Body of every service's migrations/env.py (online mode only)."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not set"

    def migrate(connection: Connection) -> None:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()

    async def go() -> None:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK})
                await conn.commit()
                await conn.run_sync(migrate)
                await conn.commit()
        finally:
            await engine.dispose()

    asyncio.run(go())


def outbox_table(metadata: MetaData) -> Table:
    return Table(
        "outbox",
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("key", String(200), nullable=False),
        Column("headers", JSONB, nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True)),
        # The relay scans only unsent rows; the partial index keeps that scan tiny.
        Index("ix_outbox_unsent", "id", postgresql_where=text("published_at IS NULL")),
    )


def inbox_table(metadata: MetaData) -> Table:
    return Table(
        "inbox",
        metadata,
        Column("event_id", String(64), primary_key=True),
        Column("event_type", String(200), nullable=False),
        Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


def index_inbox_by_arrival(connection: Connection) -> None:
    """The inbox's purge finds old rows by a BRIN index on arrival time: rows arrive in
    time order, so it is a few pages whatever the table holds and costs nothing per
    insert (without it each purge read the whole inbox: weeks of event ids)."""
    connection.execute(
        text("CREATE INDEX IF NOT EXISTS ix_inbox_received_at ON inbox USING brin (received_at)")
    )


def create_outbox_and_inbox(connection: Connection) -> None:
    """For a service's first migration: the shared tables, defined once in service_kit."""
    metadata = MetaData()
    outbox_table(metadata)
    inbox_table(metadata)
    metadata.create_all(connection)
    # Without statistics the planner may sort the whole backlog on every relay poll.
    connection.execute(text("ANALYZE outbox"))
