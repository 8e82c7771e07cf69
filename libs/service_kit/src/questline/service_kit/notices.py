"""PostgreSQL LISTEN/NOTIFY: tell every process of a service that rows changed.

A notice is sent inside the writing transaction (`notify`), so listeners hear it only
once the change is committed and never for a rolled-back one. A listener that loses its
connection may have missed notices: it calls `on_gap` before and after reconnecting, so
whatever it derived from the notices (a cache) starts afresh."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from questline.service_kit.db import Connection, Database
from questline.service_kit.logs import get_logger
from questline.service_kit.waits import stopped_within, wait_any

log = get_logger(__name__)

# PostgreSQL refuses payloads of 8000 bytes or more.
MAX_PAYLOAD = 7900


async def notify(conn: Connection, channel: str, keys: Iterable[str]) -> None:
    """Announce `keys` (comma-separated, in as few notices as fit) within the transaction."""
    payloads: list[str] = []
    current = ""
    for key in keys:
        if current and len(current) + len(key) + 1 > MAX_PAYLOAD:
            payloads.append(current)
            current = ""
        current = f"{current},{key}" if current else key
    if current:
        payloads.append(current)
    if payloads:
        await conn.execute(
            "SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p", channel, payloads
        )


class Listener:
    """Keeps one connection listening on `channel` until stopped."""

    def __init__(
        self,
        database: Database,
        channel: str,
        on_keys: Callable[[list[str]], None],
        on_gap: Callable[[], None],
    ) -> None:
        self._db = database
        self._channel = channel
        self._on_keys = on_keys
        self._on_gap = on_gap
        self.listening = False

    def _heard(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        self._on_keys(payload.split(","))

    async def run(self, stopping: asyncio.Event) -> None:
        delay = 0.1
        while not stopping.is_set():
            lost = asyncio.Event()
            try:
                async with self._db.connection() as conn:
                    conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                    await conn.add_listener(self._channel, self._heard)
                    self._on_gap()  # anything before now may have been missed
                    self.listening = True
                    delay = 0.1
                    try:
                        await wait_any(stopping, lost)
                    finally:
                        self.listening = False
                        self._on_gap()
                        if not conn.is_closed():
                            await conn.remove_listener(self._channel, self._heard)
            except Exception as error:  # database away: try again, never crash the role
                log.warning("listener_failed", channel=self._channel, error=str(error))
                self.listening = False
                self._on_gap()
                await stopped_within(stopping, delay)
                delay = min(5.0, delay * 2)
