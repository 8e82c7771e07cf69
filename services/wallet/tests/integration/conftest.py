"""The wallet service on a real PostgreSQL: a fresh, migrated database per test, the real
app built by bootstrap (HTTP role only) and an in-process HTTP client. Deposits come
from events, so tests drive the use cases through the SQL unit of work (asyncpg, as the
service runs them) and inspect the tables apart from it. Where an exchange must go
through, gift is a stub served over real HTTP (wallet's own client calls it)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from questline.devstack.testing import ISSUER, Infra, ServiceUnderTest, outbox_rows
from questline.service_kit.db import Connection, Database
from questline.service_kit.outbox import OutboxWriter
from questline.service_kit.runtime import Service
from questline.wallet import bootstrap
from questline.wallet.adapters.outbound.uow import SqlWalletReads, SqlWalletUnitOfWork
from questline.wallet.application.deposit_reward import DepositReward, deposit_reward
from questline.wallet.settings import WalletSettings

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
EXCHANGED_AT = datetime(2025, 5, 1, 12, 30, tzinfo=UTC)
OUTBOX = OutboxWriter("/test")
PROBLEMS = "https://questline.dev/problems/"


class Tables:
    """The wallet tables as a test inspects them (SQLAlchemy, apart from the adapters)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def entries(self) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(text("SELECT * FROM wallet_rewards ORDER BY reward_id"))
            return [dict(r._mapping) for r in rows]

    async def outbox(self) -> list[dict[str, Any]]:
        return await outbox_rows(self.engine)


@pytest.fixture
def db(engine: AsyncEngine) -> Tables:
    return Tables(engine)


@pytest.fixture
def owned_uow(database: Database) -> Callable[[], SqlWalletUnitOfWork]:
    """A unit of work that opens and commits its own transaction, as a command does."""
    return lambda: SqlWalletUnitOfWork(outbox=OUTBOX, database=database)


@pytest.fixture
def reads(database: Database) -> Callable[[], SqlWalletReads]:
    """The autocommit read side, for the first look at an entry."""
    return lambda: SqlWalletReads(database)


@pytest.fixture
def uow_on() -> Callable[[Connection, str], SqlWalletUnitOfWork]:
    """A unit of work bound to a consumer batch's transaction."""
    return lambda conn, cause: SqlWalletUnitOfWork(
        outbox=OUTBOX, connection=conn, causation_id=cause
    )


@pytest.fixture
def clock() -> Callable[[], datetime]:
    return lambda: NOW


@pytest.fixture
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest("wallet", bootstrap.build, WalletSettings, bootstrap.MIGRATIONS)


class GiftStub:
    """Gift as its POST /exchanges answers: one exchange per reward, whatever gift is
    asked again; `gift-unknown` is not in the catalogue, `gift-gone` has no stock."""

    def __init__(self) -> None:
        self.made: dict[str, dict[str, str]] = {}
        self.calls = 0

    async def exchange(self, request: web.Request) -> web.Response:
        self.calls += 1
        body = await request.json()
        reward_id, gift_id = body["rewardId"], body["giftId"]
        if reward_id not in self.made:
            if gift_id == "gift-unknown":
                return self._problem(404, "gift-not-found")
            if gift_id == "gift-gone":
                return self._problem(409, "out-of-stock")
        exchange = self.made.setdefault(
            reward_id,
            {"id": f"x-{reward_id}", "giftId": gift_id, "exchangedAt": EXCHANGED_AT.isoformat()},
        )
        return web.json_response(exchange, status=201)

    @staticmethod
    def _problem(status: int, kind: str) -> web.Response:
        return web.json_response(
            {"type": PROBLEMS + kind, "title": kind, "status": status},
            status=status,
            content_type="application/problem+json",
        )


@pytest.fixture
async def gift() -> AsyncIterator[tuple[GiftStub, str]]:
    """The stub and its base URL (a port the OS picked)."""
    stub = GiftStub()
    app = web.Application()
    app.router.add_post("/exchanges", stub.exchange)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    yield stub, f"http://{host}:{port}"
    await runner.cleanup()


async def wallet_service(infra: Infra, database_url: str, **settings: Any) -> Service:
    """The wallet service (HTTP role) built by bootstrap with these settings."""
    return await bootstrap.build(
        WalletSettings(
            database_url=database_url,
            kafka_bootstrap_servers=infra.bootstrap,
            auth_jwks=ISSUER.jwks_json,
            **settings,
        ),
        {"http"},
    )


@asynccontextmanager
async def wallet_app(
    infra: Infra, database_url: str, raise_app_exceptions: bool = True, **settings: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """The wallet app (HTTP role) built by bootstrap with these settings, in process."""
    service = await wallet_service(infra, database_url, **settings)
    transport = httpx.ASGITransport(app=service.app, raise_app_exceptions=raise_app_exceptions)
    # Alice (every test's customer), who may also read as an operator.
    alice = ISSUER.headers("alice", "player liveops")
    async with httpx.AsyncClient(
        transport=transport, base_url="http://wallet", headers=alice
    ) as http:
        yield http
    await service.close()


@pytest.fixture
async def exchanging(
    infra: Infra, database_url: str, gift: tuple[GiftStub, str]
) -> AsyncIterator[httpx.AsyncClient]:
    """The wallet app (HTTP role) calling the gift stub; answers as the server does (an
    error handled as a last resort comes back as its problem, not raised into the test)."""
    async with wallet_app(
        infra, database_url, raise_app_exceptions=False, gift_base_url=gift[1], db_pool_size=10
    ) as http:
        yield http


async def deposited(owned_uow: Any, clock: Any, *reward_ids: str) -> None:
    """Alice's rewards, deposited (each in a transaction of its own)."""
    for reward_id in reward_ids:
        await deposit_reward(DepositReward(reward_id, "alice", "ach-1", 50), owned_uow(), clock)
