"""In-memory stand-ins for the gift ports: dicts of stored rows (copies, as a database
hands out), the unique reward id the exchanges table enforces, the locks taken in
order, the idempotency keys claimed, and a unit of work that rolls back on error and
publishes only on commit."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import pytest

from questline.gift.application.ports import GiftView
from questline.gift.domain.events import GiftEvent
from questline.gift.domain.exchange import Exchange
from questline.gift.domain.gift import Gift

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def _loaded(gift: Gift) -> Gift:
    return Gift(gift.id, gift.name, gift.stock, gift.created_at, gift.stocked_total)


class FakeExchangeRepository:
    def __init__(self, locks: list[str]) -> None:
        self.rows: dict[str, Exchange] = {}
        self.locked_rewards: list[str] = []
        self._locks = locks

    async def for_rewards(
        self, reward_ids: Collection[str], *, for_update: bool = False
    ) -> Mapping[str, Exchange]:
        if for_update:
            self.locked_rewards += sorted(reward_ids)
            self._locks += [f"reward:{r}" for r in sorted(reward_ids)]
        return {x.reward_id: x for x in self.rows.values() if x.reward_id in reward_ids}

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

    async def add_many(self, exchanges: Sequence[Exchange]) -> None:
        for exchange in exchanges:
            assert all(x.reward_id != exchange.reward_id for x in self.rows.values()), "UNIQUE"
            self.rows[exchange.id] = exchange


class FakeGiftRepository:
    def __init__(self, exchanges: FakeExchangeRepository, locks: list[str]) -> None:
        self.rows: dict[str, Gift] = {}
        self._exchanges = exchanges
        self._locks = locks

    async def get(self, gift_id: str, *, for_update: bool = False) -> Gift | None:
        found = await self.get_many([gift_id], for_update=for_update)
        return found.get(gift_id)

    async def get_many(
        self, gift_ids: Collection[str], *, for_update: bool = False
    ) -> Mapping[str, Gift]:
        found = sorted(i for i in set(gift_ids) if i in self.rows)
        if for_update:
            self._locks += [f"gift:{i}" for i in found]
        return {i: _loaded(self.rows[i]) for i in found}

    async def view(self, gift_id: str) -> GiftView | None:
        found = self.rows.get(gift_id)
        return self._view(found) if found else None

    async def views(self) -> Sequence[GiftView]:
        return [self._view(g) for g in sorted(self.rows.values(), key=lambda g: (g.name, g.id))]

    async def add(self, gift: Gift) -> None:
        assert gift.id not in self.rows
        self.rows[gift.id] = _loaded(gift)

    async def save_stocks(self, gifts: Collection[Gift]) -> None:
        for gift in gifts:
            self.rows[gift.id] = _loaded(gift)

    def _view(self, gift: Gift) -> GiftView:
        count = sum(x.gift_id == gift.id for x in self._exchanges.rows.values())
        return GiftView(_loaded(gift), count)


class FakeIdempotencyKeys:
    def __init__(self) -> None:
        self.rows: dict[str, tuple[str, GiftView | None]] = {}  # key: (fingerprint, answer)

    async def claim(self, key: str, fingerprint: str) -> tuple[str, GiftView] | None:
        if key not in self.rows:
            self.rows[key] = (fingerprint, None)
            return None
        earlier, answer = self.rows[key]
        assert answer is not None, "a committed key has its answer"
        return earlier, answer

    async def answer(self, key: str, answer: GiftView) -> None:
        copy = GiftView(_loaded(answer.gift), answer.exchanged_count)  # as a row would be
        self.rows[key] = (self.rows[key][0], copy)


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.locks: list[str] = []  # every row or reward lock taken, in order
        self.exchanges = FakeExchangeRepository(self.locks)
        self.gifts = FakeGiftRepository(self.exchanges, self.locks)
        self.idempotency_keys = FakeIdempotencyKeys()
        self.published: list[GiftEvent] = []
        self.causes: list[str | None] = []  # of each published event, in step
        self.transactions = 0
        self._staged: list[tuple[GiftEvent, str | None]] = []
        self._before: tuple[dict[str, Gift], dict[str, Exchange], dict[str, Any]] = ({}, {}, {})

    async def __aenter__(self) -> Self:
        self.transactions += 1
        self._before = (
            dict(self.gifts.rows),
            dict(self.exchanges.rows),
            dict(self.idempotency_keys.rows),
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.published += [event for event, _ in self._staged]
            self.causes += [cause for _, cause in self._staged]
        else:  # rolled back: neither the rows nor the events happened
            self.gifts.rows, self.exchanges.rows, self.idempotency_keys.rows = self._before
        self._staged = []

    def publish(self, events: Sequence[GiftEvent], causation_id: str | None = None) -> None:
        self._staged.extend((event, causation_id) for event in events)


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
