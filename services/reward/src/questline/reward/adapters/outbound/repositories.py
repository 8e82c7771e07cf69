"""SQL repository for rewards: plain SQL on asyncpg, which prepares each statement once
per connection and caches it."""

from __future__ import annotations

from collections.abc import Sequence

from asyncpg import Record

from questline.reward.domain.reward import Reward, RewardStatus
from questline.service_kit.db import Connection

_COLUMNS = "id, mission_id, customer_id, points, issued_at, status, gift_id, exchanged_at"


def _reward(row: Record) -> Reward:
    return Reward(
        row["id"],
        row["mission_id"],
        row["customer_id"],
        row["points"],
        row["issued_at"],
        RewardStatus(row["status"]),
        row["gift_id"],
        row["exchanged_at"],
    )


class SqlRewardRepository:
    # One statement for the whole batch; the unique mission id keeps it to one reward
    # per achievement, and RETURNING names the missions that got theirs now.
    _ADD_MANY = (
        "INSERT INTO rewards (id, mission_id, customer_id, points, status, issued_at) "
        "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], "
        "$6::timestamptz[]) "
        "ON CONFLICT (mission_id) DO NOTHING RETURNING mission_id"
    )
    _GET = f"SELECT {_COLUMNS} FROM rewards WHERE id = $1"
    _GET_FOR_UPDATE = f"{_GET} FOR UPDATE"
    _FOR_CUSTOMER = (
        f"SELECT {_COLUMNS} FROM rewards WHERE customer_id = $1 "
        "ORDER BY issued_at DESC, id LIMIT $2"
    )
    _SAVE = "UPDATE rewards SET status = $2, gift_id = $3, exchanged_at = $4 WHERE id = $1"

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add_many(self, batch: Sequence[Reward]) -> set[str]:
        if not batch:
            return set()
        rows = await self._conn.fetch(
            self._ADD_MANY,
            [r.id for r in batch],
            [r.mission_id for r in batch],
            [r.customer_id for r in batch],
            [r.points for r in batch],
            [r.status.value for r in batch],
            [r.issued_at for r in batch],
        )
        return {row[0] for row in rows}

    async def get(self, reward_id: str, *, for_update: bool = False) -> Reward | None:
        row = await self._conn.fetchrow(
            self._GET_FOR_UPDATE if for_update else self._GET, reward_id
        )
        return _reward(row) if row is not None else None

    async def for_customer(self, customer_id: str, limit: int) -> Sequence[Reward]:
        return [_reward(r) for r in await self._conn.fetch(self._FOR_CUSTOMER, customer_id, limit)]

    async def save(self, reward: Reward) -> None:
        await self._conn.execute(
            self._SAVE, reward.id, reward.status.value, reward.gift_id, reward.exchanged_at
        )
