"""My Page on the running system, through the gateway: gift names from gift's catalogue
events, the page pushed over Server-Sent Events, and the read model rebuilt from the
topics while players keep reading it."""

from __future__ import annotations

import asyncio
import json
import sys

import httpx
import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition

from questline.devstack.testing import eventually

pytestmark = pytest.mark.e2e


class Stream:
    """An open text/event-stream, read block by block."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def next(self, timeout: float = 30) -> dict[str, str]:
        block: dict[str, str] = {}
        async with asyncio.timeout(timeout):
            async for line in self._lines:
                if line == "" and block:
                    return block
                if line and not line.startswith(":"):
                    name, _, value = line.partition(":")
                    block[name] = value.removeprefix(" ")
        raise AssertionError("the stream ended")


async def test_a_stream_through_the_gateway_receives_the_page_when_an_achievement_is_reported(
    api,
):
    [player] = api.customers(1, "stream")
    url = api.public(f"/mypage/{player}/stream")
    async with (
        httpx.AsyncClient(timeout=httpx.Timeout(30, read=None)) as http,
        http.stream("GET", url, headers=api.as_player(player)) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = Stream(response)
        assert await stream.next() == {"retry": "2000"}
        first = await stream.next()
        assert (first["event"], json.loads(first["data"])["missions"]) == ("page", [])

        assert (await api.achieve(player)).status_code == 201

        page = json.loads(first["data"])
        while not page["missions"]:
            update = await stream.next()
            assert update["event"] == "page" and update["id"] != first["id"]
            page = json.loads(update["data"])
    assert page["missions"][0]["missionCode"] == "first-win"


async def test_a_stream_of_someone_elses_page_is_refused_at_the_gateway_door(api):
    [player, other] = api.customers(2, "nosy")
    response = await api.client.get(
        api.public(f"/mypage/{other}/stream"), headers=api.as_player(player)
    )
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


async def exchanged_rewards(api, players, gift_id):
    await api.achieve_many(players, per_customer=1)
    await api.wait_settled(players, achievements=1)
    outcomes = []
    for player in players:
        [entry] = await api.rewards_of(player)
        outcomes.append(await api.exchange(player, entry["rewardId"], gift_id))
    return outcomes


async def shows_gift_names(api, player, names):
    wallet = (await api.get("mypage", f"/mypage/{player}"))["wallet"]
    return [w["giftName"] for w in wallet] == names


async def test_my_page_names_the_gifts_of_exchanges_seeded_ones_included(api):
    [seeded, added] = api.customers(2, "giftname")
    gift = await api.new_gift(stock=3, name="Crystal sword")

    [one] = await exchanged_rewards(api, [seeded], "gift-potion")
    [two] = await exchanged_rewards(api, [added], gift["id"])

    assert one.status_code == two.status_code == 200
    await eventually(lambda: shows_gift_names(api, seeded, ["Health potion pack"]), timeout=60)
    await eventually(lambda: shows_gift_names(api, added, ["Crystal sword"]), timeout=60)


def deliver_again(bootstrap: str, customer: str, ce_type: str) -> None:
    """Copy one of the customer's records, as it is, to the end of its topic: what a relay
    that crashed before marking its batch sent does."""
    topic = ce_type.split(".")[1] + ".events"
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "e2e-redeliver"})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        while True:
            message = consumer.poll(10)
            assert message is not None, f"no {ce_type} of {customer} on {topic}"
            headers = dict(message.headers() or [])
            if message.key() == customer.encode() and headers.get("ce_type") == ce_type.encode():
                break
    finally:
        consumer.close()
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    producer.produce(topic, message.value(), message.key(), headers=message.headers())
    assert producer.flush(30) == 0


async def test_a_rebuilt_read_model_shows_the_same_pages_and_reads_never_stop(api):
    stack = api.stack
    players = api.customers(3, "rebuild")
    await api.achieve_many(players, per_customer=2)
    await api.wait_settled(players, achievements=2)
    gift = await api.new_gift(stock=1, name="Only one")
    first, second = players[:2]
    taken = await api.exchange(first, (await api.rewards_of(first))[0]["rewardId"], gift["id"])
    # The last item is gone: this exchange fails and its reward stays available.
    failed = await api.exchange(second, (await api.rewards_of(second))[0]["rewardId"], gift["id"])
    assert (taken.status_code, failed.status_code) == (200, 409)
    await api.assert_exchange_invariants(players, [gift["id"]])
    for ce_type in ("reward-deposited", "reward-exchanged"):
        await asyncio.to_thread(
            deliver_again, stack.kafka.bootstrap, first, f"questline.wallet.{ce_type}.v1"
        )
    await eventually(lambda: gift_names_known(api, first), timeout=60)
    before = {p: await api.get("mypage", f"/mypage/{p}") for p in players}

    rebuilding = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "questline.mypage", "rebuild", "--json",
        env=stack.service_env("mypage"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    done = asyncio.ensure_future(rebuilding.communicate())
    reads = []
    while not done.done():  # each player keeps reading their page all along
        for player in players:
            response = await api.client.get(
                api.public(f"/mypage/{player}"), headers=api.as_player(player)
            )
            reads.append((player, response.status_code, response.json()))
    out, _ = await done

    assert rebuilding.returncode == 0, out
    report = json.loads(out.splitlines()[-1])
    assert report["pages_built"] >= len(players) and report["records_replayed"] > 0
    assert reads and all((status, page) == (200, before[p]) for p, status, page in reads)
    assert {p: await api.get("mypage", f"/mypage/{p}") for p in players} == before
    # Still live after the switch: a new achievement shows up.
    assert (await api.achieve(players[2])).status_code == 201
    await eventually(lambda: missions_shown(api, players[2], 3), timeout=60)


async def gift_names_known(api, player):
    wallet = (await api.get("mypage", f"/mypage/{player}"))["wallet"]
    return all(w["giftName"] for w in wallet if w["status"] == "EXCHANGED")


async def missions_shown(api, player, count):
    return len((await api.get("mypage", f"/mypage/{player}"))["missions"]) == count
