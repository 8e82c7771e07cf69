"""The achievement batch and the reads through the real SQL units of work: a key taken
by a concurrent transaction, and queries that open no transaction."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime
from typing import Any

import pytest

from questline.devstack.testing import eventually
from questline.mission.adapters.outbound.uow import SqlMissionReads, SqlMissionUnitOfWork
from questline.mission.application.achieve_mission import (
    AchievementRecorded,
    AchieveMission,
    achieve_missions,
)
from questline.mission.domain.achievement import Achievement
from questline.mission.domain.events import RewardLinked
from questline.service_kit.db import Database
from questline.service_kit.outbox import OutboxWriter

pytestmark = pytest.mark.integration

OUTBOX = OutboxWriter("/test")
NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def owned(database: Database) -> SqlMissionUnitOfWork:
    return SqlMissionUnitOfWork(outbox=OUTBOX, database=database)


async def waiting_on_a_lock(database: Database) -> int:
    async with database.connection() as conn:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return count


async def test_a_key_won_by_a_concurrent_transaction_answers_with_the_winners_achievement(
    database: Database, db: Any
) -> None:
    command = AchieveMission("alice", "first-win", "race-1")
    winner = Achievement("ach-winner", "alice", "first-win", 50, NOW)
    ids = itertools.count(1)

    async with owned(database) as first:
        inserted = await first.achievements.add_many([(winner, "race-1", command.fingerprint)])
        assert inserted == {"ach-winner"}
        # The batch reads the key before the winner commits, then waits on its insert.
        racing = asyncio.create_task(
            achieve_missions(
                [(command, None), (command, None)],
                owned(database),
                lambda: NOW,
                lambda: f"ach-{next(ids)}",
            )
        )
        await eventually(lambda: waiting_on_a_lock(database))

    outcomes = await racing
    assert outcomes == [AchievementRecorded(winner, replayed=True)] * 2
    assert await db.achievements() == 1
    assert await db.outbox() == []  # the losing batch publishes no second MissionAchieved


async def test_a_query_reads_without_opening_a_transaction(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_transaction() -> None:
        raise AssertionError("a query opened a transaction")

    monkeypatch.setattr(database, "transaction", no_transaction)

    async with SqlMissionReads(database) as reads:
        mission = await reads.missions.get("first-win")
        assert await reads.achievements.for_customer("alice", 10) == []

    assert mission is not None and mission.points == 50


async def test_a_query_publishes_nothing(database: Database) -> None:
    async with SqlMissionReads(database) as reads:
        with pytest.raises(RuntimeError):
            reads.publish([RewardLinked("ach-1", "alice", "rw-1")])
