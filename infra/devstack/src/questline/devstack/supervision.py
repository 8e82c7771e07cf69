"""Kafka and PostgreSQL under supervision: restarted after a crash, as services are.

Each restart waits a little longer than the one before (0.5 s doubling up to 10 s), so
a broker that cannot start does not spin; a minute of health forgets the count.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

_FIRST_PAUSE_S = 0.5
_LONGEST_PAUSE_S = 10.0
_HEALTHY_AFTER_S = 60.0


@dataclass
class Watched:
    name: str
    alive: Callable[[], bool]
    restart: Callable[[], None]  # may block until it is up (PostgreSQL's recovery)
    log: str
    watching: bool = False  # True from its first start until a stop on purpose
    restarts: int = 0
    restart_at: float | None = None
    down_since: float | None = None
    last_restart: float = 0.0

    def check(self, now: float) -> list[str]:
        if not self.watching:
            return []
        if self.alive():
            if self.restarts and now - self.last_restart > _HEALTHY_AFTER_S:
                self.restarts = 0
            return []
        if self.restart_at is None:  # just found dead: schedule, do not wait here
            pause = min(_LONGEST_PAUSE_S, _FIRST_PAUSE_S * 2 ** min(self.restarts, 5))
            self.restarts += 1
            self.restart_at = now + pause
            if self.down_since is None:
                self.down_since = now
            return [f"{self.name} exited; restarting in {pause:.1f} s (see {self.log})"]
        if now < self.restart_at:
            return []
        self.restart_at = None
        self.last_restart = now
        try:
            self.restart()
        except Exception as error:  # tried again after a longer pause
            return [f"{self.name} did not restart: {_first_line(error)}"]
        down, self.down_since = time.monotonic() - (self.down_since or now), None
        return [f"{self.name} restarted ({down:.1f} s after it was found down)"]

    def started(self) -> None:
        self.watching, self.down_since = True, None

    def stopped(self) -> None:
        self.watching, self.restart_at = False, None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
