"""SQL repository for wallet entries: plain SQL on asyncpg, which prepares each statement
once per connection and caches it."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from asyncpg import Record

from questline.service_kit.db import Connection
from questline.wallet.domain.wallet import EntryStatus, WalletReward

_COLUMNS = (
    "reward_id, customer_id, mission_id, points, deposited_at, status, "
    "gift_id, exchange_id, exchanged_at"
)


def _entry(row: Record) -> WalletReward:
    return WalletReward(
        row["reward_id"],
        row["customer_id"],
        row["mission_id"],
        row["points"],
        row["deposited_at"],
        EntryStatus(row["status"]),
        row["gift_id"],
        row["exchange_id"],
        row["exchanged_at"],
    )


class SqlWalletRepository:
    # One statement for the whole batch. The reward id keys the entry, so a reward is
    # deposited once; RETURNING names the rewards deposited now.
    _ADD_MANY = (
        "INSERT INTO wallet_rewards "
        "(reward_id, customer_id, mission_id, points, status, deposited_at) "
        "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], "
        "$6::timestamptz[]) "
        "ON CONFLICT (reward_id) DO NOTHING RETURNING reward_id"
    )
    _GET = f"SELECT {_COLUMNS} FROM wallet_rewards WHERE reward_id = $1"
    # Sorted before the lock is taken: rows are locked in reward id order.
    _LOCK_MANY = (
        f"SELECT {_COLUMNS} FROM wallet_rewards WHERE reward_id = ANY($1::text[]) "
        "ORDER BY reward_id FOR UPDATE"
    )
    _FOR_CUSTOMER = (
        f"SELECT {_COLUMNS} FROM wallet_rewards WHERE customer_id = $1 "
        "ORDER BY deposited_at DESC, reward_id"
    )
    _SAVE_MANY = (
        "UPDATE wallet_rewards AS w SET status = s.status, gift_id = s.gift_id, "
        "exchange_id = s.exchange_id, exchanged_at = s.exchanged_at "
        "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) "
        "AS s(reward_id, status, gift_id, exchange_id, exchanged_at) "
        "WHERE w.reward_id = s.reward_id"
    )

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add_many(self, entries: Sequence[WalletReward]) -> set[str]:
        if not entries:
            return set()
        # In reward id order: two batches racing on the same rewards wait for each other
        # in one order, never in a cycle.
        entries = sorted(entries, key=lambda e: e.reward_id)
        rows = await self._conn.fetch(
            self._ADD_MANY,
            [e.reward_id for e in entries],
            [e.customer_id for e in entries],
            [e.mission_id for e in entries],
            [e.points for e in entries],
            [e.status.value for e in entries],
            [e.deposited_at for e in entries],
        )
        return {row[0] for row in rows}

    async def get(self, reward_id: str) -> WalletReward | None:
        row = await self._conn.fetchrow(self._GET, reward_id)
        return _entry(row) if row is not None else None

    async def lock_many(self, reward_ids: Collection[str]) -> dict[str, WalletReward]:
        rows = await self._conn.fetch(self._LOCK_MANY, list(reward_ids))
        return {row["reward_id"]: _entry(row) for row in rows}

    async def for_customer(self, customer_id: str) -> Sequence[WalletReward]:
        return [_entry(r) for r in await self._conn.fetch(self._FOR_CUSTOMER, customer_id)]

    async def save_many(self, entries: Sequence[WalletReward]) -> None:
        if not entries:
            return
        entries = sorted(entries, key=lambda e: e.reward_id)
        await self._conn.execute(
            self._SAVE_MANY,
            [e.reward_id for e in entries],
            [e.status.value for e in entries],
            [e.gift_id for e in entries],
            [e.exchange_id for e in entries],
            [e.exchanged_at for e in entries],
        )
