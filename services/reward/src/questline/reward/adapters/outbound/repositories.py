"""SQL repository for rewards."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from questline.reward.adapters.outbound.tables import rewards
from questline.reward.domain.reward import Reward, RewardStatus


def _reward(row: Any) -> Reward:
    return Reward(
        row.id,
        row.mission_id,
        row.customer_id,
        row.points,
        row.issued_at,
        RewardStatus(row.status),
        row.gift_id,
        row.exchanged_at,
    )


class SqlRewardRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_many(self, batch: Sequence[Reward]) -> set[str]:
        if not batch:
            return set()
        # executemany of one prepared statement: compiled once, whatever the batch size.
        result = await self._conn.execute(
            insert(rewards)
            .on_conflict_do_nothing(index_elements=["mission_id"])
            .returning(rewards.c.mission_id),
            [
                {
                    "id": r.id,
                    "mission_id": r.mission_id,
                    "customer_id": r.customer_id,
                    "points": r.points,
                    "status": r.status.value,
                    "issued_at": r.issued_at,
                }
                for r in batch
            ],
        )
        return set(result.scalars())

    async def get(self, reward_id: str, *, for_update: bool = False) -> Reward | None:
        stmt = select(rewards).where(rewards.c.id == reward_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self._conn.execute(stmt)).first()
        return _reward(row) if row else None

    async def for_customer(self, customer_id: str, limit: int) -> Sequence[Reward]:
        rows = await self._conn.execute(
            select(rewards)
            .where(rewards.c.customer_id == customer_id)
            .order_by(rewards.c.issued_at.desc(), rewards.c.id)
            .limit(limit)
        )
        return [_reward(r) for r in rows]

    async def save(self, reward: Reward) -> None:
        await self._conn.execute(
            update(rewards)
            .where(rewards.c.id == reward.id)
            .values(
                status=reward.status.value, gift_id=reward.gift_id, exchanged_at=reward.exchanged_at
            )
        )
