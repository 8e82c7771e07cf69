"""The `Idempotency-Key` header of commands, and the table that keeps each key with the
request it came with and the answer it got, in the service's own database.

A command claims its key first, in its own transaction: a concurrent request with the
same key waits on the key's row until the first commits (then reads its answer) or
rolls back (then claims the key itself). So one key has one effect, however many
retries race, and a refused command leaves its key free."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Header, Request
from fastapi.exceptions import RequestValidationError

from questline.service_kit.db import Connection
from questline.service_kit.problems import Problem

MAX_KEY_LENGTH = 200
HEADER = "Idempotency-Key"
DESCRIPTION = (
    "Makes a retry safe: a request with a key already used answers what the first one "
    "answered, with the header Idempotent-Replayed: true, and changes nothing more; the "
    "same key with another request answers 409."
)
KEY_REUSED = "https://questline.dev/problems/idempotency-key-reused"
REUSED_DESCRIPTION = f"{HEADER} already used for another request (problem type {KEY_REUSED})"

# For FastAPI routes: validated (1 to 200 characters, else 422) and documented.
IdempotencyKey = Annotated[
    str | None,
    Header(alias=HEADER, min_length=1, max_length=MAX_KEY_LENGTH, description=DESCRIPTION),
]

# For lean routes, which read the header themselves (`key_of`): their `parameters`.
PARAMETER: dict[str, Any] = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": DESCRIPTION,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
}

REPLAYED = {"Idempotent-Replayed": "true"}


def key_of(request: Request) -> str | None:
    """The request's key, if it has one; 422 if it is empty or too long."""
    key = request.headers.get(HEADER)
    if key is not None and not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise RequestValidationError(
            [
                {
                    "type": "string_length",
                    "loc": ("header", HEADER),
                    "msg": f"{HEADER} must have 1 to {MAX_KEY_LENGTH} characters",
                }
            ]
        )
    return key


def key_reused(detail: str) -> Problem:
    return Problem(409, f"{HEADER} reused", detail, type_=KEY_REUSED)


A = TypeVar("A")


class SqlIdempotencyKeys(Generic[A]):
    """The `idempotency_keys` table (key, request fingerprint, answer as jsonb); a
    service maps its answer to JSON and back with `dump` and `load`."""

    _CLAIM = (
        "INSERT INTO idempotency_keys (key, request_fingerprint) VALUES ($1, $2) "
        "ON CONFLICT (key) DO NOTHING RETURNING key"
    )
    # A statement of its own after the claim: its snapshot sees the holder's commit.
    _EARLIER = "SELECT request_fingerprint, answer FROM idempotency_keys WHERE key = $1"
    _ANSWER = "UPDATE idempotency_keys SET answer = $2 WHERE key = $1"

    def __init__(
        self, conn: Connection, dump: Callable[[A], dict[str, Any]], load: Callable[[Any], A]
    ) -> None:
        self._conn = conn
        self._dump = dump
        self._load = load

    async def claim(self, key: str, fingerprint: str) -> tuple[str, A] | None:
        """None when the key is this transaction's now; else the fingerprint of the
        request that holds it, and the answer that request got."""
        if await self._conn.fetchval(self._CLAIM, key, fingerprint) is not None:
            return None
        row = await self._conn.fetchrow(self._EARLIER, key)
        # The holder committed (a rollback would have freed the key for us), and every
        # holder records its answer before it commits.
        assert row is not None and row["answer"] is not None
        return row["request_fingerprint"], self._load(row["answer"])

    async def answer(self, key: str, answer: A) -> None:
        """The answer to replay for a key this transaction claimed."""
        await self._conn.execute(self._ANSWER, key, self._dump(answer))
