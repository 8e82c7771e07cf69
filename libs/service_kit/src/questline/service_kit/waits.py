"""Waiting on events with a bound: the background loops' one way to sleep until
told to stop (or woken), never longer than they mean to."""

from __future__ import annotations

import asyncio


async def stopped_within(stopping: asyncio.Event, seconds: float) -> bool:
    """Wait up to `seconds` for `stopping`; True when it was set."""
    try:
        await asyncio.wait_for(stopping.wait(), seconds)
        return True
    except TimeoutError:
        return False


async def wait_any(*events: asyncio.Event, timeout: float | None = None) -> None:
    """Return once any of `events` is set, or after `timeout` seconds (None: no bound)."""
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()


class Pace:
    """Rounds (a relay's publish, a consumer's batch) that start at least `interval`
    seconds apart. After a quiet spell a round starts at once, so a lone event waits for
    nothing; under load each round takes what arrived during the last interval, so the
    number of rounds a second (each a transaction, a Kafka request and the wake-ups of
    everyone downstream) stays bounded whatever the event rate."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._last_start = float("-inf")

    def delay(self, now: float) -> float:
        """How long a round that would start at `now` must wait."""
        return max(0.0, self._last_start + self.interval - now)

    def started(self, now: float) -> None:
        self._last_start = now

    async def wait(self) -> None:
        """Sleep until the next round may start."""
        delay = self.delay(asyncio.get_running_loop().time())
        if delay > 0:
            await asyncio.sleep(delay)
