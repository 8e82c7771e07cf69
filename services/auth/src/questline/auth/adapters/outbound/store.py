"""The auth database through psycopg's synchronous pool: Authlib's server calls its
storage synchronously, so the routes run it in worker threads (a cold path: sign-ins
and token requests, never the per-request path of the other services)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, cast

from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from questline.auth.domain.accounts import Account, Role
from questline.auth.domain.clients import Client


def libpq_url(url: str) -> str:
    """Our URLs name the asyncpg driver (postgresql+asyncpg://); libpq wants none."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Store:
    def __init__(self, database_url: str, size: int = 4) -> None:
        self.pool = ConnectionPool(
            libpq_url(database_url),
            min_size=1,
            max_size=size,
            open=False,
            # A connection is checked as it is taken: after a database restart the
            # pooled ones are dead, and a sign-in must not be the one to find out.
            check=ConnectionPool.check_connection,
            # While the database is down a request waits this long at most for a
            # connection, then answers 503 (PoolTimeout), not after psycopg's 30 s.
            timeout=5,
            kwargs={"autocommit": True, "row_factory": dict_row},
        )

    def open(self) -> None:
        self.pool.open()

    def close(self) -> None:
        self.pool.close()

    def ping(self) -> bool:
        try:
            with self.pool.connection(timeout=2) as conn:
                conn.execute("SELECT 1")
            return True
        except Exception:
            return False

    def one(self, sql: str, *args: Any) -> dict[str, Any] | None:
        with self.pool.connection() as conn:
            row = conn.execute(sql, args).fetchone()
            return cast(dict[str, Any] | None, row)

    def all(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        with self.pool.connection() as conn:
            return cast(list[dict[str, Any]], conn.execute(sql, args).fetchall())

    def run(self, sql: str, *args: Any) -> int:
        with self.pool.connection() as conn:
            return conn.execute(sql, args).rowcount


class SqlAccounts:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, username: str) -> Account | None:
        row = self.store.one(
            "SELECT username, role, password_hash, failed_logins, locked_until "
            "FROM accounts WHERE username = %s",
            username,
        )
        if row is None:
            return None
        return Account(
            username=row["username"],
            role=Role(row["role"]),
            password_hash=row["password_hash"],
            failed_logins=row["failed_logins"],
            locked_until=row["locked_until"],
        )

    def save(self, account: Account) -> None:
        self.store.run(
            "INSERT INTO accounts (username, role, password_hash, failed_logins, locked_until) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (username) DO UPDATE SET "
            "role = EXCLUDED.role, password_hash = EXCLUDED.password_hash, "
            "failed_logins = EXCLUDED.failed_logins, locked_until = EXCLUDED.locked_until",
            account.username,
            account.role.value,
            account.password_hash,
            account.failed_logins,
            account.locked_until,
        )


class SqlClients:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, client_id: str) -> Client | None:
        row = self.store.one(
            "SELECT client_id, secret_hash, grant_types, scopes, redirect_uris "
            "FROM clients WHERE client_id = %s",
            client_id,
        )
        if row is None:
            return None
        return Client(
            client_id=row["client_id"],
            secret_hash=row["secret_hash"],
            grant_types=tuple(row["grant_types"]),
            scopes=tuple(row["scopes"]),
            redirect_uris=tuple(row["redirect_uris"]),
        )

    def save(self, client: Client) -> None:
        self.store.run(
            "INSERT INTO clients (client_id, secret_hash, grant_types, scopes, redirect_uris) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (client_id) DO UPDATE SET "
            "secret_hash = EXCLUDED.secret_hash, grant_types = EXCLUDED.grant_types, "
            "scopes = EXCLUDED.scopes, redirect_uris = EXCLUDED.redirect_uris",
            client.client_id,
            client.secret_hash,
            list(client.grant_types),
            list(client.scopes),
            list(client.redirect_uris),
        )


class SqlGrants:
    """Authorisation codes and refresh tokens."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def save_code(self, row: dict[str, Any]) -> None:
        with self.store.pool.connection() as conn:
            conn.execute(
                "INSERT INTO authorization_codes (code, client_id, username, redirect_uri, "
                "scope, code_challenge, code_challenge_method, nonce, auth_time, expires_at) "
                "VALUES (%(code)s, %(client_id)s, %(username)s, %(redirect_uri)s, %(scope)s, "
                "%(code_challenge)s, %(code_challenge_method)s, %(nonce)s, %(auth_time)s, "
                "%(expires_at)s)",
                row,
            )

    def take_code(self, code: str, client_id: str, now: datetime) -> dict[str, Any] | None:
        """The code, once: whoever takes it first deletes it (a replay finds nothing)."""
        return self.store.one(
            "DELETE FROM authorization_codes WHERE code = %s AND client_id = %s "
            "RETURNING *, expires_at > %s AS fresh",
            code,
            client_id,
            now,
        )

    def save_refresh_token(
        self, token: str, client_id: str, username: str, scope: str, expires_at: datetime
    ) -> None:
        self.store.run(
            "INSERT INTO refresh_tokens (digest, client_id, username, scope, expires_at) "
            "VALUES (%s, %s, %s, %s, %s)",
            digest(token),
            client_id,
            username,
            scope,
            expires_at,
        )

    def refresh_token(self, token: str, now: datetime) -> dict[str, Any] | None:
        return self.store.one(
            "SELECT digest, client_id, username, scope, expires_at FROM refresh_tokens "
            "WHERE digest = %s AND revoked_at IS NULL AND expires_at > %s",
            digest(token),
            now,
        )

    def revoke_refresh_token(self, token_digest: str, now: datetime) -> bool:
        """True for the one caller that revoked it (a refresh token is spent once)."""
        return (
            self.store.run(
                "UPDATE refresh_tokens SET revoked_at = %s "
                "WHERE digest = %s AND revoked_at IS NULL",
                now,
                token_digest,
            )
            == 1
        )

    def purge(self, now: datetime) -> None:
        self.store.run("DELETE FROM authorization_codes WHERE expires_at < %s", now)
        self.store.run(
            "DELETE FROM refresh_tokens WHERE expires_at < %s OR revoked_at < %s - interval "
            "'1 day'",
            now,
            now,
        )
