"""What a retry can cure, and what it cannot."""

from __future__ import annotations

from sqlalchemy import exc

from questline.service_kit.db import is_transient


class DataError(Exception):
    """Stands for asyncpg's client-side DataError (a value it cannot encode)."""


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
