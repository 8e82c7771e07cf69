"""POST /wallets/{customerId}/rewards/{rewardId}/exchange with gift answering: every
status the route can give, concurrent exchanges sharing transactions (group commit)
while each request keeps its own answer and its own cause, and the OpenAPI document
still describing the route whole."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from questline.devstack.testing import ISSUER, Infra

from .conftest import deposited, wallet_service

pytestmark = pytest.mark.integration

PROBLEM_JSON = "application/problem+json"
PROBLEMS = "https://questline.dev/problems/"
EXCHANGED = "questline.wallet.reward-exchanged.v1"
POTION = {"giftId": "gift-potion"}


def path(reward_id: str, customer: str = "alice") -> str:
    return f"/wallets/{customer}/rewards/{reward_id}/exchange"


async def rows(engine: AsyncEngine) -> dict[str, dict[str, Any]]:
    """reward id → its row, with the transaction that last wrote it (`tx`)."""
    async with engine.connect() as conn:
        found = await conn.execute(text("SELECT *, xmin::text AS tx FROM wallet_rewards"))
        return {r.reward_id: dict(r._mapping) for r in found}


async def exchanged_events(db: Any) -> list[dict[str, Any]]:
    return [e for e in await db.outbox() if e["type"] == EXCHANGED]


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    problem: dict[str, Any] = response.json()
    assert (problem["status"], bool(problem["title"]), bool(problem["detail"])) == (
        status,
        True,
        True,
    )
    return problem


async def test_an_exchange_answers_200_with_the_entry_and_a_retry_the_same_exchange(
    exchanging: httpx.AsyncClient, gift: Any, owned_uow: Any, clock: Any, db: Any
) -> None:
    await deposited(owned_uow, clock, "rw-1")

    first = await exchanging.post(path("rw-1"), json=POTION)
    again = await exchanging.post(path("rw-1"), json=POTION)

    assert (first.status_code, first.headers["content-type"]) == (200, "application/json")
    assert first.json() == {
        "rewardId": "rw-1",
        "missionId": "ach-1",
        "points": 50,
        "status": "EXCHANGED",
        "depositedAt": "2025-05-01T12:00:00Z",
        "giftId": "gift-potion",
        "exchangeId": "x-rw-1",
        "exchangedAt": "2025-05-01T12:30:00Z",
    }
    assert (again.status_code, again.json()) == (200, first.json())
    assert gift[0].calls == 1
    assert len(await exchanged_events(db)) == 1


async def test_concurrent_exchanges_share_transactions_and_each_request_causes_its_own_event(
    exchanging: httpx.AsyncClient, owned_uow: Any, clock: Any, db: Any, engine: AsyncEngine
) -> None:
    rewards = [f"rw-{n:02}" for n in range(40)]
    await deposited(owned_uow, clock, *rewards)

    responses = await asyncio.gather(
        *(
            exchanging.post(path(r), json=POTION, headers={"x-request-id": f"req-{r}"})
            for r in rewards
        )
    )

    assert [(r.status_code, r.json()["exchangeId"]) for r in responses] == [
        (200, f"x-{r}") for r in rewards
    ]
    written = await rows(engine)
    assert {row["status"] for row in written.values()} == {"EXCHANGED"}
    # Grouped: fewer transactions than exchanges wrote the entries.
    assert len({row["tx"] for row in written.values()}) < len(rewards)
    assert sorted(
        (e["data"]["rewardId"], e["causationid"]) for e in await exchanged_events(db)
    ) == [(r, f"req-{r}") for r in rewards]


async def test_the_same_reward_exchanged_five_times_at_once_is_exchanged_once(
    exchanging: httpx.AsyncClient, owned_uow: Any, clock: Any, db: Any
) -> None:
    await deposited(owned_uow, clock, "rw-1")

    responses = await asyncio.gather(
        *(exchanging.post(path("rw-1"), json=POTION) for _ in range(5))
    )

    assert {(r.status_code, r.json()["exchangeId"]) for r in responses} == {(200, "x-rw-1")}
    [event] = await exchanged_events(db)
    assert event["data"]["exchangeId"] == "x-rw-1"


@pytest.mark.parametrize(
    ("reward_id", "gift_id", "status", "kind"),
    [
        ("rw-404", "gift-potion", 404, "reward-not-found"),
        ("rw-1", "gift-unknown", 404, "gift-not-found"),
        ("rw-1", "gift-gone", 409, "out-of-stock"),
    ],
    ids=["unknown-reward", "unknown-gift", "out-of-stock"],
)
async def test_an_exchange_that_does_not_happen_answers_its_problem_and_the_reward_stays(
    exchanging: httpx.AsyncClient,
    owned_uow: Any,
    clock: Any,
    db: Any,
    reward_id: str,
    gift_id: str,
    status: int,
    kind: str,
) -> None:
    await deposited(owned_uow, clock, "rw-1")

    response = await exchanging.post(path(reward_id), json={"giftId": gift_id})

    assert assert_problem(response, status)["type"] == PROBLEMS + kind
    assert [(r["status"], r["gift_id"]) for r in await db.entries()] == [("AVAILABLE", None)]
    assert await exchanged_events(db) == []


async def test_another_gift_for_an_exchanged_reward_answers_409_with_the_gift_it_went_for(
    exchanging: httpx.AsyncClient, gift: Any, owned_uow: Any, clock: Any, db: Any
) -> None:
    await deposited(owned_uow, clock, "rw-1")
    await exchanging.post(path("rw-1"), json=POTION)

    response = await exchanging.post(path("rw-1"), json={"giftId": "gift-skin"})

    problem = assert_problem(response, 409)
    assert (problem["type"], problem["giftId"]) == (PROBLEMS + "already-exchanged", "gift-potion")
    assert gift[0].calls == 1
    assert [(r["status"], r["gift_id"]) for r in await db.entries()] == [
        ("EXCHANGED", "gift-potion")
    ]


async def test_gift_keeping_an_earlier_exchange_answers_409_and_the_wallet_shows_that_one(
    exchanging: httpx.AsyncClient, gift: Any, owned_uow: Any, clock: Any, db: Any
) -> None:
    """A timeout, then the player chose another gift: gift had made the first after all."""
    await deposited(owned_uow, clock, "rw-1")
    stub = gift[0]
    stub.made["rw-1"] = {
        "id": "x-first",
        "giftId": "gift-potion",
        "exchangedAt": "2025-05-01T12:30:00Z",
    }

    response = await exchanging.post(path("rw-1"), json={"giftId": "gift-skin"})

    assert assert_problem(response, 409)["giftId"] == "gift-potion"
    assert [(r["status"], r["exchange_id"]) for r in await db.entries()] == [
        ("EXCHANGED", "x-first")
    ]
    assert [e["data"]["giftId"] for e in await exchanged_events(db)] == ["gift-potion"]


@pytest.mark.parametrize(
    ("url", "body", "status"),
    [
        pytest.param(path("rw-1"), b'{"giftId": ', 400, id="malformed-json"),
        pytest.param(path("rw-1"), b"not json at all", 400, id="not-json"),
        pytest.param(path("rw-1"), b"{}", 422, id="missing-gift"),
        pytest.param(path("rw-1"), b'{"giftId": 42}', 422, id="wrong-type"),
        pytest.param(path("rw-1"), b'{"giftId": "g", "points": 9}', 422, id="unknown-field"),
        pytest.param(path("rw-1"), b'{"giftId": "g\\u0000"}', 422, id="control-character"),
        pytest.param(path("rw-1", "-alice"), b'{"giftId": "g"}', 422, id="invalid-customer"),
        pytest.param(path("r" * 65), b'{"giftId": "g"}', 422, id="reward-id-too-long"),
        pytest.param(path("rw-1"), b'{"giftId": "' + b"g" * 70_000 + b'"}', 413, id="too-large"),
    ],
)
async def test_a_bad_request_answers_its_problem_and_reaches_neither_gift_nor_the_wallet(
    exchanging: httpx.AsyncClient,
    gift: Any,
    owned_uow: Any,
    clock: Any,
    db: Any,
    url: str,
    body: bytes,
    status: int,
) -> None:
    await deposited(owned_uow, clock, "rw-1")

    response = await exchanging.post(
        url, content=body, headers={"content-type": "application/json"}
    )

    assert_problem(response, status)
    assert gift[0].calls == 0
    assert [r["status"] for r in await db.entries()] == ["AVAILABLE"]


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(ISSUER.player("mallory"), id="another player"),
        pytest.param(ISSUER.headers("olga", "liveops"), id="an operator"),
        pytest.param(ISSUER.headers("game-backend", "missions:report"), id="a game backend"),
    ],
)
async def test_only_the_owner_may_exchange_a_reward(
    exchanging: httpx.AsyncClient,
    gift: Any,
    owned_uow: Any,
    clock: Any,
    db: Any,
    headers: dict[str, str],
) -> None:
    await deposited(owned_uow, clock, "rw-1")

    response = await exchanging.post(path("rw-1"), json=POTION, headers=headers)

    assert_problem(response, 403)
    assert gift[0].calls == 0
    assert [r["status"] for r in await db.entries()] == ["AVAILABLE"]


async def test_the_openapi_document_shows_the_exchange_body_answer_and_every_status(
    exchanging: httpx.AsyncClient,
) -> None:
    document = (await exchanging.get("/openapi.json")).json()
    operation = document["paths"]["/wallets/{customer_id}/rewards/{reward_id}/exchange"]["post"]

    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert (body["required"], body["additionalProperties"]) == (["giftId"], False)
    assert set(operation["responses"]) == {
        "200",
        "400",
        "401",
        "403",
        "404",
        "409",
        "413",
        "422",
        "503",
    }
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/WalletRewardResponse"}
    assert "exchangeId" in document["components"]["schemas"]["WalletRewardResponse"]["properties"]
    assert [(p["name"], p["in"], p["schema"]["maxLength"]) for p in operation["parameters"]] == [
        ("customer_id", "path", 64),
        ("reward_id", "path", 64),
    ]


@pytest.fixture
async def breaker(engine: AsyncEngine) -> AsyncIterator[str]:
    """A reward whose entry the database refuses to update (as it would a value it cannot
    store), whatever batch it arrives in; the trigger goes with the test."""
    reward_id = "rw-breaker"
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "CREATE FUNCTION refuse_breaker() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN IF NEW.reward_id = '{reward_id}' THEN "
                "RAISE EXCEPTION 'refused' USING ERRCODE = '22023'; END IF; "
                "RETURN NEW; END $$"
            )
        )
        await conn.execute(
            text(
                "CREATE TRIGGER refuse_breaker BEFORE UPDATE ON wallet_rewards "
                "FOR EACH ROW EXECUTE FUNCTION refuse_breaker()"
            )
        )
    yield reward_id
    async with engine.begin() as conn:
        await conn.execute(text("DROP TRIGGER refuse_breaker ON wallet_rewards"))
        await conn.execute(text("DROP FUNCTION refuse_breaker()"))


async def test_an_exchange_that_breaks_the_shared_transaction_fails_alone(
    exchanging: httpx.AsyncClient,
    owned_uow: Any,
    clock: Any,
    db: Any,
    engine: AsyncEngine,
    breaker: str,
) -> None:
    neighbours = [f"rw-{n:02}" for n in range(10)]
    sent = [*neighbours[:5], breaker, *neighbours[5:]]
    await deposited(owned_uow, clock, *sent)

    responses = await asyncio.gather(*(exchanging.post(path(r), json=POTION) for r in sent))

    assert {r: s.status_code for r, s in zip(sent, responses, strict=True)} == {
        **dict.fromkeys(neighbours, 200),
        breaker: 422,
    }
    written = await rows(engine)
    assert {r: row["status"] for r, row in written.items()} == {
        **dict.fromkeys(neighbours, "EXCHANGED"),
        breaker: "AVAILABLE",
    }
    assert sorted(e["data"]["rewardId"] for e in await exchanged_events(db)) == neighbours


async def test_invalid_ids_in_the_path_answer_one_422_naming_both_before_the_token_is_read(
    exchanging: httpx.AsyncClient, gift: Any
) -> None:
    response = await exchanging.post(
        path("r%7F", "-alice"), json=POTION, headers={"authorization": ""}
    )

    problem = assert_problem(response, 422)
    assert [e["field"] for e in problem["errors"]] == ["path.customer_id", "path.reward_id"]
    assert "should match pattern" in problem["errors"][0]["message"]
    assert gift[0].calls == 0


async def test_an_exchange_is_served_beneath_the_framework_layers_on_the_hot_lane(
    infra: Infra, database_url: str, gift: Any, owned_uow: Any, clock: Any
) -> None:
    await deposited(owned_uow, clock, "rw-1")
    service = await wallet_service(infra, database_url, gift_base_url=gift[1])

    async def refuse(scope, receive, send):  # type: ignore[no-untyped-def]
        raise AssertionError(f"{scope['path']} went through the framework")

    service.app.middleware_stack = refuse
    transport = httpx.ASGITransport(app=service.app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://wallet") as client:
            response = await client.post(
                path("rw-1"), json=POTION, headers=ISSUER.headers("alice", "player")
            )
        assert (response.status_code, response.json()["status"]) == (200, "EXCHANGED")
    finally:
        await service.close()
