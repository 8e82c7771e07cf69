"""Copies of the read model in mypage's database, for a rebuild without downtime.

The read model is five tables in `public` (the pages and their entries, the gift names,
the pages waiting for a name, and the inbox that makes every event count once). A
rebuild fills a fresh copy of them in schema `mypage_rebuild` (same definitions, same
grants), while readers and the live consumer keep using `public`. The switch is one
transaction: it locks the live tables in the order every consumer batch locks them (so
it waits for the batch in flight, then holds the next one back), lets the caller apply
what arrived meanwhile to the copy, moves the live tables to `mypage_retired` and the
copy into `public`, and announces that every page changed. Statements prepared by the
running processes name the tables, not their ids: PostgreSQL plans them again against
the tables now in `public`. The retired copy is dropped afterwards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from questline.mypage.adapters.outbound.store import CHANNEL, EVERY_PAGE
from questline.service_kit.db import Connection, Database

LIVE = "public"
FRESH = "mypage_rebuild"
RETIRED = "mypage_retired"
# In the order a consumer batch locks them: inbox rows first, then names, then pages
# (whose entries it writes only with their page locked).
TABLES = ("inbox", "gift_names", "gift_name_waits", "customer_pages", "page_entries")
# A rebuilt copy's versions start this far above the live copy's highest: a page's
# version never repeats, even though live pages keep changing while the copy is built.
VERSION_GAP = 2**32
_REBUILD_LOCK = 7_270_701  # one rebuild at a time (a session-level advisory lock)


class RebuildRunning(Exception):
    """Another rebuild holds the lock."""


class LiveVersionsOvertook(Exception):
    """A live page changed more than VERSION_GAP times during the rebuild (never, in
    practice): switching would let a version repeat."""


@dataclass(frozen=True)
class CopyCounts:
    pages: int
    gift_names: int
    events: int  # distinct event ids the copy applied (its inbox)


class ReadModelCopies:
    def __init__(self, database: Database) -> None:
        self._db = database

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        """Held for a whole rebuild, on a connection of its own."""
        async with self._db.connection() as conn:
            if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", _REBUILD_LOCK):
                raise RebuildRunning("another rebuild of the read model is running")
            try:
                yield
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", _REBUILD_LOCK)

    async def prepare(self) -> int:
        """A fresh, empty copy (what an earlier, interrupted rebuild left is dropped);
        returns the version its claimed pages start from."""
        async with self._db.transaction() as conn:
            await conn.execute(f"DROP SCHEMA IF EXISTS {FRESH} CASCADE")
            await conn.execute(f"DROP SCHEMA IF EXISTS {RETIRED} CASCADE")
            await conn.execute(f"CREATE SCHEMA {FRESH}")
            for table in TABLES:
                await conn.execute(
                    f"CREATE TABLE {FRESH}.{table} (LIKE {LIVE}.{table} INCLUDING ALL)"
                )
                await _copy_grants(conn, table)
            highest: int = await conn.fetchval(
                f"SELECT coalesce(max(version), 0) FROM {LIVE}.customer_pages"
            )
        return highest + VERSION_GAP

    async def analyze(self) -> None:
        """Statistics for the copy before it serves: the planner knows its size."""
        async with self._db.connection() as conn:
            for table in TABLES:
                await conn.execute(f"ANALYZE {FRESH}.{table}")

    async def check_versions(self, first_version: int) -> None:
        highest = await self._highest_live_version()
        if highest >= first_version:
            raise LiveVersionsOvertook(f"live version {highest} reached {first_version}")

    async def _highest_live_version(self) -> int:
        async with self._db.connection() as conn:
            highest: int = await conn.fetchval(
                f"SELECT coalesce(max(version), 0) FROM {LIVE}.customer_pages"
            )
        return highest

    @asynccontextmanager
    async def switching(self, lock_timeout_s: float) -> AsyncIterator[None]:
        """Locks the live copy (waiting `lock_timeout_s` at most, else asyncpg's
        LockNotAvailableError), yields for the last events to be applied to the fresh
        copy, then puts it in the live copy's place, in one transaction."""
        async with self._db.transaction() as conn:
            await conn.execute(f"SET LOCAL lock_timeout = '{int(lock_timeout_s * 1000)}ms'")
            await conn.execute(
                "LOCK TABLE "
                + ", ".join(f"{LIVE}.{t}" for t in TABLES)
                + " IN ACCESS EXCLUSIVE MODE"
            )
            yield
            await conn.execute(f"CREATE SCHEMA {RETIRED}")
            for table in TABLES:
                await conn.execute(f"ALTER TABLE {LIVE}.{table} SET SCHEMA {RETIRED}")
                await conn.execute(f"ALTER TABLE {FRESH}.{table} SET SCHEMA {LIVE}")
            # Every process drops its cached pages and its streams read theirs again.
            await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, EVERY_PAGE)

    async def drop_retired(self) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(f"DROP SCHEMA IF EXISTS {RETIRED} CASCADE")
            await conn.execute(f"DROP SCHEMA IF EXISTS {FRESH} CASCADE")

    async def counts(self, schema: str = LIVE) -> CopyCounts:
        async with self._db.connection() as conn:
            row = await conn.fetchrow(
                f"SELECT (SELECT count(*) FROM {schema}.customer_pages),"
                f" (SELECT count(*) FROM {schema}.gift_names WHERE name IS NOT NULL),"
                f" (SELECT count(*) FROM {schema}.inbox)"
            )
        return CopyCounts(pages=row[0], gift_names=row[1], events=row[2])


async def _copy_grants(conn: Connection, table: str) -> None:
    """The live table's grants, on its fresh copy (LIKE copies no privileges)."""
    rows = await conn.fetch(
        "SELECT grantee, privilege_type FROM information_schema.table_privileges "
        "WHERE table_schema = $1 AND table_name = $2 AND grantee <> current_user",
        LIVE,
        table,
    )
    for grantee, privilege in rows:
        who = "PUBLIC" if grantee == "PUBLIC" else '"' + grantee.replace('"', '""') + '"'
        await conn.execute(f"GRANT {privilege} ON {FRESH}.{table} TO {who}")
