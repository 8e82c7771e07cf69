"""The local infrastructure primitives against real processes: a Kafka broker from
Maven jars and PostgreSQL from the pgserver wheel, each in a temporary folder."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import psycopg
import pytest
from confluent_kafka import Consumer, KafkaError, Producer
from confluent_kafka.admin import AdminClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from questline.devstack.kafka import KafkaBroker, KafkaBrokerError, create_topics, ensure_kafka_jars
from questline.devstack.ports import free_port, free_ports, port_in_use, wait_port
from questline.devstack.postgres import EmbeddedPostgres, PostgresError

REPO_ROOT = Path(__file__).resolve().parents[3]
# Shared with the dev stack so the jars are fetched once per clone (a cold Maven
# fetch takes most of a minute; afterwards this is a file read).
KAFKA_CACHE = REPO_ROOT / ".cache" / "kafka"

integration = pytest.mark.integration  # real processes: `-m "not integration"` skips them


# ---------------------------------------------------------------------------- ports


def test_free_ports_are_distinct_and_wait_port_sees_a_listener() -> None:
    ports = free_ports(3)
    assert len(set(ports)) == 3
    with socket.create_server(("127.0.0.1", free_port())) as server:
        port = server.getsockname()[1]
        assert port_in_use("127.0.0.1", port)
        wait_port("127.0.0.1", port, timeout=2)
    assert not port_in_use("127.0.0.1", port)
    with pytest.raises(TimeoutError):
        wait_port("127.0.0.1", port, timeout=0.3)


# ---------------------------------------------------------------------------- kafka


@pytest.fixture(scope="module")
def kafka_jars() -> Path:
    return ensure_kafka_jars(REPO_ROOT, KAFKA_CACHE)


@pytest.fixture
def broker(tmp_path: Path, kafka_jars: Path) -> Iterator[KafkaBroker]:
    port, controller_port = free_ports(2)
    broker = KafkaBroker(tmp_path / "kafka", kafka_jars, port, controller_port)
    try:
        yield broker
    finally:
        broker.stop()


@integration
@pytest.mark.timeout(120)
def test_a_message_survives_a_broker_restart(broker: KafkaBroker) -> None:
    topic = "mission.events"
    broker.start()
    broker.wait_ready()
    create_topics(broker.bootstrap, [topic, "reward.events"])
    create_topics(broker.bootstrap, [topic, "reward.events"])  # again: nothing to do

    metadata = AdminClient({"bootstrap.servers": broker.bootstrap}).list_topics(timeout=10)
    assert len(metadata.topics[topic].partitions) == 6

    _produce_one(broker.bootstrap, topic, key=b"customer-1", value=b'{"missionId":"m-1"}')
    assert _consume_one(broker.bootstrap, topic) == (b"customer-1", b'{"missionId":"m-1"}')

    broker.stop()
    assert not broker.is_running()
    broker.start()  # same data dir: no re-format, the log is still there
    broker.wait_ready()
    assert _consume_one(broker.bootstrap, topic) == (b"customer-1", b'{"missionId":"m-1"}')


@integration
def test_a_broker_refuses_a_port_that_is_taken(tmp_path: Path, kafka_jars: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as squatter:
        taken = squatter.getsockname()[1]
        broker = KafkaBroker(tmp_path / "kafka", kafka_jars, taken, free_port())
        with pytest.raises(KafkaBrokerError, match=f"port 127.0.0.1:{taken} is already in use"):
            broker.start()
    assert broker.pid is None


def _produce_one(bootstrap: str, topic: str, key: bytes, value: bytes) -> None:
    errors: list[KafkaError] = []
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all"})
    producer.produce(
        topic, key=key, value=value, on_delivery=lambda err, _msg: err and errors.append(err)
    )
    assert producer.flush(30) == 0, "message not delivered within 30 s"
    assert errors == []


def _consume_one(bootstrap: str, topic: str, timeout: float = 30) -> tuple[bytes, bytes]:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"test-{uuid.uuid4()}",  # new group: read from the start
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            assert msg.error() is None, msg.error()
            return msg.key(), msg.value()
        raise AssertionError(f"no message on {topic} within {timeout} s")
    finally:
        consumer.close()


# ------------------------------------------------------------------------- postgres


@integration
@pytest.mark.timeout(60)
def test_postgres_databases_are_idempotent_and_data_survives_a_restart(tmp_path: Path) -> None:
    pg = EmbeddedPostgres(tmp_path / "pg")
    pg.start()
    try:
        url = pg.ensure_database("wallet", "wallet", "s3cret/p@ss")
        assert pg.ensure_database("wallet", "wallet", "s3cret/p@ss") == url
        assert url.startswith("postgresql+asyncpg://wallet:")
        assert asyncio.run(_select_one(url)) == (1, 1)
        asyncio.run(_execute(url, "CREATE TABLE kept (id int)", "INSERT INTO kept VALUES (42)"))

        pg.stop()
        assert not pg.is_running()
        pg.start()
        assert asyncio.run(_fetch(url, "SELECT id FROM kept")) == 42

        # Roles reach only their own database; the password is checked.
        other = pg.ensure_database("gift", "gift", "other")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            asyncio.run(_fetch(other.replace("/gift?", "/wallet?"), "SELECT 1"))
        with pytest.raises(asyncpg.InvalidPasswordError):
            asyncio.run(_fetch(url.replace("p%40ss", "wrong"), "SELECT 1"))

        pg.drop_database("gift", role="gift")
        with psycopg.connect(pg.admin_url) as conn:
            assert conn.execute(
                "SELECT count(*) FROM pg_database WHERE datname='gift'"
            ).fetchone() == (0,)
    finally:
        pg.stop()
    assert pg.pid is None


def test_postgres_reports_a_data_dir_too_long_for_a_socket(tmp_path: Path) -> None:
    with pytest.raises(PostgresError, match="too long for a Unix socket"):
        EmbeddedPostgres(tmp_path / ("x" * 100))


async def _select_one(url: str) -> tuple[int, int]:
    # asyncpg itself takes the plain libpq form; SQLAlchemy takes the +asyncpg one.
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        direct = await conn.fetchval("select 1")
    finally:
        await conn.close()
    engine = create_async_engine(url)
    try:
        async with engine.connect() as sa_conn:
            via_sqlalchemy = (await sa_conn.execute(text("select 1"))).scalar_one()
    finally:
        await engine.dispose()
    return direct, via_sqlalchemy


async def _execute(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def _fetch(url: str, query: str) -> object:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return await conn.fetchval(query)
    finally:
        await conn.close()
