"""SQL repository for wallet entries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from questline.wallet.adapters.outbound.tables import wallet_rewards as t
from questline.wallet.domain.wallet import EntryStatus, WalletReward


def _entry(row: Any) -> WalletReward:
    return WalletReward(
        row.reward_id,
        row.customer_id,
        row.mission_id,
        row.points,
        row.deposited_at,
        EntryStatus(row.status),
        row.gift_id,
        row.exchange_id,
        row.exchanged_at,
    )


class SqlWalletRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_many(self, entries: Sequence[WalletReward]) -> set[str]:
        if not entries:
            return set()
        # executemany of one prepared statement: compiled once, whatever the batch size.
        result = await self._conn.execute(
            insert(t).on_conflict_do_nothing(index_elements=["reward_id"]).returning(t.c.reward_id),
            [
                {
                    "reward_id": e.reward_id,
                    "customer_id": e.customer_id,
                    "mission_id": e.mission_id,
                    "points": e.points,
                    "status": e.status.value,
                    "deposited_at": e.deposited_at,
                }
                for e in entries
            ],
        )
        return set(result.scalars())

    async def get(self, reward_id: str, *, for_update: bool = False) -> WalletReward | None:
        stmt = select(t).where(t.c.reward_id == reward_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self._conn.execute(stmt)).first()
        return _entry(row) if row else None

    async def for_customer(self, customer_id: str) -> Sequence[WalletReward]:
        rows = await self._conn.execute(
            select(t)
            .where(t.c.customer_id == customer_id)
            .order_by(t.c.deposited_at.desc(), t.c.reward_id)
        )
        return [_entry(r) for r in rows]

    async def save(self, entry: WalletReward) -> None:
        await self._conn.execute(
            update(t)
            .where(t.c.reward_id == entry.reward_id)
            .values(
                status=entry.status.value,
                gift_id=entry.gift_id,
                exchange_id=entry.exchange_id,
                exchanged_at=entry.exchanged_at,
            )
        )
