"""Command: a game backend reports that a customer achieved a mission."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from questline.mission.application.ports import Clock, IdGenerator, UnitOfWork
from questline.mission.domain.achievement import Achievement
from questline.mission.domain.errors import IdempotencyKeyReused, MissionError, MissionNotFound
from questline.mission.domain.mission import MissionDefinition


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


Requests = Sequence[tuple[AchieveMission, str | None]]  # (command, causing request id)


@dataclass
class _Judged:
    """A batch after the rules, before the insert: one slot per request."""

    outcomes: list[Outcome | None]
    fresh: list[tuple[int, Achievement, AchieveMission, str | None]]  # to insert
    claimed: dict[str, tuple[AchieveMission, Achievement]]  # keys first used in this batch


async def achieve_missions(
    commands: Requests, uow: UnitOfWork, clock: Clock, new_id: IdGenerator
) -> list[Outcome]:
    """The same command for many concurrent requests in one transaction (group commit):
    one read of the catalogue, one of the idempotency keys, one insert. Each request
    gets its own outcome; a refused request never fails its neighbours."""
    async with uow:
        missions = await uow.missions.get_many({c.mission_code for c, _ in commands})
        keys = {c.idempotency_key for c, _ in commands if c.idempotency_key}
        earlier = await uow.achievements.by_idempotency_keys(keys) if keys else {}
        judged = _judge(commands, missions, earlier, clock(), new_id)
        inserted = await uow.achievements.add_many(
            [
                (a, c.idempotency_key, c.fingerprint if c.idempotency_key else None)
                for _, a, c, _ in judged.fresh
            ]
        )
        raced = {
            c.idempotency_key
            for _, a, c, _ in judged.fresh
            if a.id not in inserted and c.idempotency_key
        }
        winners = await uow.achievements.by_idempotency_keys(raced) if raced else {}
        _settle_inserted(judged, inserted, winners, uow)
        _follow_lost_claims(commands, judged, inserted, winners)
        assert all(o is not None for o in judged.outcomes)
        return [o for o in judged.outcomes if o is not None]


def _judge(
    commands: Requests,
    missions: Mapping[str, MissionDefinition],
    earlier: Mapping[str, tuple[Achievement, str]],
    now: datetime,
    new_id: IdGenerator,
) -> _Judged:
    """Replays of known keys, refusals, and the achievements this batch would record."""
    judged = _Judged([None] * len(commands), [], {})
    for i, (command, cause) in enumerate(commands):
        key = command.idempotency_key
        if key and key in earlier:
            judged.outcomes[i] = _replay(command, *earlier[key])
            continue
        if key and key in judged.claimed:
            first, achievement = judged.claimed[key]
            judged.outcomes[i] = _replay(command, achievement, first.fingerprint)
            continue
        mission = missions.get(command.mission_code)
        if mission is None:
            judged.outcomes[i] = MissionNotFound(command.mission_code)
            continue
        try:
            achievement = Achievement.record(mission, new_id(), command.customer_id, now)
        except MissionError as refused:
            judged.outcomes[i] = refused
            continue
        judged.fresh.append((i, achievement, command, cause))
        if key:
            judged.claimed[key] = (command, achievement)
    return judged


def _settle_inserted(
    judged: _Judged,
    inserted: set[str],
    winners: Mapping[str, tuple[Achievement, str]],
    uow: UnitOfWork,
) -> None:
    """Inserted achievements publish their events; one whose key another transaction
    took first answers with that transaction's achievement."""
    for i, achievement, command, cause in judged.fresh:
        if achievement.id in inserted:
            uow.publish(achievement.events, cause)
            judged.outcomes[i] = AchievementRecorded(achievement, replayed=False)
        else:
            assert command.idempotency_key is not None
            judged.outcomes[i] = _replay(command, *winners[command.idempotency_key])


def _follow_lost_claims(
    commands: Requests,
    judged: _Judged,
    inserted: set[str],
    winners: Mapping[str, tuple[Achievement, str]],
) -> None:
    """Requests that reused a key claimed in this batch follow the claim's fate: if
    another transaction won that key, they are judged against the winner."""
    for i, (command, _) in enumerate(commands):
        key, outcome = command.idempotency_key, judged.outcomes[i]
        lost = (
            key in judged.claimed and judged.claimed[key][1].id not in inserted and key in winners
        )
        judged_against_claim = isinstance(outcome, IdempotencyKeyReused) or (
            isinstance(outcome, AchievementRecorded) and outcome.replayed
        )
        if lost and key is not None and judged_against_claim:
            judged.outcomes[i] = _replay(command, *winners[key])


def _replay(command: AchieveMission, achievement: Achievement, fingerprint: str) -> Outcome:
    if fingerprint != command.fingerprint:
        return IdempotencyKeyReused(command.idempotency_key or "")
    return AchievementRecorded(achievement, replayed=True)
