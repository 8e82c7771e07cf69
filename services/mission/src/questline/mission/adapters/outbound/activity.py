"""How busy the mission service is, for the operators' status (GET /ops/mission/status)."""

from __future__ import annotations

from questline.service_kit.db import Database

_LAST_MINUTE = "SELECT count(*) FROM achievements WHERE achieved_at > now() - interval '1 minute'"


async def achievements_last_minute(database: Database) -> int:
    """Achievements recorded in the last 60 seconds, by every replica together."""
    async with database.connection() as conn:
        return int(await conn.fetchval(_LAST_MINUTE))
