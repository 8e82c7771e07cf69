"""SQL repository for the gift catalogue: rows in and out of `Gift`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from questline.gift.adapters.outbound.tables import gifts
from questline.gift.domain.gift import Gift


def _gift(row: Any) -> Gift:
    return Gift(row.id, row.name, row.stock, row.created_at)


class SqlGiftRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, gift_id: str, *, for_update: bool = False) -> Gift | None:
        stmt = select(gifts).where(gifts.c.id == gift_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self._conn.execute(stmt)).first()
        return _gift(row) if row else None

    async def list(self) -> Sequence[Gift]:
        rows = await self._conn.execute(select(gifts).order_by(gifts.c.name, gifts.c.id))
        return [_gift(r) for r in rows]

    async def add(self, gift: Gift) -> None:
        await self._conn.execute(
            insert(gifts).values(
                id=gift.id, name=gift.name, stock=gift.stock, created_at=gift.created_at
            )
        )

    async def save_stock(self, gift: Gift) -> None:
        await self._conn.execute(
            update(gifts).where(gifts.c.id == gift.id).values(stock=gift.stock)
        )
