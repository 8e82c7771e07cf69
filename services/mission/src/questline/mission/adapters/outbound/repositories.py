"""SQL repositories: rows in and out of the domain's classes.

Plain SQL on asyncpg: each statement is prepared once per connection and cached, and a
batch is one statement (arrays unnested server-side, `= ANY` for lookups)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from questline.mission.domain.achievement import Achievement
from questline.mission.domain.mission import MissionDefinition
from questline.service_kit.db import Connection

_MISSION = "code, title, points, active, starts_at, ends_at"
_ACHIEVEMENT = "id, customer_id, mission_code, points, achieved_at, reward_id"


def _mission(row: Any) -> MissionDefinition:
    return MissionDefinition(
        row["code"], row["title"], row["points"], row["active"], row["starts_at"], row["ends_at"]
    )


def _achievement(row: Any) -> Achievement:
    return Achievement(
        row["id"],
        row["customer_id"],
        row["mission_code"],
        row["points"],
        row["achieved_at"],
        row["reward_id"],
    )


def mission_json(m: MissionDefinition) -> dict[str, Any]:
    """A catalogue command's answer as its idempotency key keeps it."""
    return {
        "code": m.code,
        "title": m.title,
        "points": m.points,
        "active": m.active,
        "startsAt": m.starts_at.isoformat() if m.starts_at else None,
        "endsAt": m.ends_at.isoformat() if m.ends_at else None,
    }


def mission_from_json(data: dict[str, Any]) -> MissionDefinition:
    def moment(text: str | None) -> datetime | None:
        return None if text is None else datetime.fromisoformat(text)

    return MissionDefinition(
        data["code"],
        data["title"],
        data["points"],
        data["active"],
        moment(data["startsAt"]),
        moment(data["endsAt"]),
    )


class SqlMissionDefinitionRepository:
    _GET = f"SELECT {_MISSION} FROM mission_definitions WHERE code = $1"
    _GET_MANY = f"SELECT {_MISSION} FROM mission_definitions WHERE code = ANY($1::text[])"
    _LIST = f"SELECT {_MISSION} FROM mission_definitions ORDER BY code"
    _ADD = (
        f"INSERT INTO mission_definitions ({_MISSION}) VALUES ($1, $2, $3, $4, $5, $6) "
        "ON CONFLICT DO NOTHING RETURNING code"
    )
    _SAVE = (
        "UPDATE mission_definitions "
        "SET title = $2, points = $3, active = $4, starts_at = $5, ends_at = $6 "
        "WHERE code = $1"
    )

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def get(self, code: str) -> MissionDefinition | None:
        row = await self._conn.fetchrow(self._GET, code)
        return _mission(row) if row else None

    async def get_many(self, codes: Collection[str]) -> dict[str, MissionDefinition]:
        rows = await self._conn.fetch(self._GET_MANY, list(codes))
        return {r["code"]: _mission(r) for r in rows}

    async def list(self) -> Sequence[MissionDefinition]:
        return [_mission(r) for r in await self._conn.fetch(self._LIST)]

    async def add(self, mission: MissionDefinition) -> bool:
        return await self._conn.fetchval(self._ADD, *_mission_values(mission)) is not None

    async def save(self, mission: MissionDefinition) -> None:
        await self._conn.execute(self._SAVE, *_mission_values(mission))


def _mission_values(m: MissionDefinition) -> tuple[Any, ...]:
    return (m.code, m.title, m.points, m.active, m.starts_at, m.ends_at)


class SqlAchievementRepository:
    _GET = f"SELECT {_ACHIEVEMENT} FROM achievements WHERE id = $1"
    _GET_FOR_UPDATE = f"{_GET} FOR UPDATE"
    # A taken key inserts nothing (DO NOTHING); rows without a key never conflict. The
    # ids that come back are the rows inserted.
    _ADD_MANY = (
        "INSERT INTO achievements (id, customer_id, mission_code, points, achieved_at, "
        "reward_id, idempotency_key, request_fingerprint) "
        "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], "
        "$5::timestamptz[], $6::text[], $7::text[], $8::text[]) "
        "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
    )
    _BY_KEYS = (
        f"SELECT {_ACHIEVEMENT}, idempotency_key, request_fingerprint FROM achievements "
        "WHERE idempotency_key = ANY($1::text[])"
    )
    _FOR_CUSTOMER = (
        f"SELECT {_ACHIEVEMENT} FROM achievements WHERE customer_id = $1 "
        "ORDER BY achieved_at DESC, id LIMIT $2"
    )
    # One lock order (by id): concurrent batches never deadlock.
    _GET_MANY_FOR_UPDATE = (
        f"SELECT {_ACHIEVEMENT} FROM achievements WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE"
    )
    _SAVE_REWARD_LINKS = (
        "UPDATE achievements AS a SET reward_id = link.reward_id "
        "FROM unnest($1::text[], $2::text[]) AS link(id, reward_id) WHERE a.id = link.id"
    )

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def get(self, achievement_id: str, *, for_update: bool = False) -> Achievement | None:
        row = await self._conn.fetchrow(
            self._GET_FOR_UPDATE if for_update else self._GET, achievement_id
        )
        return _achievement(row) if row else None

    async def add_many(
        self, items: Sequence[tuple[Achievement, str | None, str | None]]
    ) -> set[str]:
        if not items:
            return set()
        # Keys in one order for every transaction (unnest yields rows in array order), so
        # two batches waiting on each other's keys cannot deadlock.
        items = sorted(items, key=lambda item: (item[1] is None, item[1] or ""))
        rows = await self._conn.fetch(
            self._ADD_MANY,
            [a.id for a, _, _ in items],
            [a.customer_id for a, _, _ in items],
            [a.mission_code for a, _, _ in items],
            [a.points for a, _, _ in items],
            [a.achieved_at for a, _, _ in items],
            [a.reward_id for a, _, _ in items],
            [key for _, key, _ in items],
            [fingerprint for _, _, fingerprint in items],
        )
        return {r["id"] for r in rows}

    async def by_idempotency_keys(
        self, keys: Collection[str]
    ) -> dict[str, tuple[Achievement, str]]:
        rows = await self._conn.fetch(self._BY_KEYS, list(keys))
        return {
            r["idempotency_key"]: (_achievement(r), r["request_fingerprint"] or "") for r in rows
        }

    async def for_customer(self, customer_id: str, limit: int) -> Sequence[Achievement]:
        rows = await self._conn.fetch(self._FOR_CUSTOMER, customer_id, limit)
        return [_achievement(r) for r in rows]

    async def get_many_for_update(self, ids: Sequence[str]) -> dict[str, Achievement]:
        rows = await self._conn.fetch(self._GET_MANY_FOR_UPDATE, sorted(set(ids)))
        return {r["id"]: _achievement(r) for r in rows}

    async def save_reward_links(self, batch: Sequence[Achievement]) -> None:
        if batch:
            await self._conn.execute(
                self._SAVE_REWARD_LINKS, [a.id for a in batch], [a.reward_id for a in batch]
            )
