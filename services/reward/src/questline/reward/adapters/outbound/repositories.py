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
    _FOR_CUSTOMER = (
        f"SELECT {_COLUMNS} FROM rewards WHERE customer_id = $1 "
        "ORDER BY issued_at DESC, id LIMIT $2"
    )
    # One lock order (by id): concurrent batches over the same rewards never deadlock.
    _GET_MANY_FOR_UPDATE = (
        f"SELECT {_COLUMNS} FROM rewards WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE"
    )
    _SAVE_MANY = (
        "UPDATE rewards AS r "
        "SET status = s.status, gift_id = s.gift_id, exchanged_at = s.exchanged_at "
        "FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) "
        "AS s(id, status, gift_id, exchanged_at) WHERE r.id = s.id"
    )

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

    async def get(self, reward_id: str) -> Reward | None:
        row = await self._conn.fetchrow(self._GET, reward_id)
        return _reward(row) if row is not None else None

    async def for_customer(self, customer_id: str, limit: int) -> Sequence[Reward]:
        return [_reward(r) for r in await self._conn.fetch(self._FOR_CUSTOMER, customer_id, limit)]

    async def get_many_for_update(self, ids: Sequence[str]) -> dict[str, Reward]:
        if not ids:
            return {}
        rows = await self._conn.fetch(self._GET_MANY_FOR_UPDATE, sorted(set(ids)))
        return {row["id"]: _reward(row) for row in rows}

    async def save_many(self, batch: Sequence[Reward]) -> None:
        if batch:
            await self._conn.execute(
                self._SAVE_MANY,
                [r.id for r in batch],
                [r.status.value for r in batch],
                [r.gift_id for r in batch],
                [r.exchanged_at for r in batch],
            )
