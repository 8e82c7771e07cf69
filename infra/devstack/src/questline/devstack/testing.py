"""pytest fixtures for tests that need the real thing: one Kafka broker and one
PostgreSQL server per test session (started only if a test asks for them), a fresh
database per test, and the whole system started as `make run` starts it."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from questline.contracts.topics import ALL_TOPICS
from questline.devstack.kafka import KafkaBroker, create_topics, ensure_kafka_jars
from questline.devstack.ports import free_ports
from questline.devstack.postgres import EmbeddedPostgres
from questline.devstack.sandbox import sandbox
from questline.devstack.stack import Stack
from questline.devstack.toxiproxy import Toxiproxy

REPO_ROOT = next(p for p in Path(__file__).resolve().parents if (p / "infra" / "kafka").is_dir())


def _short_tmp(prefix: str) -> Path:
    # Unix socket paths are limited to ~107 bytes: keep the data dirs short.
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))


@dataclass
class Infra:
    kafka: KafkaBroker
    postgres: EmbeddedPostgres
    _names: Iterator[int]

    @property
    def bootstrap(self) -> str:
        return self.kafka.bootstrap

    def new_database(self, service: str) -> str:
        """A fresh, empty database (and role) for one test; returns its asyncpg URL."""
        name = f"t_{service}_{next(self._names)}"
        return self.postgres.ensure_database(name, name, "secret")


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    root = _short_tmp("ql-it-")
    jars = ensure_kafka_jars(REPO_ROOT, REPO_ROOT / ".cache" / "kafka")
    kafka_port, controller_port = free_ports(2)
    kafka = KafkaBroker(root / "kafka", jars, port=kafka_port, controller_port=controller_port)
    postgres = EmbeddedPostgres(root / "pg")
    kafka.start()
    postgres.start()
    try:
        kafka.wait_ready(timeout=90)
        create_topics(kafka.bootstrap, list(ALL_TOPICS), partitions=3)
        yield Infra(kafka, postgres, itertools.count(1))
    finally:
        kafka.stop()
        postgres.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """The whole system, started by the same code as `make run`, on free ports."""
    with sandbox("ql-e2e-") as running:
        yield running


async def eventually(check, timeout: float = 30.0, interval: float = 0.05):  # type: ignore[no-untyped-def]
    """Await until `check()` (sync or async) returns a truthy value; return that value.

    This waits for a condition, it does not guess a duration: it returns as soon as the
    condition holds and fails with the last value seen when it never does.
    """
    import asyncio
    import inspect
    import time

    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = check()
        if inspect.isawaitable(last):
            last = await last
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last: {last!r})")
        await asyncio.sleep(interval)


@pytest.fixture(scope="session")
def toxiproxy() -> Iterator[Toxiproxy]:
    binary = REPO_ROOT / ".cache" / "toxiproxy" / "toxiproxy-server"
    if not binary.exists():
        raise RuntimeError(f"{binary} is missing: run `make install` (infra/install.sh)")
    server = Toxiproxy(binary, free_ports(1)[0])
    yield server
    server.stop()


# --- one service in process, on a fresh migrated database ------------------------------
# A service's tests/integration/conftest.py defines only `service_under_test`; the
# fixtures below give it `database_url`, `service` (HTTP role), `client`, `database`
# (asyncpg, as the adapters use it) and `engine` (SQLAlchemy, to inspect tables).


@dataclass(frozen=True)
class ServiceUnderTest:
    name: str
    build: Any  # bootstrap.build
    settings: Any  # the service's settings class
    migrations: Path


@pytest.fixture
async def database_url(infra: Infra, service_under_test: ServiceUnderTest) -> str:
    import asyncio

    from questline.service_kit.migrations import upgrade

    url = await asyncio.to_thread(infra.new_database, service_under_test.name)
    # Alembic runs its own event loop: keep it off the test's loop.
    await asyncio.to_thread(upgrade, service_under_test.migrations, url)
    return url


class TestIssuer:
    """Signs tokens as the auth service does (RS256, kid, iss, aud, sub, exp, iat,
    scope) with a key made for the test session; services built in process trust its
    JWKS through their `auth_jwks` setting."""

    issuer = "http://127.0.0.1:8080"
    audience = "questline"
    # What the in-process clients send unless a test says otherwise: every right.
    ALL_SCOPES = "liveops missions:report gift:exchange"

    def __init__(self) -> None:
        from joserfc.jwk import generate_key

        self.key = generate_key("RSA", 2048, parameters={"kid": "test-key", "alg": "RS256"})

    @property
    def jwks_json(self) -> str:
        import json

        return json.dumps({"keys": [self.key.as_dict(private=False)]})

    def token(self, subject: str = "test-operator", scope: str = ALL_SCOPES, **claims: Any) -> str:
        import time

        from joserfc import jwt

        now = int(time.time())
        body = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": now,
            "exp": now + 600,
            "scope": scope,
            **claims,
        }
        return jwt.encode({"alg": "RS256", "kid": "test-key"}, body, self.key, ["RS256"])

    def headers(self, subject: str = "test-operator", scope: str = ALL_SCOPES) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(subject, scope)}"}

    def player(self, customer_id: str) -> dict[str, str]:
        return self.headers(customer_id, "player")


ISSUER = TestIssuer()


@pytest.fixture
async def service(
    infra: Infra, database_url: str, service_under_test: ServiceUnderTest
) -> AsyncIterator[Any]:
    settings = service_under_test.settings(
        database_url=database_url,
        kafka_bootstrap_servers=infra.bootstrap,
        auth_jwks=ISSUER.jwks_json,
    )
    built = await service_under_test.build(settings, {"http"})
    yield built
    await built.close()


@pytest.fixture
async def client(service: Any) -> AsyncIterator[Any]:
    import httpx

    transport = httpx.ASGITransport(app=service.app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers=ISSUER.headers()
    ) as http:
        yield http


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Any]:
    """The service's database as its adapters see it: an asyncpg pool (service_kit)."""
    from questline.service_kit.db import Database

    db = Database(database_url, pool_size=10)
    yield db
    await db.close()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[Any]:
    """SQLAlchemy, for tests that inspect or arrange tables directly."""
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(database_url, pool_size=10, max_overflow=10)
    yield engine
    await engine.dispose()


async def outbox_rows(engine: Any) -> list[dict[str, Any]]:
    """Every outbox row as a test reads it: type, key, correlation/causation ids, data."""
    import json

    from sqlalchemy import text

    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT key, headers, payload FROM outbox ORDER BY id"))
        return [
            {
                "type": r.headers["ce_type"],
                "key": r.key,
                "correlationid": r.headers["ce_correlationid"],
                "causationid": r.headers.get("ce_causationid"),
                "data": json.loads(r.payload),
            }
            for r in rows
        ]
