"""Group commit at the ingress: concurrent POST /exchanges for one gift share one
transaction.

Every exchange of a gift takes the gift's row lock, so exchanges of one gift run one
after another whatever we do; one transaction per request made each wait for the
previous one's commit (its fsync). Here requests for a gift queue while the previous
batch of that gift commits, and the next batch takes them all (up to `max_batch`):
one lock and one commit serve them. Under light load a batch is one request and
nothing waits. Gifts do not wait for each other: each has its own queue.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Sequence

from questline.gift.application.exchange_gift import ExchangeGift, ExchangeRecorded, Outcome
from questline.gift.domain.errors import GiftError
from questline.service_kit.db import is_transient

Batch = Sequence[tuple[ExchangeGift, str | None]]
_Pending = tuple[ExchangeGift, str | None, asyncio.Future[Outcome]]


class ExchangeIntake:
    def __init__(
        self, run_batch: Callable[[Batch], Awaitable[list[Outcome]]], max_batch: int = 256
    ) -> None:
        self._run = run_batch
        self._max = max_batch
        self._queues: dict[str, list[_Pending]] = {}  # gift id → requests not yet run
        self._flushers: set[asyncio.Task[None]] = set()

    async def submit(self, command: ExchangeGift, cause: str | None) -> ExchangeRecorded:
        """The request's own outcome; a domain refusal is raised, as if run alone."""
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        queue = self._queues.get(command.gift_id)
        if queue is None:
            queue = self._queues[command.gift_id] = []
            # A fresh context: the batch serves many requests and must not log under
            # the ids of the one that happened to start it.
            flusher = asyncio.create_task(
                self._flush(command.gift_id, queue), context=contextvars.Context()
            )
            self._flushers.add(flusher)
            flusher.add_done_callback(self._flushers.discard)
        queue.append((command, cause, future))
        outcome = await future
        if isinstance(outcome, GiftError):
            raise outcome
        return outcome

    async def _flush(self, gift_id: str, queue: list[_Pending]) -> None:
        batch: list[_Pending] = []
        try:
            while queue:
                batch = queue[: self._max]
                del queue[: self._max]
                await self._settle(batch)
        finally:
            # No await since the queue was last seen empty: a new request for this gift
            # starts a new queue. Stopped halfway (cancelled), no request waits forever.
            del self._queues[gift_id]
            for _, _, future in [*batch, *queue]:
                future.cancel()

    async def _settle(self, batch: list[_Pending]) -> None:
        try:
            outcomes = await self._run([(command, cause) for command, cause, _ in batch])
        except Exception as error:
            if len(batch) == 1 or is_transient(error):  # all would fail alike
                for _, _, future in batch:
                    _set(future, error=error)
                return
            # One request broke the shared transaction: run each alone so only the
            # culprit fails, never its neighbours.
            for item in batch:
                await self._settle([item])
            return
        for (_, _, future), outcome in zip(batch, outcomes, strict=True):
            _set(future, outcome=outcome)


def _set(
    future: asyncio.Future[Outcome],
    outcome: Outcome | None = None,
    error: BaseException | None = None,
) -> None:
    if future.done():  # its request went away (cancelled) while the batch ran
        return
    if error is not None:
        future.set_exception(error)
    else:
        assert outcome is not None
        future.set_result(outcome)
