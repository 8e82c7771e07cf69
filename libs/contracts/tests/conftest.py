"""One sample of every event; any test taking an `event` argument runs once per type."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from questline.contracts import (
    EventData,
    GiftCatalogued,
    GiftExchanged,
    GiftStockChanged,
    MissionAchieved,
    MissionRewardLinked,
    RewardDeposited,
    RewardExchanged,
    RewardIssued,
    RewardMarkedExchanged,
)

AT = datetime(2025, 5, 1, 12, 30, tzinfo=UTC)

SAMPLE_EVENTS: tuple[EventData, ...] = (
    MissionAchieved(
        mission_id="m-1", customer_id="c-1", mission_code="LOGIN_7_DAYS", points=100,
        achieved_at=AT, mission_title="Log in seven days in a row",
    ),
    MissionRewardLinked(mission_id="m-1", customer_id="c-1", reward_id="r-1"),
    RewardIssued(reward_id="r-1", mission_id="m-1", customer_id="c-1", points=100, issued_at=AT),
    RewardMarkedExchanged(reward_id="r-1", customer_id="c-1", gift_id="g-1", exchanged_at=AT),
    RewardDeposited(
        customer_id="c-1", reward_id="r-1", mission_id="m-1", points=100, deposited_at=AT
    ),
    RewardExchanged(
        customer_id="c-1", reward_id="r-1", gift_id="g-1", exchange_id="x-1", exchanged_at=AT
    ),
    GiftExchanged(
        exchange_id="x-1", reward_id="r-1", customer_id="c-1", gift_id="g-1", stock_left=9,
        exchanged_at=AT,
    ),
    GiftStockChanged(gift_id="g-1", name="Golden sword", stock=10),
    GiftCatalogued(gift_id="g-1", name="Golden sword", stock=10, stocked_total=12),
)  # fmt: skip


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "event" in metafunc.fixturenames:
        metafunc.parametrize("event", SAMPLE_EVENTS, ids=[e.TYPE for e in SAMPLE_EVENTS])


@pytest.fixture
def sample_events() -> tuple[EventData, ...]:
    return SAMPLE_EVENTS
