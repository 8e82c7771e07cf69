"""SQL repositories: rows in and out of `Gift` and `Exchange`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from questline.gift.adapters.outbound.tables import exchanges, gifts
from questline.gift.application.ports import GiftView
from questline.gift.domain.exchange import Exchange
from questline.gift.domain.gift import Gift

# Counted in the same statement as the gift row, so both come from one snapshot even
# while exchanges commit around the read.
_exchanged_count = (
    select(func.count())
    .where(exchanges.c.gift_id == gifts.c.id)
    .scalar_subquery()
    .label("exchanged_count")
)


def _gift(row: Any) -> Gift:
    return Gift(row.id, row.name, row.stock, row.created_at, row.stocked_total)


def _view(row: Any) -> GiftView:
    return GiftView(_gift(row), row.exchanged_count)


def _exchange(row: Any) -> Exchange:
    return Exchange(
        row.id, row.reward_id, row.customer_id, row.gift_id, row.stock_left, row.exchanged_at
    )


class SqlGiftRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, gift_id: str, *, for_update: bool = False) -> Gift | None:
        stmt = select(gifts).where(gifts.c.id == gift_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self._conn.execute(stmt)).first()
        return _gift(row) if row else None

    async def view(self, gift_id: str) -> GiftView | None:
        stmt = select(gifts, _exchanged_count).where(gifts.c.id == gift_id)
        row = (await self._conn.execute(stmt)).first()
        return _view(row) if row else None

    async def views(self) -> Sequence[GiftView]:
        stmt = select(gifts, _exchanged_count).order_by(gifts.c.name, gifts.c.id)
        return [_view(r) for r in await self._conn.execute(stmt)]

    async def add(self, gift: Gift) -> None:
        await self._conn.execute(
            insert(gifts).values(
                id=gift.id,
                name=gift.name,
                stock=gift.stock,
                stocked_total=gift.stocked_total,
                created_at=gift.created_at,
            )
        )

    async def save_stock(self, gift: Gift) -> None:
        await self._conn.execute(
            update(gifts)
            .where(gifts.c.id == gift.id)
            .values(stock=gift.stock, stocked_total=gift.stocked_total)
        )


class SqlExchangeRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def for_reward(self, reward_id: str, *, for_update: bool = False) -> Exchange | None:
        if for_update:
            # A row lock cannot lock a row that does not exist yet: a lock on the reward
            # id itself, held until commit, makes a concurrent exchange of the same
            # reward wait here and then read this one's record. Two rewards whose ids
            # share a hash merely queue behind each other.
            await self._conn.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:reward_id))"),
                {"reward_id": reward_id},
            )
        stmt = select(exchanges).where(exchanges.c.reward_id == reward_id)
        row = (await self._conn.execute(stmt)).first()
        return _exchange(row) if row else None

    async def get(self, exchange_id: str) -> Exchange | None:
        row = (
            await self._conn.execute(select(exchanges).where(exchanges.c.id == exchange_id))
        ).first()
        return _exchange(row) if row else None

    async def find(
        self, *, customer_id: str | None, reward_id: str | None, limit: int
    ) -> Sequence[Exchange]:
        stmt: Select[Any] = select(exchanges)
        if customer_id is not None:
            stmt = stmt.where(exchanges.c.customer_id == customer_id)
        if reward_id is not None:
            stmt = stmt.where(exchanges.c.reward_id == reward_id)
        stmt = stmt.order_by(exchanges.c.exchanged_at.desc(), exchanges.c.id.desc()).limit(limit)
        return [_exchange(r) for r in await self._conn.execute(stmt)]

    async def add(self, exchange: Exchange) -> None:
        await self._conn.execute(
            insert(exchanges).values(
                id=exchange.id,
                reward_id=exchange.reward_id,
                customer_id=exchange.customer_id,
                gift_id=exchange.gift_id,
                stock_left=exchange.stock_left,
                exchanged_at=exchange.exchanged_at,
            )
        )
