"""Database plumbing: engines, readiness, and telling transient failures from bugs."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def create_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        # No pre-ping: it costs a round trip per checkout; a dead connection surfaces as a
        # transient error, which callers already retry.
        pool_pre_ping=False,
        pool_recycle=1800,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
    )


async def ping(engine: AsyncEngine, timeout: float = 2.0) -> bool:
    try:
        async with asyncio.timeout(timeout):
            async with engine.connect() as conn:
                await conn.execute(text("select 1"))
        return True
    except Exception:
        return False


# SQLSTATE classes that a retry can cure: serialization failure, deadlock, connection
# exceptions, insufficient resources, operator intervention (e.g. admin shutdown).
_TRANSIENT_SQLSTATE_PREFIXES = ("40001", "40P01", "08", "53", "57")


def is_transient(error: BaseException) -> bool:
    """True when retrying later can succeed (database down, deadlock, timeout)."""
    if isinstance(error, (OSError, ConnectionError, TimeoutError, asyncio.TimeoutError)):
        return True
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated:
            return True
        orig = error.orig
        # asyncpg's DataError (a value the driver cannot encode) derives from its
        # InterfaceError: a bad value, never cured by a retry.
        if type(orig).__name__ == "DataError" or isinstance(
            getattr(orig, "__cause__", None), (ValueError, OverflowError)
        ):
            return False
        if isinstance(error, (exc.OperationalError, exc.InterfaceError)):
            return True
        code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
        if isinstance(code, str) and code.startswith(_TRANSIENT_SQLSTATE_PREFIXES):
            return True
        return is_transient(error.orig) if error.orig is not None else False
    if isinstance(error, exc.TimeoutError):  # pool exhausted
        return True
    cause = error.__cause__
    if cause is not None and cause is not error:
        return is_transient(cause)
    name = type(error).__name__
    # asyncpg's connection errors do not derive from OSError.
    return name in {
        "ConnectionDoesNotExistError",
        "CannotConnectNowError",
        "ConnectionFailureError",
        "InterfaceError",
        "TooManyConnectionsError",
    }
