"""Postgres store of My Page documents: whole documents in, whole documents out."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from questline.mypage.adapters.outbound.tables import customer_pages as t
from questline.mypage.domain.view import MyPage

_upsert = insert(t)
_upsert = _upsert.on_conflict_do_update(
    index_elements=[t.c.customer_id],
    set_={
        "document": _upsert.excluded.document,
        "version": t.c.version + 1,
        "updated_at": _upsert.excluded.updated_at,
    },
)


# Prepared once, run as executemany: the compiled form is cached whatever the batch size.
_claim = insert(t).values(updated_at=func.now()).on_conflict_do_nothing()


_read = select(t.c.document, t.c.updated_at).where(t.c.customer_id == bindparam("customer_id"))


class SqlMyPageStore:
    """Bound to the consumer's transaction for writes; reads use the engine."""

    def __init__(self, conn: AsyncConnection | None = None, engine: AsyncEngine | None = None):
        self._conn = conn
        # A read is one statement: autocommit spares the BEGIN and ROLLBACK round trips.
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT") if engine else None

    async def load(self, customer_ids: Collection[str]) -> Mapping[str, MyPage]:
        assert self._conn is not None
        ids = sorted(customer_ids)  # one lock order for every batch: no deadlocks
        # FOR UPDATE locks only rows that exist: claim a row for a new customer first, so
        # two replicas folding a new customer's first events queue instead of overwriting.
        await self._conn.execute(
            _claim,
            [{"customer_id": c, "document": {}, "version": 0} for c in ids],
        )
        rows = await self._conn.execute(
            select(t.c.customer_id, t.c.document, t.c.updated_at, t.c.version)
            .where(t.c.customer_id.in_(ids))
            .order_by(t.c.customer_id)
            .with_for_update()
        )
        return {  # version 0 is the claim just made: no page yet, no time of change
            r.customer_id: MyPage.from_document(
                r.customer_id, r.document, r.updated_at if r.version else None
            )
            for r in rows
        }

    async def save(self, pages: Collection[MyPage]) -> None:
        assert self._conn is not None
        await self._conn.execute(
            _upsert,
            [
                {
                    "customer_id": p.customer_id,
                    "document": p.to_document(),
                    "version": 1,
                    "updated_at": p.updated_at,
                }
                for p in pages
            ],
        )

    async def get(self, customer_id: str) -> MyPage | None:
        assert self._engine is not None
        async with self._engine.connect() as conn:
            row = (await conn.execute(_read, {"customer_id": customer_id})).first()
        return MyPage.from_document(customer_id, row.document, row.updated_at) if row else None
