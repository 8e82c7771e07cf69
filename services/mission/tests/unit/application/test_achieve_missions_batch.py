"""Group commit: many requests' AchieveMission in one unit of work, each its own outcome."""

from __future__ import annotations

import asyncio

from questline.mission.adapters.inbound.intake import AchievementIntake
from questline.mission.application.achieve_mission import (
    AchievementRecorded,
    AchieveMission,
    achieve_missions,
)
from questline.mission.domain.errors import IdempotencyKeyReused, MissionNotFound, MissionNotOpen


async def test_a_refused_request_never_fails_its_neighbours(uow, clock, new_id):
    batch = [
        (AchieveMission("alice", "first-win"), "req-1"),
        (AchieveMission("bob", "no-such-mission"), "req-2"),
        (AchieveMission("cy", "retired"), "req-3"),
        (AchieveMission("dee", "daily-login"), "req-4"),
    ]
    outcomes = await achieve_missions(batch, uow, clock, new_id)
    assert isinstance(outcomes[0], AchievementRecorded)
    assert isinstance(outcomes[1], MissionNotFound)
    assert isinstance(outcomes[2], MissionNotOpen)
    assert isinstance(outcomes[3], AchievementRecorded)
    assert len(uow.achievements.rows) == 2
    assert uow.causes == ["req-1", "req-4"]  # each event names the request behind it


async def test_one_key_twice_in_a_batch_records_one_achievement_and_replays_it(uow, clock, new_id):
    same = AchieveMission("alice", "first-win", "k-1")
    other = AchieveMission("bob", "first-win", "k-1")
    outcomes = await achieve_missions(
        [(same, "r1"), (same, "r2"), (other, "r3")], uow, clock, new_id
    )
    first, again, reused = outcomes
    assert isinstance(first, AchievementRecorded) and not first.replayed
    assert isinstance(again, AchievementRecorded) and again.replayed
    assert again.achievement.id == first.achievement.id
    assert isinstance(reused, IdempotencyKeyReused)
    assert len(uow.achievements.rows) == 1 and len(uow.published) == 1


async def test_concurrent_submissions_share_one_transaction(uow, clock, new_id):
    batches: list[int] = []

    async def run(batch):  # type: ignore[no-untyped-def]
        batches.append(len(batch))
        return await achieve_missions(batch, uow, clock, new_id)

    intake = AchievementIntake(run)
    results = await asyncio.gather(
        *(intake.submit(AchieveMission(f"p{i}", "first-win"), f"r{i}") for i in range(50))
    )
    assert len({r.achievement.id for r in results}) == 50
    assert sum(batches) == 50 and len(batches) < 50  # grouped, not one commit each
    assert uow.commits == len(batches)
