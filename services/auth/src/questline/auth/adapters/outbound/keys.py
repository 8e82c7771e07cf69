"""Signing keys: RS256 (the cheapest signature to verify, and every JWT library and
Envoy know it), made on first start, kept in the auth database, rotated on command.

A rotated-in key is published in the JWKS `publish_delay` before it signs, and a key
rotated out stays published until the last token it signed has expired."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

import orjson
from joserfc.jwk import KeySet, RSAKey, generate_key

from questline.auth.adapters.outbound.store import Store

ALGORITHM = "RS256"


def _new_key(now: datetime) -> RSAKey:
    kid = f"{now:%Y%m%d}-{secrets.token_hex(4)}"
    return generate_key("RSA", 2048, parameters={"kid": kid, "use": "sig", "alg": ALGORITHM})


class SigningKeys:
    def __init__(self, store: Store) -> None:
        self.store = store

    def _load(self, row: dict[str, Any]) -> RSAKey:
        data = row["private_jwk"]
        key = RSAKey.import_key(orjson.loads(data) if isinstance(data, str | bytes) else data)
        return key

    def ensure(self, now: datetime) -> None:
        """A key that can sign now; made on the first start."""
        with self.store.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(8086)")  # replicas start together
            row = conn.execute(
                "SELECT 1 FROM signing_keys WHERE signs_from <= %s "
                "AND (retired_at IS NULL OR retired_at > %s)",
                (now, now),
            ).fetchone()
            if row is None:
                key = _new_key(now)
                conn.execute(
                    "INSERT INTO signing_keys (kid, private_jwk, signs_from) VALUES (%s, %s, %s)",
                    (key.kid, orjson.dumps(key.as_dict(private=True)).decode(), now),
                )

    def signing_key(self, now: datetime) -> RSAKey:
        row = self.store.one(
            "SELECT private_jwk FROM signing_keys WHERE signs_from <= %s "
            "AND (retired_at IS NULL OR retired_at > %s) ORDER BY signs_from DESC LIMIT 1",
            now,
            now,
        )
        if row is None:
            raise RuntimeError("no signing key: start the auth service once to make one")
        return self._load(row)

    def signing_set(self, now: datetime) -> KeySet:
        """The signing key as a set: joserfc then writes its `kid` into the header."""
        return KeySet([self.signing_key(now)])

    def public_jwks(self, now: datetime) -> dict[str, Any]:
        rows = self.store.all(
            "SELECT private_jwk FROM signing_keys WHERE retired_at IS NULL OR retired_at > %s "
            "ORDER BY signs_from",
            now,
        )
        return {"keys": [self._load(r).as_dict(private=False) for r in rows]}

    def rotate(self, now: datetime, publish_delay: timedelta, token_ttl: timedelta) -> str:
        """A new key, published now and signing after `publish_delay`; the keys it
        replaces are retired once every token they signed has expired. Returns its kid."""
        key = _new_key(now)
        signs_from = now + publish_delay
        with self.store.pool.connection() as conn, conn.transaction():
            conn.execute(
                "UPDATE signing_keys SET retired_at = %s WHERE retired_at IS NULL",
                (signs_from + token_ttl,),
            )
            conn.execute(
                "INSERT INTO signing_keys (kid, private_jwk, signs_from) VALUES (%s, %s, %s)",
                (key.kid, orjson.dumps(key.as_dict(private=True)).decode(), signs_from),
            )
        return str(key.kid)
