"""Where the service databases are, and reading them with plain SQL: one read-only,
repeatable-read transaction per database (a consistent view of each one), signed in as
the read-only audit role, never as a service's own role.

The audit knows the services' tables by their SQL names only and imports none of their
code: it is a second, independent reading of what they stored.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
from psycopg.conninfo import conninfo_to_dict

from questline.audit.rows import (
    Achievement,
    ExchangeRecord,
    Gift,
    Page,
    Reward,
    Snapshot,
    WalletEntry,
)

AUDITED = ("mission", "reward", "wallet", "gift", "mypage")
# The role the devstack creates (questline.devstack.stack.Stack.ensure_audit_role).
AUDIT_ROLE = "questline_audit"
_FETCH = 5000  # rows per round trip of a server-side cursor: memory stays flat


class Unreachable(Exception):
    """A service database could not be reached or read: nothing can be said about it."""


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get("QUESTLINE_DATA_DIR", ".data"))


def database_urls(
    data: Path | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Per audited service: QUESTLINE_AUDIT_<SERVICE>_DATABASE_URL if set (a real
    deployment), else the embedded PostgreSQL of `make run` in the data dir
    (QUESTLINE_DATA_DIR, default ./.data) with the audit role's password from its
    secrets.json."""
    env = os.environ if environ is None else environ
    urls = {s: env.get(f"QUESTLINE_AUDIT_{s.upper()}_DATABASE_URL", "") for s in AUDITED}
    if all(urls.values()):
        return urls
    data = data or data_dir(env)
    password = quote(_audit_password(data), safe="")
    socket = quote(str((data / "postgres").resolve()), safe="/")
    return {
        s: url or f"postgresql://{AUDIT_ROLE}:{password}@/{s}?host={socket}"
        for s, url in urls.items()
    }


def where(url: str) -> str:
    """A database's address for a report: never its password."""
    info = conninfo_to_dict(_libpq(url))
    host = info.get("host", "localhost")
    return f"{info.get('dbname')} as {info.get('user')} on {host}:{info.get('port', 5432)}"


def read_snapshot(urls: Mapping[str, str], customer: str | None = None) -> Snapshot:
    # A customer's audit leaves out the gifts: every customer shares them.
    snapshot = Snapshot(gifts=None if customer else [])
    for service, read in _READERS.items():
        try:
            with _read_only(urls[service]) as conn:
                read(conn, snapshot, customer)
        except psycopg.Error as error:
            raise Unreachable(f"{service} ({where(urls[service])}): {error}".strip()) from error
    return snapshot


def _read_mission(conn: psycopg.Connection[Any], s: Snapshot, customer: str | None) -> None:
    rows = _rows(conn, "SELECT id, customer_id, reward_id FROM achievements", customer)
    s.achievements = [Achievement(*row) for row in rows]


def _read_reward(conn: psycopg.Connection[Any], s: Snapshot, customer: str | None) -> None:
    query = "SELECT id, mission_id, customer_id, status, gift_id FROM rewards"
    s.rewards = [Reward(*row) for row in _rows(conn, query, customer)]


def _read_wallet(conn: psycopg.Connection[Any], s: Snapshot, customer: str | None) -> None:
    query = "SELECT reward_id, customer_id, status, gift_id, exchange_id FROM wallet_rewards"
    s.wallet = [WalletEntry(*row) for row in _rows(conn, query, customer)]


def _read_gift(conn: psycopg.Connection[Any], s: Snapshot, customer: str | None) -> None:
    # Both tables in one snapshot: stock and exchanges move together in gift's transactions.
    query = "SELECT id, reward_id, customer_id, gift_id FROM exchanges"
    s.exchanges = [ExchangeRecord(*row) for row in _rows(conn, query, customer)]
    if s.gifts is not None:
        query = "SELECT id, stock, stocked_total FROM gifts"
        s.gifts = [Gift(*row) for row in _rows(conn, query, None)]


def _read_mypage(conn: psycopg.Connection[Any], s: Snapshot, customer: str | None) -> None:
    # A page is its entries, a row each: gathered back into one document per customer.
    query = "SELECT customer_id, section, entry_id, entry FROM page_entries"
    documents: dict[str, dict[str, dict[str, Any]]] = {}
    for customer_id, section, entry_id, entry in _rows(conn, query, customer):
        documents.setdefault(customer_id, {}).setdefault(section, {})[entry_id] = entry
    s.pages = [Page.from_document(c, document) for c, document in documents.items()]


_READERS: dict[str, Callable[[psycopg.Connection[Any], Snapshot, str | None], None]] = {
    "mission": _read_mission,
    "reward": _read_reward,
    "wallet": _read_wallet,
    "gift": _read_gift,
    "mypage": _read_mypage,
}


def _read_only(url: str) -> psycopg.Connection[Any]:
    conn = psycopg.connect(_libpq(url), connect_timeout=10, application_name="questline-audit")
    conn.read_only = True  # the role can write nothing anyway; this says so twice
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    return conn


def _rows(
    conn: psycopg.Connection[Any], query: str, customer: str | None
) -> Iterator[tuple[Any, ...]]:
    """Streams the rows through a server-side cursor, one customer's if asked."""
    with conn.cursor(name="audit") as cursor:
        cursor.itersize = _FETCH
        if customer is None:
            cursor.execute(query)
        else:
            cursor.execute(query + " WHERE customer_id = %s", (customer,))
        yield from cursor


def _libpq(url: str) -> str:
    """psycopg takes libpq URLs: drop a SQLAlchemy driver (postgresql+asyncpg://)."""
    return re.sub(r"^postgres(?:ql)?\+\w+://", "postgresql://", url)


def _audit_password(data: Path) -> str:
    path = data / "secrets.json"
    hint = (
        "start the system with `make run` (it creates the audit role), or set "
        "QUESTLINE_AUDIT_<SERVICE>_DATABASE_URL for each of " + ", ".join(AUDITED)
    )
    try:
        known = json.loads(path.read_text())
    except FileNotFoundError:
        raise Unreachable(f"no {path}: {hint}") from None
    if AUDIT_ROLE not in known:
        raise Unreachable(f"{path} has no password for {AUDIT_ROLE}: {hint}")
    return str(known[AUDIT_ROLE])
