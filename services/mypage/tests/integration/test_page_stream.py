"""GET /mypage/{customerId}/stream: Server-Sent Events of the page, pushed by the
PostgreSQL notices of the projection's batches; auth refused before the stream opens."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from questline.contracts import events as contract
from questline.devstack.testing import ISSUER, Infra

from .streaming import Running, page_stream, running_mypage

pytestmark = pytest.mark.integration

T0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def achieved(mission: str, customer: str = "alice") -> contract.MissionAchieved:
    return contract.MissionAchieved(
        mission_id=mission,
        customer_id=customer,
        mission_code="first-win",
        points=50,
        achieved_at=T0,
    )


@pytest.fixture
async def mypage(database_url: str, infra: Infra) -> AsyncIterator[Running]:
    async with running_mypage(database_url, infra.bootstrap) as running:
        yield running


async def get_page(mypage: Running, customer: str = "alice") -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=mypage.base_url) as http:
        response = await http.get(f"/mypage/{customer}", headers=ISSUER.player(customer))
    assert response.status_code == 200
    page: dict[str, Any] = response.json()
    return page


async def test_a_stream_says_how_to_retry_then_sends_the_page_at_once(
    mypage: Running, consume: Any
) -> None:
    await consume(("e1", achieved("ach-1")))

    async with page_stream(mypage.base_url, "alice") as stream:
        assert stream.response.status_code == 200
        assert stream.response.headers["content-type"].startswith("text/event-stream")
        assert stream.response.headers["cache-control"] == "no-store"
        retry, first = await stream.next(), await stream.next()

    assert retry is not None and retry.fields == {"retry": "2000"}
    assert first is not None and first.fields["event"] == "page"
    assert int(first.fields["id"]) > 0
    assert json.loads(first.fields["data"]) == await get_page(mypage)


async def test_a_page_without_activity_is_sent_empty_at_version_zero(mypage: Running) -> None:
    async with page_stream(mypage.base_url, "nobody") as stream:
        await stream.next()
        first = await stream.next()

    assert first is not None and first.fields["id"] == "0"
    assert json.loads(first.fields["data"]) == {
        "customerId": "nobody",
        "missions": [],
        "wallet": [],
        "updatedAt": None,
    }


async def test_a_change_of_the_page_arrives_on_the_open_stream(
    mypage: Running, consume: Any
) -> None:
    await consume(("e1", achieved("ach-1")))
    async with page_stream(mypage.base_url, "alice") as stream:
        await stream.next()
        first = await stream.next()
        assert first is not None

        await consume(("e2", achieved("ach-2")), ("e3", achieved("ach-9", customer="bob")))

        update = await stream.next()
        while update is not None and not update.fields:  # keep-alives meanwhile
            update = await stream.next()

    assert update is not None and update.fields["event"] == "page"
    assert int(update.fields["id"]) > int(first.fields["id"])
    data = json.loads(update.fields["data"])
    assert sorted(m["missionId"] for m in data["missions"]) == ["ach-1", "ach-2"]
    assert data == await get_page(mypage)


async def test_a_client_resuming_at_the_current_version_gets_only_the_next_change(
    mypage: Running, consume: Any
) -> None:
    await consume(("e1", achieved("ach-1")))
    async with page_stream(mypage.base_url, "alice") as stream:
        await stream.next()
        current = await stream.next()
    assert current is not None

    resumed = {**ISSUER.player("alice"), "Last-Event-ID": current.fields["id"]}
    async with page_stream(mypage.base_url, "alice", resumed) as stream:
        retry, quiet = await stream.next(), await stream.next()
        await consume(("e2", achieved("ach-2")))
        change = await stream.next()
        while change is not None and not change.fields:
            change = await stream.next()

    assert retry is not None and retry.fields == {"retry": "2000"}
    assert quiet is not None and (quiet.fields, quiet.comments) == ({}, ["keep-alive"])
    assert change is not None and int(change.fields["id"]) > int(current.fields["id"])


async def test_a_client_resuming_at_an_older_version_gets_the_page_at_once(
    mypage: Running, consume: Any
) -> None:
    await consume(("e1", achieved("ach-1")))
    await consume(("e2", achieved("ach-2")))

    stale = {**ISSUER.player("alice"), "Last-Event-ID": "1"}
    async with page_stream(mypage.base_url, "alice", stale) as stream:
        await stream.next()
        first = await stream.next()

    assert first is not None and first.fields["event"] == "page"
    assert len(json.loads(first.fields["data"])["missions"]) == 2


async def test_a_quiet_stream_sends_keep_alive_comments(mypage: Running) -> None:
    async with page_stream(mypage.base_url, "alice") as stream:
        await stream.next()
        await stream.next()
        quiet = [await stream.next(), await stream.next()]

    assert all(b is not None and (b.fields, b.comments) == ({}, ["keep-alive"]) for b in quiet)


async def test_an_operator_may_stream_any_page(mypage: Running) -> None:
    async with page_stream(mypage.base_url, "alice", ISSUER.headers("operator-1")) as stream:
        await stream.next()
        first = await stream.next()

    assert first is not None and json.loads(first.fields["data"])["customerId"] == "alice"


@pytest.mark.parametrize(
    ("customer", "headers", "status"),
    [
        ("alice", {}, 401),
        ("alice", {"Authorization": "Bearer not-a-token"}, 401),
        ("alice", ISSUER.player("bob"), 403),
        ("al%20ice", ISSUER.player("alice"), 422),
        ("a" * 65, ISSUER.headers("operator-1"), 422),
    ],
    ids=["no token", "bad token", "another player", "bad id", "too long"],
)
async def test_a_refused_stream_is_a_problem_before_any_event(
    mypage: Running, customer: str, headers: dict[str, str], status: int
) -> None:
    async with httpx.AsyncClient(base_url=mypage.base_url) as http:
        response = await http.get(f"/mypage/{customer}/stream", headers=headers)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status


async def test_the_stream_ends_when_the_token_expires(mypage: Running) -> None:
    token = ISSUER.token("alice", "player", exp=int(time.time()) + 2)
    headers = {"Authorization": f"Bearer {token}"}

    async with page_stream(mypage.base_url, "alice", headers) as stream:
        blocks = [await stream.next()]
        while blocks[-1] is not None:
            blocks.append(await stream.next())

    assert blocks[0] is not None and blocks[0].fields == {"retry": "2000"}
    assert blocks[1] is not None and blocks[1].fields["event"] == "page"


async def test_open_streams_end_when_the_process_stops(mypage: Running) -> None:
    async with page_stream(mypage.base_url, "alice") as stream:
        await stream.next()
        await stream.next()

        mypage.stopping.set()  # what SIGTERM does: the page listener stops

        rest = await stream.next()
        while rest is not None:
            rest = await stream.next()
