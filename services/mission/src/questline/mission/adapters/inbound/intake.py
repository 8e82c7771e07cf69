"""Group commit at the ingress: concurrent POST /missions share one transaction.

Requests queue while the previous batch commits; the next batch takes them all (up to
`max_batch`). Under light load a batch is one request and nothing waits; under heavy
load one commit (and one fsync) serves hundreds of requests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from questline.mission.application.achieve_mission import (
    AchievementRecorded,
    AchieveMission,
    Outcome,
)
from questline.mission.domain.errors import MissionError
from questline.service_kit.db import is_transient

Batch = Sequence[tuple[AchieveMission, str | None]]


class AchievementIntake:
    def __init__(
        self, run_batch: Callable[[Batch], Awaitable[list[Outcome]]], max_batch: int = 256
    ) -> None:
        self._run = run_batch
        self._max = max_batch
        self._queue: list[tuple[AchieveMission, str | None, asyncio.Future[Outcome]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def submit(self, command: AchieveMission, cause: str | None) -> AchievementRecorded:
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._queue.append((command, cause, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        outcome = await future
        if isinstance(outcome, MissionError):
            raise outcome
        return outcome

    async def _flush(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[: self._max], self._queue[self._max :]
            try:
                outcomes = await self._run([(command, cause) for command, cause, _ in batch])
            except Exception as error:
                if len(batch) == 1 or is_transient(error):  # all would fail alike
                    for _, _, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    continue
                # One request broke the shared transaction: run each alone so only the
                # culprit fails, never its neighbours.
                for item in batch:
                    await self._run_alone(item)
                continue
            for (_, _, future), outcome in zip(batch, outcomes, strict=True):
                if not future.done():
                    future.set_result(outcome)

    async def _run_alone(
        self, item: tuple[AchieveMission, str | None, asyncio.Future[Outcome]]
    ) -> None:
        command, cause, future = item
        try:
            [outcome] = await self._run([(command, cause)])
        except Exception as error:
            if not future.done():
                future.set_exception(error)
            return
        if not future.done():
            future.set_result(outcome)
