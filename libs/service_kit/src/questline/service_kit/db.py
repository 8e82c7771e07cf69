"""Database plumbing: one asyncpg pool per process, and telling transient failures
from bugs. Hot paths speak SQL to asyncpg directly (prepared statements, cached per
connection); SQLAlchemy stays for table definitions and Alembic migrations only."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson

# asyncpg's connection (or a pool's proxy of one): the type the adapters are written to.
from asyncpg import Connection as Connection


def asyncpg_dsn(url: str) -> str:
    """asyncpg wants `postgresql://`; settings carry SQLAlchemy's `postgresql+asyncpg://`."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _init_connection(conn: Any) -> None:
    # jsonb in binary form: a version byte, then the JSON text, encoded by orjson.
    await conn.set_type_codec(
        "jsonb",
        schema="pg_catalog",
        encoder=lambda value: b"\x01" + orjson.dumps(value),
        decoder=lambda data: orjson.loads(data[1:]),
        format="binary",
    )


async def _reset_connection(conn: Any) -> None:
    # asyncpg's default reset costs a round trip on every release (advisory unlock,
    # CLOSE ALL, UNLISTEN, RESET ALL). Our sessions keep no such state: locks are
    # transaction-scoped, settings SET LOCAL, listeners removed by their owner. Only an
    # interrupted transaction needs undoing.
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


class Database:
    """An asyncpg pool, created on first use: nothing connects at build time."""

    def __init__(
        self, url: str, pool_size: int = 10, server_settings: dict[str, str] | None = None
    ) -> None:
        self._dsn = asyncpg_dsn(url)
        self._size = pool_size
        # Session settings of every connection (e.g. a search_path naming another schema).
        self._server_settings = server_settings
        self._pool: Any = None
        self._creating = asyncio.Lock()

    async def pool(self) -> Any:
        if self._pool is None:
            async with self._creating:
                if self._pool is None:
                    self._pool = await asyncpg.create_pool(
                        self._dsn,
                        min_size=1,
                        max_size=self._size,
                        init=_init_connection,
                        reset=_reset_connection,
                        server_settings=self._server_settings,
                        # Idle connections are closed after a while, so a restarted
                        # database is met by fresh connections.
                        max_inactive_connection_lifetime=300,
                    )
        return self._pool

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """A connection inside one transaction: committed on success, else rolled back."""
        pool = await self.pool()
        async with pool.acquire() as conn, conn.transaction():
            yield conn

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        """A connection in autocommit: for single-statement reads (no BEGIN/ROLLBACK)."""
        pool = await self.pool()
        async with pool.acquire() as conn:
            yield conn

    async def ping(self, timeout: float = 2.0) -> bool:
        try:
            async with asyncio.timeout(timeout), self.connection() as conn:
                await conn.fetchval("SELECT 1")
            return True
        except Exception:
            return False

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            try:
                await asyncio.wait_for(pool.close(), 5)
            except (TimeoutError, OSError):
                pool.terminate()


# SQLSTATE classes that a retry can cure: serialization failure, deadlock, connection
# exceptions, insufficient resources, operator intervention (e.g. admin shutdown).
_TRANSIENT_SQLSTATE_PREFIXES = ("40001", "40P01", "08", "53", "57")
# asyncpg's client-side errors (e.g. "connection is closed"), which derive neither from
# OSError nor carry a SQLSTATE. Its connection errors that do (ConnectionDoesNotExist,
# CannotConnectNow, TooManyConnections, ...) are PostgresErrors, judged by SQLSTATE.
# psycopg (the auth service's driver) names a lost server OperationalError, and its pool
# a wait for a connection PoolTimeout.
_TRANSIENT_NAMES = {"InterfaceError", "InternalClientError", "OperationalError", "PoolTimeout"}


def is_transient(error: BaseException) -> bool:
    """True when retrying later can succeed (database down, deadlock, timeout)."""
    if isinstance(error, (OSError, ConnectionError, TimeoutError, asyncio.TimeoutError)):
        return True
    # A value the driver cannot encode (asyncpg's client-side DataError derives from its
    # InterfaceError) or a SQLSTATE 22 from the server: a bad value, never cured by a retry.
    if type(error).__name__ == "DataError" or isinstance(error, (ValueError, OverflowError)):
        return False
    if isinstance(error, asyncpg.PostgresError):
        code = getattr(error, "sqlstate", None)
        return isinstance(code, str) and code.startswith(_TRANSIENT_SQLSTATE_PREFIXES)
    exc = sys.modules.get("sqlalchemy.exc")  # only if loaded: the runtime path never is
    if exc is not None and isinstance(error, exc.DBAPIError):  # judge the driver's error
        if error.connection_invalidated:
            return True
        orig = error.orig
        if type(orig).__name__ == "DataError" or isinstance(
            getattr(orig, "__cause__", None), (ValueError, OverflowError)
        ):
            return False
        if isinstance(error, (exc.OperationalError, exc.InterfaceError)):
            return True
        return is_transient(orig) if orig is not None else False
    if exc is not None and isinstance(error, exc.TimeoutError):
        return True
    code = getattr(error, "sqlstate", None)  # psycopg's errors carry one too
    if isinstance(code, str):
        return code.startswith(_TRANSIENT_SQLSTATE_PREFIXES)
    if type(error).__name__ in _TRANSIENT_NAMES:
        return True
    cause = error.__cause__
    if cause is not None and cause is not error:
        return is_transient(cause)
    return False
