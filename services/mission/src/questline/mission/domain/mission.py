"""The mission catalogue: what a player can achieve, for how many points, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from questline.mission.domain.errors import InvalidMissionWindow, MissionNotOpen


@dataclass
class MissionDefinition:
    code: str
    title: str
    points: int
    active: bool = True
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    def __post_init__(self) -> None:
        _check_window(self.starts_at, self.ends_at)

    def is_open(self, now: datetime) -> bool:
        if not self.active:
            return False
        if self.starts_at is not None and now < self.starts_at:
            return False
        return self.ends_at is None or now < self.ends_at

    def ensure_open(self, now: datetime) -> None:
        if not self.is_open(now):
            raise MissionNotOpen(self.code)

    def revise(
        self,
        *,
        title: str | None = None,
        points: int | None = None,
        active: bool | None = None,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
        clear_window: bool = False,
    ) -> None:
        """Change the definition; achievements already recorded keep their points.
        A refused change leaves the definition as it was."""
        new_start = None if clear_window else self.starts_at
        new_end = None if clear_window else self.ends_at
        new_start = starts_at if starts_at is not None else new_start
        new_end = ends_at if ends_at is not None else new_end
        _check_window(new_start, new_end)
        self.starts_at, self.ends_at = new_start, new_end
        if title is not None:
            self.title = title
        if points is not None:
            self.points = points
        if active is not None:
            self.active = active


def _check_window(starts_at: datetime | None, ends_at: datetime | None) -> None:
    if starts_at and ends_at and ends_at <= starts_at:
        raise InvalidMissionWindow()
