"""What a retry can cure, and what it cannot."""

from __future__ import annotations

import asyncpg
from asyncpg.exceptions._base import DataError  # client-side: a value it cannot encode
from sqlalchemy import exc

from questline.service_kit.db import is_transient


def test_a_lost_connection_is_transient():
    assert is_transient(exc.OperationalError("select 1", {}, ConnectionError("gone")))
    assert is_transient(ConnectionRefusedError())


def test_a_value_the_driver_cannot_encode_is_not_transient():
    assert not is_transient(exc.InterfaceError("insert", {}, DataError("out of range")))
    cause = ValueError("value out of int32 range")
    orig = Exception("invalid input")
    orig.__cause__ = cause
    assert not is_transient(exc.InterfaceError("insert", {}, orig))


def test_a_bug_is_not_transient():
    assert not is_transient(KeyError("missing"))


# The runtime path: asyncpg's own errors, as the adapters meet them.


def test_asyncpg_errors_a_retry_can_cure_are_transient():
    assert is_transient(asyncpg.SerializationError("could not serialize access"))
    assert is_transient(asyncpg.DeadlockDetectedError("deadlock detected"))
    assert is_transient(asyncpg.AdminShutdownError("terminating connection"))
    assert is_transient(asyncpg.ConnectionDoesNotExistError("connection was closed"))
    assert is_transient(asyncpg.CannotConnectNowError("the database system is starting up"))
    assert is_transient(asyncpg.TooManyConnectionsError("too many clients already"))
    assert is_transient(asyncpg.InterfaceError("connection is closed"))


def test_asyncpg_errors_of_the_request_itself_are_not_transient():
    assert not is_transient(DataError("invalid input for query argument $1"))
    assert not is_transient(asyncpg.NumericValueOutOfRangeError("integer out of range"))
    assert not is_transient(asyncpg.UniqueViolationError("duplicate key value"))


# The auth service's driver: psycopg, and its pool.


def test_psycopg_errors_of_a_lost_or_restarting_server_are_transient():
    import psycopg
    from psycopg_pool import PoolTimeout

    assert is_transient(psycopg.errors.AdminShutdown("terminating connection"))
    assert is_transient(psycopg.OperationalError("connection failed: No such file"))
    assert is_transient(PoolTimeout("couldn't get a connection after 30 sec"))


def test_psycopg_errors_of_the_request_itself_are_not_transient():
    import psycopg

    assert not is_transient(psycopg.errors.UniqueViolation("duplicate key value"))
    assert not is_transient(psycopg.errors.NumericValueOutOfRange("integer out of range"))
