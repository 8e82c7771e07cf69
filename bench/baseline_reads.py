"""The bare baseline of My Page reads: the same page of the same database as one stored
JSON document, read by key, served by the plainest FastAPI + asyncpg app on uvicorn (its
defaults, one process, no access log). Kept fixed on purpose: the ratio of mypage's
reads/s to this one's says what the service adds on top of one keyed SELECT.

mypage keeps a page as a row and its entries (a row each); the baseline reads what it
always read, one document row by key: at start it gathers every page into such a row in
a table of its own (`bench_baseline_pages`, dropped when it stops). The password comes
through PGPASSWORD, not argv.

python -m bench.baseline_reads --dsn postgresql://user@/db?host=/socket --port 9000"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import uvicorn
from fastapi import FastAPI, Response

TABLE = "bench_baseline_pages"
_SECTIONS = ", ".join(
    f"'{s}', coalesce(jsonb_object_agg(e.entry_id, e.entry) "
    f"FILTER (WHERE e.section = '{s}'), '{{}}'::jsonb)"
    for s in ("missions", "rewards", "wallet")
)
GATHER = (
    f"CREATE TABLE {TABLE} AS SELECT p.customer_id, jsonb_build_object({_SECTIONS}) AS document,"
    " p.updated_at FROM customer_pages p LEFT JOIN page_entries e USING (customer_id)"
    " GROUP BY p.customer_id, p.updated_at"
)
QUERY = f"SELECT document, updated_at FROM {TABLE} WHERE customer_id = $1"


async def gather_pages(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
        await conn.execute(GATHER)
        await conn.execute(f"ALTER TABLE {TABLE} ADD PRIMARY KEY (customer_id)")
        await conn.execute(f"ANALYZE {TABLE}")


def app(dsn: str) -> FastAPI:
    pools: list[asyncpg.Pool] = []

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        pools.append(await asyncpg.create_pool(dsn))
        await gather_pages(pools[0])
        yield
        await pools[0].execute(f"DROP TABLE IF EXISTS {TABLE}")
        await pools[0].close()

    api = FastAPI(lifespan=lifespan)

    @api.get("/mypage/{customer_id}")
    async def page(customer_id: str) -> Response:
        row = await pools[0].fetchrow(QUERY, customer_id)
        if row is None:
            return Response(status_code=404)
        return Response(row["document"], media_type="application/json")  # jsonb as text

    return api


if __name__ == "__main__":
    args = argparse.ArgumentParser()
    args.add_argument("--dsn", required=True)
    args.add_argument("--port", type=int, required=True)
    given = args.parse_args()
    uvicorn.run(app(given.dsn), host="127.0.0.1", port=given.port, access_log=False)
