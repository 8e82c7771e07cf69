"""Request and response bodies of the mission API (camelCase on the wire)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from questline.mission.domain.achievement import Achievement
from questline.mission.domain.mission import MissionDefinition
from questline.service_kit.ids import CustomerId, OpaqueId

MissionCode = Annotated[
    str, StringConstraints(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
]


class Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class AchieveMissionRequest(Body):
    customer_id: CustomerId
    mission_code: OpaqueId


class AchievementResponse(Body):
    id: str
    customer_id: str
    mission_code: str
    points: int
    status: str
    reward_id: str | None
    achieved_at: datetime

    @classmethod
    def of(cls, a: Achievement) -> AchievementResponse:
        return cls(
            id=a.id,
            customer_id=a.customer_id,
            mission_code=a.mission_code,
            points=a.points,
            status=a.status.value,
            reward_id=a.reward_id,
            achieved_at=a.achieved_at,
        )


class AchievementList(Body):
    customer_id: str
    items: list[AchievementResponse]


class MissionDefinitionRequest(Body):
    code: MissionCode
    title: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
    points: Annotated[int, Field(gt=0, le=1_000_000)]
    active: bool = True
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None


class MissionDefinitionPatch(Body):
    title: (
        Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
        | None
    ) = None
    points: Annotated[int, Field(gt=0, le=1_000_000)] | None = None
    active: bool | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    clear_window: bool = False


class MissionDefinitionResponse(Body):
    code: str
    title: str
    points: int
    active: bool
    starts_at: datetime | None
    ends_at: datetime | None

    @classmethod
    def of(cls, m: MissionDefinition) -> MissionDefinitionResponse:
        return cls(
            code=m.code,
            title=m.title,
            points=m.points,
            active=m.active,
            starts_at=m.starts_at,
            ends_at=m.ends_at,
        )
