"""My Page on a real PostgreSQL: a fresh, migrated database per test, the real app built
by bootstrap (HTTP role only), and the consumer's declared handlers applied to contract
events inside one asyncpg transaction, dispatched as the inbox dispatches them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

import pytest

from questline.contracts import events as contract
from questline.devstack.testing import ServiceUnderTest
from questline.mypage import bootstrap
from questline.mypage.adapters.inbound import events
from questline.mypage.adapters.outbound.store import SqlGiftNames, SqlMyPageStore
from questline.mypage.settings import MyPageSettings
from questline.service_kit.db import Connection, Database
from questline.service_kit.envelope import IncomingEvent

APPLIED_AT = datetime(2025, 5, 1, 13, 0, tzinfo=UTC)
Apply = Callable[[Connection, Sequence[IncomingEvent]], Awaitable[None]]


def incoming(event_id: str, data: contract.EventData) -> IncomingEvent:
    return IncomingEvent(
        id=event_id,
        type=data.TYPE,
        source="/test",
        time=None,
        correlation_id=data.correlation_id(),
        causation_id=None,
        data=data,
        topic=data.TOPIC,
        partition=0,
        offset=0,
    )


@pytest.fixture
def apply() -> Apply:
    """One batch through the handler table: each distinct handler once, in the table's
    order, with the events of its types; types not in the table are not applied."""
    table = events.handlers(SqlMyPageStore, SqlGiftNames, lambda: APPLIED_AT)

    async def apply(conn: Connection, batch: Sequence[IncomingEvent]) -> None:
        for handler in dict.fromkeys(table.values()):
            types = {model.TYPE for model, h in table.items() if h is handler}
            mine = [e for e in batch if e.type in types]
            if mine:
                await handler(conn, mine)

    return apply


@pytest.fixture
def consume(database: Database, apply: Apply) -> Callable[..., Awaitable[None]]:
    """Apply one batch of (event id, contract data) in one transaction."""

    async def consume(*batch: tuple[str, contract.EventData]) -> None:
        async with database.transaction() as conn:
            await apply(conn, [incoming(event_id, data) for event_id, data in batch])

    return consume


@pytest.fixture
def as_incoming() -> Callable[[str, contract.EventData], IncomingEvent]:
    """Wraps contract data as the inbox hands it over (for tests that own the transaction)."""
    return incoming


@pytest.fixture
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest("mypage", bootstrap.build, MyPageSettings, bootstrap.MIGRATIONS)
