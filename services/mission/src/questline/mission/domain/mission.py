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
        self._check_window()

    def _check_window(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise InvalidMissionWindow()

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
        """Change the definition; achievements already recorded keep their points."""
        if title is not None:
            self.title = title
        if points is not None:
            self.points = points
        if active is not None:
            self.active = active
        if clear_window:
            self.starts_at = self.ends_at = None
        if starts_at is not None:
            self.starts_at = starts_at
        if ends_at is not None:
            self.ends_at = ends_at
        self._check_window()
