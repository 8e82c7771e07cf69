"""Commands and queries on the mission catalogue (LiveOps).

Defining a mission may carry an idempotency key, claimed first in the command's own
transaction and kept with the answer: a retry with the same key gets the first answer
back (not a 409 for the code it defined itself), even while the first is still running."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from questline.mission.application.ports import UnitOfWork
from questline.mission.domain.errors import (
    IdempotencyKeyReused,
    MissionAlreadyDefined,
    MissionNotFound,
)
from questline.mission.domain.mission import MissionDefinition


@dataclass(frozen=True, slots=True)
class DefineMission:
    mission: MissionDefinition
    idempotency_key: str | None = None

    @property
    def fingerprint(self) -> str:
        m = self.mission
        request = ["define-mission", m.code, m.title, m.points, m.active]
        request += [_instant(m.starts_at), _instant(m.ends_at)]
        return hashlib.sha256(json.dumps(request).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class MissionDefined:
    mission: MissionDefinition
    replayed: bool = False  # an earlier command's answer, returned for its key


@dataclass(frozen=True, slots=True)
class ReviseMission:
    code: str
    title: str | None = None
    points: int | None = None
    active: bool | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    clear_window: bool = False


async def define_mission(command: DefineMission, uow: UnitOfWork) -> MissionDefined:
    key, mission = command.idempotency_key, command.mission
    async with uow:
        if key is not None:
            earlier = await uow.idempotency_keys.claim(key, command.fingerprint)
            if earlier is not None:
                fingerprint, defined = earlier
                if fingerprint != command.fingerprint:
                    raise IdempotencyKeyReused(key)
                return MissionDefined(defined, replayed=True)
        if not await uow.missions.add(mission):
            raise MissionAlreadyDefined(mission.code)
        if key is not None:
            await uow.idempotency_keys.answer(key, mission)
        return MissionDefined(mission)


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


def _instant(moment: datetime | None) -> str | None:
    """One instant, however its offset was written."""
    return None if moment is None else moment.astimezone(UTC).isoformat()
