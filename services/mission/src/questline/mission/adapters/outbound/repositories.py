"""SQL repositories: rows in and out of the domain's classes."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from questline.mission.adapters.outbound.tables import achievements, mission_definitions
from questline.mission.domain.achievement import Achievement
from questline.mission.domain.mission import MissionDefinition


def _mission(row: Any) -> MissionDefinition:
    return MissionDefinition(
        row.code, row.title, row.points, row.active, row.starts_at, row.ends_at
    )


def _achievement(row: Any) -> Achievement:
    return Achievement(
        row.id, row.customer_id, row.mission_code, row.points, row.achieved_at, row.reward_id
    )


class SqlMissionDefinitionRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, code: str) -> MissionDefinition | None:
        row = (
            await self._conn.execute(
                select(mission_definitions).where(mission_definitions.c.code == code)
            )
        ).first()
        return _mission(row) if row else None

    async def get_many(self, codes: Collection[str]) -> dict[str, MissionDefinition]:
        rows = await self._conn.execute(
            select(mission_definitions).where(mission_definitions.c.code.in_(list(codes)))
        )
        return {r.code: _mission(r) for r in rows}

    async def list(self) -> Sequence[MissionDefinition]:
        rows = await self._conn.execute(select(mission_definitions).order_by("code"))
        return [_mission(r) for r in rows]

    async def add(self, mission: MissionDefinition) -> bool:
        result = await self._conn.execute(
            insert(mission_definitions)
            .values(**_mission_values(mission))
            .on_conflict_do_nothing()
            .returning(mission_definitions.c.code)
        )
        return result.first() is not None

    async def save(self, mission: MissionDefinition) -> None:
        values = _mission_values(mission)
        del values["code"]
        await self._conn.execute(
            update(mission_definitions)
            .where(mission_definitions.c.code == mission.code)
            .values(**values)
        )


def _mission_values(m: MissionDefinition) -> dict[str, Any]:
    return {
        "code": m.code,
        "title": m.title,
        "points": m.points,
        "active": m.active,
        "starts_at": m.starts_at,
        "ends_at": m.ends_at,
    }


class SqlAchievementRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, achievement_id: str, *, for_update: bool = False) -> Achievement | None:
        stmt = select(achievements).where(achievements.c.id == achievement_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self._conn.execute(stmt)).first()
        return _achievement(row) if row else None

    async def add_many(
        self, items: Sequence[tuple[Achievement, str | None, str | None]]
    ) -> set[str]:
        if not items:
            return set()
        # One prepared statement, executemany: a taken key inserts nothing (DO NOTHING),
        # rows without a key never conflict. Keys in one order for every transaction, so
        # two batches waiting on each other's keys cannot deadlock.
        items = sorted(items, key=lambda item: (item[1] is None, item[1] or ""))
        result = await self._conn.execute(
            insert(achievements)
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(achievements.c.id),
            [
                {
                    "id": a.id,
                    "customer_id": a.customer_id,
                    "mission_code": a.mission_code,
                    "points": a.points,
                    "achieved_at": a.achieved_at,
                    "reward_id": a.reward_id,
                    "idempotency_key": key,
                    "request_fingerprint": fingerprint,
                }
                for a, key, fingerprint in items
            ],
        )
        return set(result.scalars())

    async def by_idempotency_keys(
        self, keys: Collection[str]
    ) -> dict[str, tuple[Achievement, str]]:
        rows = await self._conn.execute(
            select(achievements).where(achievements.c.idempotency_key.in_(list(keys)))
        )
        return {r.idempotency_key: (_achievement(r), r.request_fingerprint or "") for r in rows}

    async def for_customer(self, customer_id: str, limit: int) -> Sequence[Achievement]:
        rows = await self._conn.execute(
            select(achievements)
            .where(achievements.c.customer_id == customer_id)
            .order_by(achievements.c.achieved_at.desc(), achievements.c.id)
            .limit(limit)
        )
        return [_achievement(r) for r in rows]

    async def get_many_for_update(self, ids: Sequence[str]) -> dict[str, Achievement]:
        rows = await self._conn.execute(
            select(achievements)
            .where(achievements.c.id.in_(sorted(set(ids))))
            .order_by(achievements.c.id)  # one lock order: concurrent batches never deadlock
            .with_for_update()
        )
        return {r.id: _achievement(r) for r in rows}

    async def save_reward_links(self, batch: Sequence[Achievement]) -> None:
        if batch:
            await self._conn.execute(
                update(achievements)
                .where(achievements.c.id == bindparam("achievement_id"))
                .values(reward_id=bindparam("linked_reward_id")),
                [{"achievement_id": a.id, "linked_reward_id": a.reward_id} for a in batch],
            )
