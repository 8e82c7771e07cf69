"""Commands and queries on the mission catalogue (LiveOps)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from questline.mission.application.ports import UnitOfWork
from questline.mission.domain.errors import MissionAlreadyDefined, MissionNotFound
from questline.mission.domain.mission import MissionDefinition


@dataclass(frozen=True, slots=True)
class ReviseMission:
    code: str
    title: str | None = None
    points: int | None = None
    active: bool | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    clear_window: bool = False


async def define_mission(mission: MissionDefinition, uow: UnitOfWork) -> MissionDefinition:
    async with uow:
        if not await uow.missions.add(mission):
            raise MissionAlreadyDefined(mission.code)
        return mission


async def revise_mission(command: ReviseMission, uow: UnitOfWork) -> MissionDefinition:
    async with uow:
        mission = await uow.missions.get(command.code)
        if mission is None:
            raise MissionNotFound(command.code)
        mission.revise(
            title=command.title,
            points=command.points,
            active=command.active,
            starts_at=command.starts_at,
            ends_at=command.ends_at,
            clear_window=command.clear_window,
        )
        await uow.missions.save(mission)
        return mission


async def list_missions(uow: UnitOfWork) -> Sequence[MissionDefinition]:
    async with uow:
        return await uow.missions.list()


async def get_mission(code: str, uow: UnitOfWork) -> MissionDefinition:
    async with uow:
        mission = await uow.missions.get(code)
        if mission is None:
            raise MissionNotFound(code)
        return mission
