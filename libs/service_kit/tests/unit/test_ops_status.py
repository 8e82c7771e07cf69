"""The operators' status of a service: lag per partition from committed offsets and
watermarks, the route's scope, and a part that cannot be read named, not failing all."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from questline.devstack.testing import ISSUER
from questline.service_kit.caller import TokenVerifier
from questline.service_kit.ops import OpsStatus, PartitionLag, lag_of, ops_router
from questline.service_kit.problems import install_problem_handlers


def test_lag_is_what_lies_between_the_committed_offset_and_the_end() -> None:
    rows = lag_of({("t", 0): 7, ("t", 1): 3}, {("t", 0): (0, 10), ("t", 1): (0, 3)})
    assert rows == [PartitionLag("t", 0, 7, 10, 3), PartitionLag("t", 1, 3, 3, 0)]


def test_a_partition_never_committed_lags_by_everything_it_still_holds() -> None:
    [row] = lag_of({}, {("t", 0): (4, 10)})
    assert row == PartitionLag("t", 0, None, 10, 6)


def test_a_commit_below_what_retention_kept_counts_from_the_oldest_record() -> None:
    [row] = lag_of({("t", 0): 2}, {("t", 0): (5, 9)})
    assert row.lag == 4


class FakeKafka:
    def __init__(self, *, down: bool = False, consuming: bool = True) -> None:
        self.down = down
        self.consuming = consuming
        self.reads = 0

    def lag(self) -> list[PartitionLag]:
        self.reads += 1
        if self.down:
            raise RuntimeError("broker unreachable")
        return [
            PartitionLag("reward.events", 0, 5, 8, 3),
            PartitionLag("reward.events", 1, 2, 2, 0),
        ]

    def dead_letters(self) -> int:
        if self.down:
            raise RuntimeError("broker unreachable")
        return 2


def client_for(status: OpsStatus) -> httpx.AsyncClient:
    app = FastAPI()
    app.state.verifier = TokenVerifier(
        jwks_url="", issuer=ISSUER.issuer, audience=ISSUER.audience, jwks=_jwks()
    )
    install_problem_handlers(app)
    app.include_router(ops_router(status))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def _jwks() -> Any:
    import json

    return json.loads(ISSUER.jwks_json)


async def breaker() -> dict[str, Any]:
    return {"state": "closed"}


async def broken() -> int:
    raise RuntimeError("database unreachable")


async def test_an_operator_reads_lag_dead_letters_and_the_services_own_figures() -> None:
    status = OpsStatus("wallet", "questline.wallet", FakeKafka(), {"giftCircuitBreaker": breaker})  # type: ignore[arg-type]
    async with client_for(status) as client:
        answer = await client.get("/ops/wallet/status", headers=ISSUER.headers(scope="liveops"))
    assert answer.status_code == 200
    body = answer.json()
    assert body["service"] == "wallet" and body["consumerGroup"] == "questline.wallet"
    assert body["consumerLag"]["total"] == 3
    assert body["consumerLag"]["partitions"][0] == {
        "topic": "reward.events",
        "partition": 0,
        "committed": 5,
        "end": 8,
        "lag": 3,
    }
    assert body["deadLetters"] == 2
    assert body["figures"] == {"giftCircuitBreaker": {"state": "closed"}}
    assert body["unavailable"] == []


@pytest.mark.parametrize("scope", ["player", "missions:report"])
async def test_only_operators_read_the_status(scope: str) -> None:
    status = OpsStatus("wallet", "questline.wallet", FakeKafka(), {})  # type: ignore[arg-type]
    async with client_for(status) as client:
        refused = await client.get("/ops/wallet/status", headers=ISSUER.headers(scope=scope))
        anonymous = await client.get("/ops/wallet/status")
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert anonymous.status_code == 401


async def test_a_part_that_cannot_be_read_is_named_and_the_rest_still_answered() -> None:
    status = OpsStatus(
        "mission",
        "questline.mission",
        FakeKafka(down=True),  # type: ignore[arg-type]
        {"achievementsLastMinute": broken, "giftCircuitBreaker": breaker},
    )
    async with client_for(status) as client:
        answer = await client.get("/ops/mission/status", headers=ISSUER.headers(scope="liveops"))
    body = answer.json()
    assert answer.status_code == 200
    assert body["consumerLag"] is None and body["deadLetters"] is None
    assert body["figures"] == {
        "achievementsLastMinute": None,
        "giftCircuitBreaker": {"state": "closed"},
    }
    assert body["unavailable"] == ["consumerLag", "deadLetters", "achievementsLastMinute"]


async def test_kafka_is_asked_once_for_requests_close_together() -> None:
    kafka = FakeKafka()
    status = OpsStatus("reward", "questline.reward", kafka, {})  # type: ignore[arg-type]
    await status.snapshot()
    await status.snapshot()
    assert kafka.reads == 1


async def test_a_process_without_consumers_reports_no_group_rather_than_no_lag() -> None:
    kafka = FakeKafka(consuming=False)
    status = OpsStatus("gift", "questline.gift", kafka, {})  # type: ignore[arg-type]
    body = await status.snapshot()
    assert (body["consumerGroup"], body["consumerLag"], body["deadLetters"]) == (None, None, None)
    assert body["unavailable"] == [] and kafka.reads == 0
