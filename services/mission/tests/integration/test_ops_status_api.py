"""GET /ops/mission/status: the operators see how many achievements came in the last
minute, next to the consumer lag every service reports."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import text

pytestmark = pytest.mark.integration


async def test_the_status_counts_the_achievements_of_the_last_minute_only(
    client: httpx.AsyncClient, db: Any
) -> None:
    for customer in ("alice", "bob"):
        report = {"customerId": customer, "missionCode": "first-win"}
        assert (await client.post("/missions", json=report)).status_code == 201
    async with db.engine.begin() as conn:  # one of them an hour ago
        await conn.execute(
            text(
                "UPDATE achievements SET achieved_at = achieved_at - interval '1 hour' "
                "WHERE customer_id = 'bob'"
            )
        )

    answer = await client.get("/ops/mission/status")

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["service"] == "mission"
    assert body["figures"] == {"achievementsLastMinute": 1}
    assert "consumerLag" in body and "deadLetters" in body
