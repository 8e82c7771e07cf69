"""Command: a game backend reports that a customer achieved a mission."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from questline.mission.application.ports import Clock, IdGenerator, UnitOfWork
from questline.mission.domain.achievement import Achievement
from questline.mission.domain.errors import IdempotencyKeyReused, MissionError, MissionNotFound


@dataclass(frozen=True, slots=True)
class AchieveMission:
    customer_id: str
    mission_code: str
    idempotency_key: str | None = None

    def __post_init__(self) -> None:
        if self.idempotency_key == "":  # a blank key is no key, never a shared one
            object.__setattr__(self, "idempotency_key", None)

    @property
    def fingerprint(self) -> str:
        return f"{self.customer_id}\x1f{self.mission_code}"


@dataclass(frozen=True, slots=True)
class AchievementRecorded:
    achievement: Achievement
    replayed: bool  # True when the idempotency key returned an earlier achievement


async def achieve_mission(
    command: AchieveMission, uow: UnitOfWork, clock: Clock, new_id: IdGenerator
) -> AchievementRecorded:
    """One command alone: the batch of one."""
    [outcome] = await achieve_missions([(command, None)], uow, clock, new_id)
    if isinstance(outcome, MissionError):
        raise outcome
    return outcome


Outcome = AchievementRecorded | MissionError


async def achieve_missions(
    commands: Sequence[tuple[AchieveMission, str | None]],
    uow: UnitOfWork,
    clock: Clock,
    new_id: IdGenerator,
) -> list[Outcome]:
    """The same command for many concurrent requests in one transaction (group commit):
    one read of the catalogue, one of the idempotency keys, one insert. Each request
    gets its own outcome; a refused request never fails its neighbours."""
    async with uow:
        missions = await uow.missions.get_many({c.mission_code for c, _ in commands})
        keys = {c.idempotency_key for c, _ in commands if c.idempotency_key}
        earlier = await uow.achievements.by_idempotency_keys(keys) if keys else {}
        outcomes: list[Outcome | None] = [None] * len(commands)
        claimed: dict[str, tuple[AchieveMission, Achievement]] = {}  # keys new in this batch
        fresh: list[tuple[int, Achievement, AchieveMission, str | None]] = []
        now = clock()
        for i, (command, cause) in enumerate(commands):
            key = command.idempotency_key
            if key and key in earlier:
                outcomes[i] = _replay(command, *earlier[key])
                continue
            if key and key in claimed:
                first, achievement = claimed[key]
                outcomes[i] = _replay(command, achievement, first.fingerprint)
                continue
            mission = missions.get(command.mission_code)
            if mission is None:
                outcomes[i] = MissionNotFound(command.mission_code)
                continue
            try:
                achievement = Achievement.record(mission, new_id(), command.customer_id, now)
            except MissionError as refused:
                outcomes[i] = refused
                continue
            fresh.append((i, achievement, command, cause))
            if key:
                claimed[key] = (command, achievement)
        inserted = await uow.achievements.add_many(
            [
                (a, c.idempotency_key, c.fingerprint if c.idempotency_key else None)
                for _, a, c, _ in fresh
            ]
        )
        raced = {
            c.idempotency_key for _, a, c, _ in fresh if a.id not in inserted and c.idempotency_key
        }
        winners = await uow.achievements.by_idempotency_keys(raced) if raced else {}
        for i, achievement, command, cause in fresh:
            if achievement.id in inserted:
                uow.publish(achievement.events, cause)
                outcomes[i] = AchievementRecorded(achievement, replayed=False)
            else:  # another transaction took the key first: answer with its achievement
                assert command.idempotency_key is not None
                outcomes[i] = _replay(command, *winners[command.idempotency_key])
        # Requests that reused a key claimed in this batch follow the claim's fate: if
        # another transaction won that key, they are judged against the winner.
        for i, (command, _) in enumerate(commands):
            key, outcome = command.idempotency_key, outcomes[i]
            lost = key in claimed and claimed[key][1].id not in inserted and key in winners
            judged_against_claim = isinstance(outcome, IdempotencyKeyReused) or (
                isinstance(outcome, AchievementRecorded) and outcome.replayed
            )
            if lost and key is not None and judged_against_claim:
                outcomes[i] = _replay(command, *winners[key])
        assert all(o is not None for o in outcomes)
        return [o for o in outcomes if o is not None]


def _replay(command: AchieveMission, achievement: Achievement, fingerprint: str) -> Outcome:
    if fingerprint != command.fingerprint:
        return IdempotencyKeyReused(command.idempotency_key or "")
    return AchievementRecorded(achievement, replayed=True)
