"""Postgres store of My Page documents: whole documents in, whole documents out.

Plain SQL on asyncpg, which prepares each statement once per connection and caches it;
jsonb travels as dicts (service_kit's codec)."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from asyncpg import Record

from questline.mypage.domain.view import MyPage
from questline.service_kit.db import Connection, Database
from questline.service_kit.notices import notify

CHANNEL = "mypage_pages"


def _page(row: Record) -> MyPage:
    # Version 0 is a claim made in this transaction: no page yet, no time of change.
    return MyPage.from_document(
        row["customer_id"], row["document"], row["updated_at"] if row["version"] else None
    )


class SqlMyPageStore:
    """The projection's side, bound to the consumer batch's transaction."""

    # FOR UPDATE locks only rows that exist: a new customer's row is claimed first, so two
    # replicas folding that customer's first events queue instead of overwriting. Claims
    # are inserted in customer order, as the rows are then locked: no deadlocks.
    _CLAIM = (
        "INSERT INTO customer_pages (customer_id, document, version, updated_at) "
        "SELECT c, '{}'::jsonb, 0, now() FROM unnest($1::text[]) AS c ORDER BY c "
        "ON CONFLICT DO NOTHING"
    )
    _LOCK = (
        "SELECT customer_id, document, updated_at, version FROM customer_pages "
        "WHERE customer_id = ANY($1::text[]) ORDER BY customer_id FOR UPDATE"
    )
    # Bumped on every change: lets a client (or a push channel) tell what is new.
    _SAVE = (
        "INSERT INTO customer_pages AS p (customer_id, document, version, updated_at) "
        "SELECT c, d, 1, u FROM unnest($1::text[], $2::jsonb[], $3::timestamptz[]) AS n(c, d, u) "
        "ON CONFLICT (customer_id) DO UPDATE SET document = excluded.document, "
        "version = p.version + 1, updated_at = excluded.updated_at"
    )

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def load(self, customer_ids: Collection[str]) -> Mapping[str, MyPage]:
        ids = list(customer_ids)
        await self._conn.execute(self._CLAIM, ids)
        return {row["customer_id"]: _page(row) for row in await self._conn.fetch(self._LOCK, ids)}

    async def save(self, pages: Collection[MyPage]) -> None:
        if not pages:
            return
        ids = [p.customer_id for p in pages]
        await self._conn.execute(
            self._SAVE, ids, [p.to_document() for p in pages], [p.updated_at for p in pages]
        )
        # Heard by every mypage process once committed: their read caches drop these.
        await notify(self._conn, CHANNEL, ids)


class SqlMyPageReader:
    """The query side: one prepared SELECT in autocommit (no BEGIN/ROLLBACK round trips)."""

    _GET = "SELECT document, updated_at FROM customer_pages WHERE customer_id = $1"

    def __init__(self, database: Database) -> None:
        self._db = database

    async def get(self, customer_id: str) -> MyPage | None:
        async with self._db.connection() as conn:
            row = await conn.fetchrow(self._GET, customer_id)
        return MyPage.from_document(customer_id, row[0], row[1]) if row is not None else None
