"""A real PostgreSQL (the test session's, see questline.devstack.testing) with gift's
migrations applied, and the gift HTTP app in process. No Kafka: the outbox rows are
checked instead."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from questline.devstack.testing import ISSUER
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


@asynccontextmanager
async def gift_app(
    database_url: str, db_pool_size: int, raise_app_exceptions: bool = True
) -> AsyncIterator[httpx.AsyncClient]:
    settings = GiftSettings(
        database_url=database_url, db_pool_size=db_pool_size, auth_jwks=ISSUER.jwks_json
    )
    service = await bootstrap.build(settings, set())
    transport = httpx.ASGITransport(app=service.app, raise_app_exceptions=raise_app_exceptions)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://gift", headers=ISSUER.headers()
    ) as http:
        yield http
    assert service.close is not None
    await service.close()


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with gift_app(database_url, db_pool_size=10) as http:
        yield http


@pytest.fixture
async def crowded_client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """Room for 25 transactions at once: requests for different gifts (or the catalogue
    commands) each hold their own, only the database makes them queue."""
    async with gift_app(database_url, db_pool_size=25) as http:
        yield http


@pytest.fixture
async def server_client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """Answers as the server does: an error the app handles as a last resort comes back
    as its problem response instead of being raised into the test."""
    async with gift_app(database_url, db_pool_size=10, raise_app_exceptions=False) as http:
        yield http
