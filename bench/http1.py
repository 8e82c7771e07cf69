"""A lean HTTP/1.1 client for the load generator.

The generator shares the machine's cores with the system under test, so its CPU per
request is taken from the figures. aiohttp costs ≈ 80-100 µs of CPU per request; this
client writes pre-encoded request bytes to keep-alive connections and parses the answers
with httptools (uvicorn's parser), at a fraction of that. One request in flight per
connection (no pipelining), as aiohttp and browsers do; up to `limit` connections.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import cast
from urllib.parse import urlsplit

import httptools


class ServerDisconnectedError(ConnectionError):
    """The connection closed before the answer was complete."""


def encode(
    method: str, host: str, path: str, body: bytes | None, token: str | None = None
) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n"
    if token is not None:
        head += f"Authorization: Bearer {token}\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return (head + "\r\n").encode() + (body or b"")


# A connection idle this long is not reused. The services' server (uvicorn) closes a
# keep-alive connection after 5 s idle; a request written at the instant it does is reset
# (seen as ConnectionResetError on a handful of requests when a step's load arrives on
# connections left idle by the previous step's drain).
IDLE_LIMIT_S = 4.0


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.answer: asyncio.Future[int] | None = None
        self.reusable = True
        self.idle_since = 0.0  # loop time when it last went back to the pool

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(error)

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(exc or ServerDisconnectedError("server closed the connection"))

    # httptools callback
    def on_message_complete(self) -> None:
        self.reusable = self.parser.should_keep_alive()
        answer, self.answer = self.answer, None
        if answer is not None and not answer.done():
            answer.set_result(self.parser.get_status_code())

    def send(self, raw: bytes) -> asyncio.Future[int]:
        assert self.transport is not None
        self.answer = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        return self.answer

    def close(self) -> None:
        self.reusable = False
        if self.transport is not None:
            self.transport.abort()

    def _fail(self, error: Exception) -> None:
        self.reusable = False
        answer, self.answer = self.answer, None
        if answer is not None and not answer.done():
            answer.set_exception(error)
        if self.transport is not None:
            self.transport.abort()


class Pool:
    """Keep-alive connections to one host: idle ones are reused (last used first), new
    ones are opened up to `limit`, then requests wait for one to come back."""

    def __init__(self, base_url: str, limit: int) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.authority = parts.netloc
        self.limit = max(1, limit)
        self._idle: list[_Connection] = []
        self._open = 0
        self._waiting: deque[asyncio.Future[_Connection | None]] = deque()

    def encode(self, method: str, path: str, body: bytes | None, token: str | None = None) -> bytes:
        return encode(method, self.authority, path, body, token)

    async def request(self, raw: bytes, timeout: float) -> int:
        """Send one pre-encoded request; its status, or an exception (TimeoutError after
        `timeout` seconds, waiting for a connection included)."""
        conn: _Connection | None = None
        try:
            async with asyncio.timeout(timeout):
                conn = await self._acquire()
                status = await conn.send(raw)
        except BaseException:
            if conn is not None:  # an answer may still come: the connection is spoilt
                conn.close()
                self._release(conn)
            raise
        self._release(conn)
        return status

    async def _acquire(self) -> _Connection:
        while True:
            now = asyncio.get_running_loop().time()
            while self._idle:
                conn = self._idle.pop()
                if conn.reusable and now - conn.idle_since < IDLE_LIMIT_S:
                    return conn
                conn.close()  # closed by the server while idle, or about to be
                self._open -= 1
            if self._open >= self.limit:
                waiter: asyncio.Future[_Connection | None] = (
                    asyncio.get_running_loop().create_future()
                )
                self._waiting.append(waiter)
                try:
                    handed = await waiter
                except asyncio.CancelledError:  # timed out: pass on what we were handed
                    if waiter.done() and not waiter.cancelled():
                        given = waiter.result()
                        if given is None:
                            self._wake(None)
                        else:
                            self._release(given)
                    raise
                if handed is not None:
                    return handed
                continue  # a slot was freed: open one (or take an idle one) above
            self._open += 1
            try:
                _, conn = await asyncio.get_running_loop().create_connection(
                    _Connection, self.host, self.port
                )
            except BaseException:
                self._open -= 1
                self._wake(None)
                raise
            return conn

    def _release(self, conn: _Connection) -> None:
        if conn.reusable:
            if not self._wake(conn):
                conn.idle_since = asyncio.get_running_loop().time()
                self._idle.append(conn)
        else:
            conn.close()
            self._open -= 1
            self._wake(None)

    def _wake(self, conn: _Connection | None) -> bool:
        """Hand a connection (or a free slot: None) to the first live waiter."""
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return True
        return False

    def close(self) -> None:
        for conn in self._idle:
            conn.close()
        self._idle.clear()
