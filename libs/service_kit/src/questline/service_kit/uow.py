"""The SQL side of a unit of work: one transaction per use case, and the outbox rows
written in it. Services subclass it to attach their repositories (`_bind`).

Owned mode opens and commits its own transaction (an HTTP command). Bound mode joins a
transaction someone else owns (an inbox batch) and never commits it, so a use case is
written once and runs alone or as one step of a batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Self

from questline.contracts.events import EventData
from questline.service_kit.db import Connection, Database
from questline.service_kit.outbox import OutboxWriter


class SqlUnitOfWork:
    def __init__(
        self,
        *,
        outbox: OutboxWriter,
        database: Database | None = None,
        connection: Connection | None = None,
        causation_id: str | None = None,
        after_commit: Callable[[], None] | None = None,
    ) -> None:
        if (database is None) == (connection is None):
            raise ValueError("give either a database (owned) or a connection (bound)")
        self._db = database
        self._outbox = outbox
        self._after_commit = after_commit
        self._transaction: AbstractAsyncContextManager[Connection] | None = None
        self._staged: list[tuple[EventData, str | None]] = []
        self.causation_id = causation_id
        self.conn: Connection
        if connection is not None:
            self.conn = connection
            self._bind(connection)

    def _bind(self, conn: Connection) -> None:
        """Subclasses create their repositories on `conn` here."""

    def stage(self, events: Iterable[EventData], causation_id: str | None = None) -> None:
        """Events to write to the outbox at commit, caused by `causation_id` (default: the
        unit of work's own; a batch passes each event's cause)."""
        cause = causation_id or self.causation_id
        self._staged.extend((event, cause) for event in events)

    async def __aenter__(self) -> Self:
        if self._db is not None:
            self._transaction = self._db.transaction()
            self.conn = await self._transaction.__aenter__()
            self._bind(self.conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        published = False
        try:
            if exc is None and self._staged:
                await self._outbox.add(self.conn, self._staged)
                published = True
        except BaseException as error:
            if self._transaction is not None:
                await self._transaction.__aexit__(type(error), error, error.__traceback__)
            raise
        finally:
            self._staged = []
        if self._transaction is not None:
            transaction, self._transaction = self._transaction, None
            await transaction.__aexit__(exc_type, exc, tb)
            if exc is None and published and self._after_commit is not None:
                self._after_commit()


class SqlReads:
    """The unit of work of a query that is one statement: a connection in autocommit,
    which spares the BEGIN and ROLLBACK round trips. Services subclass it to attach
    their repositories (`_bind`), as with `SqlUnitOfWork`; it writes nothing."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._connection: AbstractAsyncContextManager[Connection] | None = None

    def _bind(self, conn: Connection) -> None:
        """Subclasses create their repositories on `conn` here."""

    async def __aenter__(self) -> Self:
        self._connection = self._db.connection()
        self._bind(await self._connection.__aenter__())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.__aexit__(exc_type, exc, tb)
