"""My Page on a real PostgreSQL: a fresh, migrated database per test, the real app built
by bootstrap (HTTP role only), and the consumer's batch step (`events.make_apply`)
applied to contract events inside a transaction, as the inbox would."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from questline.contracts import events as contract
from questline.devstack.testing import ServiceUnderTest
from questline.mypage import bootstrap
from questline.mypage.adapters.inbound import events
from questline.mypage.settings import MyPageSettings
from questline.service_kit.envelope import IncomingEvent

APPLIED_AT = datetime(2025, 5, 1, 13, 0, tzinfo=UTC)
Apply = Callable[[AsyncConnection, Sequence[IncomingEvent]], Awaitable[None]]


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
    return events.make_apply(lambda: APPLIED_AT)


@pytest.fixture
def consume(engine: AsyncEngine, apply: Apply) -> Callable[..., Awaitable[None]]:
    """Apply one batch of (event id, contract data) in one transaction."""

    async def consume(*batch: tuple[str, contract.EventData]) -> None:
        async with engine.begin() as conn:
            await apply(conn, [incoming(event_id, data) for event_id, data in batch])

    return consume


@pytest.fixture
def as_incoming() -> Callable[[str, contract.EventData], IncomingEvent]:
    """Wraps contract data as the inbox hands it over (for tests that own the transaction)."""
    return incoming


@pytest.fixture
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest("mypage", bootstrap.build, MyPageSettings, bootstrap.MIGRATIONS)
