"""A real PostgreSQL (the devstack's embedded one) with gift's migrations applied, and
the gift HTTP app in process. No Kafka: the outbox rows are checked instead.

Skipped, not failed, where the embedded server cannot run (no pgserver binaries)."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from questline.gift import bootstrap
from questline.gift.settings import GiftSettings
from questline.service_kit.migrations import upgrade

DATABASE = "gift_it"


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    try:
        from questline.devstack.postgres import EmbeddedPostgres, PostgresError
    except ImportError as error:
        pytest.skip(f"devstack postgres not importable: {error}")
    # A short path of our own: the socket lives in the data dir (108-byte limit).
    with tempfile.TemporaryDirectory(prefix="ql-gift-") as tmp:
        server = EmbeddedPostgres(Path(tmp) / "pg")
        try:
            server.start()
        except PostgresError as error:
            pytest.skip(f"embedded postgres unavailable: {error}")
        try:
            url = server.ensure_database(DATABASE, DATABASE, "gift-it-secret")
            upgrade(bootstrap.MIGRATIONS, url)
            yield url
        finally:
            server.stop()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = GiftSettings(database_url=database_url)
    service = await bootstrap.build(settings, set())
    transport = httpx.ASGITransport(app=service.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gift") as http:
        yield http
    assert service.close is not None
    await service.close()
