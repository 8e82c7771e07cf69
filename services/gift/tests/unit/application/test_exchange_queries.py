"""Reading exchange records: by id, by customer or by reward, newest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from questline.gift.application import queries
from questline.gift.application.catalogue import AddGift, add_gift
from questline.gift.application.exchange_gift import ExchangeGift, exchange_gift
from questline.gift.domain.errors import ExchangeNotFound

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


async def exchanges_over_three_days(uow: Any, new_id: Any) -> None:
    view = (await add_gift(AddGift("Golden mount", 10), uow, lambda: NOW, new_id)).view
    days = iter(NOW + timedelta(days=n) for n in range(3))
    for reward, customer in [("r-1", "alice"), ("r-2", "bob"), ("r-3", "alice")]:
        command = ExchangeGift(reward, customer, view.gift.id)
        await exchange_gift(command, uow, lambda: next(days), new_id)


async def test_a_customers_exchanges_are_listed_newest_first(uow: Any, new_id: Any) -> None:
    await exchanges_over_three_days(uow, new_id)

    found = await queries.list_exchanges(uow, customer_id="alice", reward_id=None, limit=100)

    assert [x.reward_id for x in found] == ["r-3", "r-1"]


async def test_a_rewards_exchange_is_found_by_the_reward(uow: Any, new_id: Any) -> None:
    await exchanges_over_three_days(uow, new_id)

    found = await queries.list_exchanges(uow, customer_id=None, reward_id="r-2", limit=100)

    assert [(x.reward_id, x.customer_id) for x in found] == [("r-2", "bob")]


async def test_the_list_is_cut_at_the_limit(uow: Any, new_id: Any) -> None:
    await exchanges_over_three_days(uow, new_id)

    found = await queries.list_exchanges(uow, customer_id="alice", reward_id=None, limit=1)

    assert [x.reward_id for x in found] == ["r-3"]


async def test_listing_every_exchange_unfiltered_is_refused(uow: Any) -> None:
    with pytest.raises(ValueError, match="filter"):
        await queries.list_exchanges(uow, customer_id=None, reward_id=None, limit=100)


async def test_an_exchange_is_read_by_its_id(uow: Any, new_id: Any) -> None:
    await exchanges_over_three_days(uow, new_id)
    [first] = await queries.list_exchanges(uow, customer_id=None, reward_id="r-1", limit=1)

    assert await queries.get_exchange(first.id, uow) == first


async def test_reading_an_unknown_exchange_is_refused(uow: Any) -> None:
    with pytest.raises(ExchangeNotFound):
        await queries.get_exchange("no-such", uow)
