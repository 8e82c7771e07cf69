"""A fresh database of one service, migrated to head, and a connection to it."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest

from questline.devstack.testing import Infra
from questline.service_kit.db import asyncpg_dsn
from questline.service_kit.migrations import upgrade

Migrated = Callable[[str], Awaitable[asyncpg.Connection]]


@pytest.fixture
async def migrated(infra: Infra) -> AsyncIterator[Migrated]:
    """`await migrated("mission")`: a connection to a new mission database at head
    (closed after the test)."""
    opened: list[asyncpg.Connection] = []

    async def connect(service: str) -> asyncpg.Connection:
        bootstrap = importlib.import_module(f"questline.{service}.bootstrap")
        url = infra.new_database(service)
        await asyncio.to_thread(upgrade, bootstrap.MIGRATIONS, url)
        opened.append(await asyncpg.connect(asyncpg_dsn(url)))
        return opened[-1]

    yield connect
    for conn in opened:
        await conn.close()
