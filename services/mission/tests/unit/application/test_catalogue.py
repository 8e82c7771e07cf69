"""LiveOps on the mission catalogue: define once (a retry with its idempotency key gets
the first answer back), revise, deactivate."""

from __future__ import annotations

from typing import Any

import pytest

from questline.mission.application import catalogue, queries
from questline.mission.application.catalogue import DefineMission, ReviseMission
from questline.mission.domain.errors import (
    AchievementNotFound,
    IdempotencyKeyReused,
    MissionAlreadyDefined,
    MissionNotFound,
)
from questline.mission.domain.mission import MissionDefinition


async def test_a_new_mission_joins_the_catalogue_in_code_order(uow: Any) -> None:
    await catalogue.define_mission(
        DefineMission(MissionDefinition("boss", "Beat the boss", 300)), uow
    )

    codes = [m.code for m in await catalogue.list_missions(uow)]

    assert codes == ["boss", "daily-login", "first-win", "retired"]


async def test_a_code_can_be_defined_only_once(uow: Any) -> None:
    with pytest.raises(MissionAlreadyDefined):
        await catalogue.define_mission(
            DefineMission(MissionDefinition("first-win", "Again", 1)), uow
        )

    assert (await catalogue.get_mission("first-win", uow)).title == "Win your first match"


async def test_deactivating_a_mission_is_saved(uow: Any) -> None:
    revised = await catalogue.revise_mission(ReviseMission("first-win", active=False), uow)

    assert revised.active is False
    assert uow.missions.rows["first-win"].active is False
    assert uow.missions.rows["first-win"].points == 50


async def test_revising_an_unknown_mission_is_refused(uow: Any) -> None:
    with pytest.raises(MissionNotFound):
        await catalogue.revise_mission(ReviseMission("no-such-mission", points=5), uow)


async def test_reading_an_unknown_achievement_is_refused(uow: Any) -> None:
    with pytest.raises(AchievementNotFound):
        await queries.get_achievement("no-such-achievement", uow)


def boss() -> MissionDefinition:
    return MissionDefinition("boss", "Beat the boss", 300)


async def test_a_mission_defined_again_with_its_key_is_the_first_answer_not_a_conflict(
    uow: Any,
) -> None:
    first = await catalogue.define_mission(DefineMission(boss(), "key-1"), uow)

    again = await catalogue.define_mission(DefineMission(boss(), "key-1"), uow)

    assert (first.replayed, again.replayed) == (False, True)
    assert again.mission == first.mission == boss()
    assert [m.code for m in await catalogue.list_missions(uow)].count("boss") == 1


async def test_a_replayed_definition_is_the_one_first_answered_even_after_a_revision(
    uow: Any,
) -> None:
    await catalogue.define_mission(DefineMission(boss(), "key-1"), uow)
    await catalogue.revise_mission(ReviseMission("boss", points=5), uow)

    again = await catalogue.define_mission(DefineMission(boss(), "key-1"), uow)

    assert again.mission.points == 300
    assert (await catalogue.get_mission("boss", uow)).points == 5


async def test_a_key_sent_with_another_definition_is_refused_and_defines_nothing(
    uow: Any,
) -> None:
    await catalogue.define_mission(DefineMission(boss(), "key-1"), uow)
    other = MissionDefinition("raid", "Finish the raid", 300)

    with pytest.raises(IdempotencyKeyReused):
        await catalogue.define_mission(DefineMission(other, "key-1"), uow)

    assert "raid" not in {m.code for m in await catalogue.list_missions(uow)}


async def test_the_same_window_written_with_another_offset_is_the_same_request(
    uow: Any,
) -> None:
    from datetime import UTC, datetime, timedelta, timezone

    starts = datetime(2025, 6, 1, 12, tzinfo=UTC)
    in_paris = starts.astimezone(timezone(timedelta(hours=2)))
    first = DefineMission(MissionDefinition("boss", "Beat the boss", 300, starts_at=starts), "k")
    again = DefineMission(MissionDefinition("boss", "Beat the boss", 300, starts_at=in_paris), "k")

    assert first.fingerprint == again.fingerprint


async def test_a_refused_definition_leaves_its_key_free_for_a_retry(uow: Any) -> None:
    taken = MissionDefinition("first-win", "Again", 1)
    with pytest.raises(MissionAlreadyDefined):
        await catalogue.define_mission(DefineMission(taken, "key-1"), uow)

    defined = await catalogue.define_mission(DefineMission(boss(), "key-1"), uow)

    assert (defined.replayed, defined.mission) == (False, boss())
