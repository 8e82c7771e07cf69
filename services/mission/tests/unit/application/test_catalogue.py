"""LiveOps on the mission catalogue: define once, revise, deactivate."""

from __future__ import annotations

from typing import Any

import pytest

from questline.mission.application import catalogue, queries
from questline.mission.application.catalogue import ReviseMission
from questline.mission.domain.errors import (
    AchievementNotFound,
    MissionAlreadyDefined,
    MissionNotFound,
)
from questline.mission.domain.mission import MissionDefinition


async def test_a_new_mission_joins_the_catalogue_in_code_order(uow: Any) -> None:
    await catalogue.define_mission(MissionDefinition("boss", "Beat the boss", 300), uow)

    codes = [m.code for m in await catalogue.list_missions(uow)]

    assert codes == ["boss", "daily-login", "first-win", "retired"]


async def test_a_code_can_be_defined_only_once(uow: Any) -> None:
    with pytest.raises(MissionAlreadyDefined):
        await catalogue.define_mission(MissionDefinition("first-win", "Again", 1), uow)

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
