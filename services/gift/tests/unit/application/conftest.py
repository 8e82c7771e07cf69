"""In-memory stand-ins for the gift ports: dicts of stored rows (copies, as a database
hands out), the unique reward id the exchanges table enforces, and a unit of work that
rolls back on error and publishes only on commit."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

import pytest

from questline.gift.application.ports import GiftView
from questline.gift.domain.events import GiftEvent
from questline.gift.domain.exchange import Exchange
from questline.gift.domain.gift import Gift

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def _loaded(gift: Gift) -> Gift:
    return Gift(gift.id, gift.name, gift.stock, gift.created_at, gift.stocked_total)


class FakeExchangeRepository:
    def __init__(self) -> None:
        self.rows: dict[str, Exchange] = {}
        self.locked_rewards: list[str] = []

    async def for_reward(self, reward_id: str, *, for_update: bool = False) -> Exchange | None:
        if for_update:
            self.locked_rewards.append(reward_id)
        return next((x for x in self.rows.values() if x.reward_id == reward_id), None)

    async def get(self, exchange_id: str) -> Exchange | None:
        return self.rows.get(exchange_id)

    async def find(
        self, *, customer_id: str | None, reward_id: str | None, limit: int
    ) -> Sequence[Exchange]:
        found = [
            x
            for x in self.rows.values()
            if customer_id in (None, x.customer_id) and reward_id in (None, x.reward_id)
        ]
        return sorted(found, key=lambda x: (x.exchanged_at, x.id), reverse=True)[:limit]

    async def add(self, exchange: Exchange) -> None:
        assert all(x.reward_id != exchange.reward_id for x in self.rows.values()), "UNIQUE"
        self.rows[exchange.id] = exchange


class FakeGiftRepository:
    def __init__(self, exchanges: FakeExchangeRepository) -> None:
        self.rows: dict[str, Gift] = {}
        self._exchanges = exchanges

    async def get(self, gift_id: str, *, for_update: bool = False) -> Gift | None:
        found = self.rows.get(gift_id)
        return _loaded(found) if found else None

    async def view(self, gift_id: str) -> GiftView | None:
        found = self.rows.get(gift_id)
        return self._view(found) if found else None

    async def views(self) -> Sequence[GiftView]:
        return [self._view(g) for g in sorted(self.rows.values(), key=lambda g: (g.name, g.id))]

    async def add(self, gift: Gift) -> None:
        assert gift.id not in self.rows
        self.rows[gift.id] = _loaded(gift)

    async def save_stock(self, gift: Gift) -> None:
        self.rows[gift.id] = _loaded(gift)

    def _view(self, gift: Gift) -> GiftView:
        count = sum(x.gift_id == gift.id for x in self._exchanges.rows.values())
        return GiftView(_loaded(gift), count)


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.exchanges = FakeExchangeRepository()
        self.gifts = FakeGiftRepository(self.exchanges)
        self.published: list[GiftEvent] = []
        self._staged: list[GiftEvent] = []
        self._before: tuple[dict[str, Gift], dict[str, Exchange]] = ({}, {})

    async def __aenter__(self) -> Self:
        self._before = (dict(self.gifts.rows), dict(self.exchanges.rows))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.published += self._staged
        else:  # rolled back: neither the rows nor the events happened
            self.gifts.rows, self.exchanges.rows = self._before
        self._staged = []

    def publish(self, events: Sequence[GiftEvent]) -> None:
        self._staged.extend(events)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def clock() -> Callable[[], datetime]:
    return lambda: NOW


@pytest.fixture
def new_id() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"id-{next(counter)}"
