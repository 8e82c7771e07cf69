"""The bare baseline of My Page reads: the same row of the same database, served by the
plainest FastAPI + asyncpg app on uvicorn (its defaults, one process, no access log).
Kept fixed on purpose: the ratio of mypage's reads/s to this one's says what the service
adds on top of one keyed SELECT. The password comes through PGPASSWORD, not argv.

python -m bench.baseline_reads --dsn postgresql://user@/db?host=/socket --port 9000"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import uvicorn
from fastapi import FastAPI, Response

QUERY = "SELECT document, updated_at FROM customer_pages WHERE customer_id = $1"


def app(dsn: str) -> FastAPI:
    pools: list[asyncpg.Pool] = []

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        pools.append(await asyncpg.create_pool(dsn))
        yield
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
