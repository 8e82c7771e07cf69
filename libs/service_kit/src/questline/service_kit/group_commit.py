"""Group commit at an ingress: concurrent requests share one transaction.

Requests queue while the previous batch of their key commits; the next batch takes them
all (up to `max_batch`): one transaction — one fsync, one lock of a hot row — serves
hundreds of requests. Under light load a batch is one request and nothing waits. Keys
(e.g. one gift) do not wait for each other: each has its own queue.

The batch runner returns one outcome per request, in order: a result, or an exception
that is that request's refusal (raised to it alone). If the runner itself fails, a
transient error fails the batch (all would fail alike); any other error means one
request broke the shared transaction, so each is re-run alone and only the culprit fails.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

from questline.service_kit.db import is_transient
from questline.service_kit.waits import Pace

C = TypeVar("C")  # a command
R = TypeVar("R")  # its result

Batch = Sequence[tuple[C, str | None]]  # (command, causing request id)
_Pending = tuple[C, str | None, "asyncio.Future[R | Exception]"]


class GroupCommit(Generic[C, R]):
    def __init__(
        self,
        run_batch: Callable[[Batch[C]], Awaitable[Sequence[R | Exception]]],
        key: Callable[[C], Hashable] = lambda _command: None,
        max_batch: int = 256,
        pace_seconds: float = 0.0,
    ) -> None:
        """`pace_seconds`: a key's batches start at least this far apart (at once after a
        quiet spell), so that under load each commit serves more requests."""
        self._run = run_batch
        self._key = key
        self._max = max_batch
        self._pace = pace_seconds
        self._paces: dict[Hashable, Pace] = {}
        self._queues: dict[Hashable, list[_Pending[C, R]]] = {}
        self._flushers: set[asyncio.Task[None]] = set()

    async def submit(self, command: C, cause: str | None) -> R:
        """The request's own result; its refusal is raised, as if it had run alone."""
        future: asyncio.Future[R | Exception] = asyncio.get_running_loop().create_future()
        key = self._key(command)
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = []
            # A fresh context: the batch serves many requests and must not log under
            # the ids of the one that happened to start it.
            flusher = asyncio.create_task(self._flush(key, queue), context=contextvars.Context())
            self._flushers.add(flusher)
            flusher.add_done_callback(self._flushers.discard)
        queue.append((command, cause, future))
        outcome = await future
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def _flush(self, key: Hashable, queue: list[_Pending[C, R]]) -> None:
        batch: list[_Pending[C, R]] = []
        pace = self._pace_of(key)
        try:
            while queue:
                if pace is not None:
                    await pace.wait()
                    pace.started(asyncio.get_running_loop().time())
                batch = queue[: self._max]
                del queue[: self._max]
                await self._settle(batch)
        finally:
            # No await since the queue was last seen empty: a new request for this key
            # starts a new queue. Stopped halfway (cancelled), no request waits forever.
            del self._queues[key]
            for _, _, future in [*batch, *queue]:
                future.cancel()

    def _pace_of(self, key: Hashable) -> Pace | None:
        if not self._pace:  # unpaced: nothing to remember per key
            return None
        pace = self._paces.get(key)
        if pace is None:
            if len(self._paces) >= 1024:  # forget keys quiet for longer than the pace
                now = asyncio.get_running_loop().time()
                self._paces = {k: p for k, p in self._paces.items() if p.delay(now) > 0}
            pace = self._paces[key] = Pace(self._pace)
        return pace

    async def _settle(self, batch: list[_Pending[C, R]]) -> None:
        try:
            outcomes = await self._run([(command, cause) for command, cause, _ in batch])
        except Exception as error:
            if len(batch) == 1 or is_transient(error):
                for _, _, future in batch:
                    _fail(future, error)
                return
            for item in batch:  # one request broke the shared transaction: each alone
                await self._settle([item])
            return
        for (_, _, future), outcome in zip(batch, outcomes, strict=True):
            if not future.done():  # its request went away (cancelled) while the batch ran
                future.set_result(outcome)


def _fail(future: asyncio.Future[R | Exception], error: Exception) -> None:
    if not future.done():
        future.set_exception(error)
