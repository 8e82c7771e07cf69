"""A real PostgreSQL (the test session's, see questline.devstack.testing) with gift's
migrations applied, and the gift HTTP app in process. No Kafka: the outbox rows are
checked instead."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from questline.gift import bootstrap
from questline.gift.settings import GiftSettings
from questline.service_kit.migrations import upgrade

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def database_url(infra) -> str:  # type: ignore[no-untyped-def]
    url = infra.new_database("gift")
    upgrade(bootstrap.MIGRATIONS, url)
    return url


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
