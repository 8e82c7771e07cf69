"""The intake's promise: one request that breaks the shared transaction fails alone."""

from __future__ import annotations

import asyncio

import pytest

from questline.mission.adapters.inbound.intake import AchievementIntake
from questline.mission.application.achieve_mission import (
    AchievementRecorded,
    AchieveMission,
    achieve_missions,
)


async def test_a_request_that_breaks_the_batch_fails_alone(uow, clock, new_id):
    async def run(batch):  # type: ignore[no-untyped-def]
        if any(command.customer_id == "breaker" for command, _ in batch):
            raise ValueError("the database refused a value")  # not transient
        return await achieve_missions(batch, uow, clock, new_id)

    intake = AchievementIntake(run)
    results = await asyncio.gather(
        *(intake.submit(AchieveMission(f"p{i}", "first-win"), None) for i in range(5)),
        intake.submit(AchieveMission("breaker", "first-win"), None),
        return_exceptions=True,
    )
    assert all(isinstance(r, AchievementRecorded) for r in results[:5])
    assert isinstance(results[5], ValueError)
    assert len(uow.achievements.rows) == 5


async def test_a_transient_failure_is_reported_to_every_request_of_the_batch(uow):
    async def run(batch):  # type: ignore[no-untyped-def]
        raise ConnectionError("database down")

    intake = AchievementIntake(run)
    results = await asyncio.gather(
        *(intake.submit(AchieveMission(f"p{i}", "first-win"), None) for i in range(3)),
        return_exceptions=True,
    )
    assert all(isinstance(r, ConnectionError) for r in results)
    with pytest.raises(ConnectionError):
        await intake.submit(AchieveMission("late", "first-win"), None)
