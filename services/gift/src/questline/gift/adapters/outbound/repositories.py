"""SQL repositories: rows in and out of `Gift` and `Exchange`, as plain SQL on asyncpg
(each statement prepared once per connection). Batches are set-wise: one statement
per batch, however many rows."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from questline.gift.application.ports import GiftView
from questline.gift.domain.exchange import Exchange
from questline.gift.domain.gift import Gift
from questline.service_kit.db import Connection

_GIFT = "id, name, stock, created_at, stocked_total"
_EXCHANGE = "id, reward_id, customer_id, gift_id, stock_left, exchanged_at"


def _gift(row: Any) -> Gift:
    return Gift(row["id"], row["name"], row["stock"], row["created_at"], row["stocked_total"])


def _view(row: Any) -> GiftView:
    return GiftView(_gift(row), row["exchanged_count"])


def _exchange(row: Any) -> Exchange:
    return Exchange(
        row["id"],
        row["reward_id"],
        row["customer_id"],
        row["gift_id"],
        row["stock_left"],
        row["exchanged_at"],
    )


def view_json(view: GiftView) -> dict[str, Any]:
    """A catalogue command's answer as its idempotency key keeps it."""
    g = view.gift
    return {
        "id": g.id,
        "name": g.name,
        "stock": g.stock,
        "createdAt": g.created_at.isoformat(),
        "stockedTotal": g.stocked_total,
        "exchangedCount": view.exchanged_count,
    }


def view_from_json(data: dict[str, Any]) -> GiftView:
    created_at = datetime.fromisoformat(data["createdAt"])
    gift = Gift(data["id"], data["name"], data["stock"], created_at, data["stockedTotal"])
    return GiftView(gift, data["exchangedCount"])


class SqlGiftRepository:
    _GET = f"SELECT {_GIFT} FROM gifts WHERE id = $1"
    _GET_LOCKED = _GET + " FOR UPDATE"
    _GET_MANY = f"SELECT {_GIFT} FROM gifts WHERE id = ANY($1::text[])"
    # One lock order for every batch: two batches never wait on each other in a circle.
    _GET_MANY_LOCKED = _GET_MANY + " ORDER BY id FOR UPDATE"
    # Counted in the same statement as the gift row, so both come from one snapshot even
    # while exchanges commit around the read.
    _VIEWS = (
        f"SELECT {_GIFT}, (SELECT count(*) FROM exchanges x WHERE x.gift_id = gifts.id) "
        "AS exchanged_count FROM gifts"
    )
    _VIEW = _VIEWS + " WHERE id = $1"
    _ALL_VIEWS = _VIEWS + " ORDER BY name, id"
    _ADD = (
        "INSERT INTO gifts (id, name, stock, stocked_total, created_at) VALUES ($1, $2, $3, $4, $5)"
    )
    _SAVE_STOCKS = (
        "UPDATE gifts SET stock = s.stock, stocked_total = s.stocked_total "
        "FROM unnest($1::text[], $2::int[], $3::bigint[]) AS s(id, stock, stocked_total) "
        "WHERE gifts.id = s.id"
    )

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def get(self, gift_id: str, *, for_update: bool = False) -> Gift | None:
        row = await self._conn.fetchrow(self._GET_LOCKED if for_update else self._GET, gift_id)
        return _gift(row) if row else None

    async def get_many(
        self, gift_ids: Collection[str], *, for_update: bool = False
    ) -> Mapping[str, Gift]:
        sql = self._GET_MANY_LOCKED if for_update else self._GET_MANY
        return {r["id"]: _gift(r) for r in await self._conn.fetch(sql, list(gift_ids))}

    async def view(self, gift_id: str) -> GiftView | None:
        row = await self._conn.fetchrow(self._VIEW, gift_id)
        return _view(row) if row else None

    async def views(self) -> Sequence[GiftView]:
        return [_view(r) for r in await self._conn.fetch(self._ALL_VIEWS)]

    async def add(self, gift: Gift) -> None:
        await self._conn.execute(
            self._ADD, gift.id, gift.name, gift.stock, gift.stocked_total, gift.created_at
        )

    async def save_stocks(self, gifts: Collection[Gift]) -> None:
        await self._conn.execute(
            self._SAVE_STOCKS,
            [g.id for g in gifts],
            [g.stock for g in gifts],
            [g.stocked_total for g in gifts],
        )


class SqlExchangeRepository:
    # A row lock cannot lock a row that does not exist yet: a lock on each reward id
    # itself, held until commit, makes a concurrent exchange of the same reward wait
    # here and then read this one's record. Taken in the order of their keys, so two
    # batches never wait on each other in a circle; two rewards whose ids share a hash
    # merely queue behind each other.
    _LOCK_REWARDS = (
        "SELECT pg_advisory_xact_lock(key) FROM "
        "(SELECT DISTINCT hashtext(r) AS key FROM unnest($1::text[]) AS r ORDER BY key) keys"
    )
    # A statement of its own after the locks: its snapshot sees what their holders wrote.
    _FOR_REWARDS = f"SELECT {_EXCHANGE} FROM exchanges WHERE reward_id = ANY($1::text[])"
    _GET = f"SELECT {_EXCHANGE} FROM exchanges WHERE id = $1"
    _FIND_WHERE = f"SELECT {_EXCHANGE} FROM exchanges WHERE "
    _NEWEST_FIRST = " ORDER BY exchanged_at DESC, id DESC LIMIT "
    # One statement per filter, so each plan uses its own index.
    _FIND = {
        (True, False): _FIND_WHERE + "customer_id = $1" + _NEWEST_FIRST + "$2",
        (False, True): _FIND_WHERE + "reward_id = $1" + _NEWEST_FIRST + "$2",
        (True, True): _FIND_WHERE + "customer_id = $1 AND reward_id = $2" + _NEWEST_FIRST + "$3",
    }
    _ADD_MANY = (
        f"INSERT INTO exchanges ({_EXCHANGE}) SELECT * FROM "
        "unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::timestamptz[])"
    )

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def for_rewards(
        self, reward_ids: Collection[str], *, for_update: bool = False
    ) -> Mapping[str, Exchange]:
        ids = list(reward_ids)
        if for_update:
            await self._conn.execute(self._LOCK_REWARDS, ids)
        rows = await self._conn.fetch(self._FOR_REWARDS, ids)
        return {r["reward_id"]: _exchange(r) for r in rows}

    async def get(self, exchange_id: str) -> Exchange | None:
        row = await self._conn.fetchrow(self._GET, exchange_id)
        return _exchange(row) if row else None

    async def find(
        self, *, customer_id: str | None, reward_id: str | None, limit: int
    ) -> Sequence[Exchange]:
        sql = self._FIND[(customer_id is not None, reward_id is not None)]
        args = [a for a in (customer_id, reward_id) if a is not None]
        return [_exchange(r) for r in await self._conn.fetch(sql, *args, limit)]

    async def add_many(self, exchanges: Sequence[Exchange]) -> None:
        await self._conn.execute(
            self._ADD_MANY,
            [x.id for x in exchanges],
            [x.reward_id for x in exchanges],
            [x.customer_id for x in exchanges],
            [x.gift_id for x in exchanges],
            [x.stock_left for x in exchanges],
            [x.exchanged_at for x in exchanges],
        )
