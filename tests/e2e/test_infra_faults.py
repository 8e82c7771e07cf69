"""The infrastructure under the services fails: the Kafka broker and the PostgreSQL
postmaster killed -9 mid-burst, or down for a while. A system of its own, supervised as
`make run` supervises it: nothing lost, nothing doubled, never a 500, back by itself."""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from collections.abc import Callable, Iterator, Sequence

import httpx
import pytest

from questline.devstack.sandbox import sandbox
from questline.devstack.stack import SERVICES, Stack
from questline.devstack.testing import eventually

pytestmark = pytest.mark.e2e

SUPERVISOR_LINES: list[str] = []


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    """Overrides the shared system for this module: these tests break its foundations."""
    with sandbox("ql-infra-", supervisor=SUPERVISOR_LINES.append) as running:
        yield running


async def burst(
    api, customers: Sequence[str], per_customer: int, fault: Callable[[], None]
) -> Counter[int]:
    """Report achievements as a careful game backend does (one Idempotency-Key per
    achievement, retried on 503 as Retry-After says) and strike `fault` a quarter in.
    Returns every answer seen; each 503 is checked to be a problem with Retry-After."""
    total = len(customers) * per_customer
    answers: Counter[int] = Counter()
    accepted = 0
    struck = asyncio.Event()
    gate = asyncio.Semaphore(16)

    async def one(customer: str, n: int) -> None:
        nonlocal accepted
        key = f"{customer}-{n}"
        async with gate:
            for _ in range(200):
                response = await api.achieve(customer, key=key)
                answers[response.status_code] += 1
                if response.status_code == 201:
                    accepted += 1
                    if accepted == total // 4 and not struck.is_set():
                        struck.set()
                        fault()
                    return
                assert response.status_code == 503, response.text
                assert response.headers["content-type"] == "application/problem+json"
                await asyncio.sleep(min(1.0, int(response.headers["retry-after"])))
            raise AssertionError(f"{key} never accepted")

    await asyncio.gather(*(one(c, n) for c in customers for n in range(per_customer)))
    assert struck.is_set()
    return answers


def back_by_itself(stack: Stack, name: str, old_pid: int | None) -> Callable[[], bool]:
    def check() -> bool:
        part = stack.kafka if name == "kafka" else stack.postgres
        return part.is_running() and part.pid != old_pid

    return check


async def all_ready(stack: Stack) -> bool:
    async with httpx.AsyncClient(timeout=2) as client:
        for name in SERVICES:
            try:
                if (await client.get(stack.url(name) + "/health/ready")).status_code != 200:
                    return False
            except httpx.HTTPError:
                return False
    return True


async def test_the_broker_killed_mid_burst_refuses_no_achievement_and_restarts_by_itself(
    api, stack
):
    customers = api.customers(12, "kb")
    old = stack.kafka.pid
    answers = await burst(api, customers, 15, lambda: os.kill(old, signal.SIGKILL))
    # The outbox holds the events: reporting never needed the broker.
    assert set(answers) == {201}, answers
    await eventually(back_by_itself(stack, "kafka", old), timeout=60)
    assert any(line.startswith("kafka exited") for line in SUPERVISOR_LINES)
    await eventually(lambda: all_ready(stack), timeout=90)
    await api.wait_settled(customers, 15, timeout=120)


async def test_the_database_killed_mid_burst_answers_503_at_worst_and_settles_once(api, stack):
    customers = api.customers(12, "kd")
    old = stack.postgres.pid
    assert old is not None
    answers = await burst(api, customers, 15, lambda: os.kill(old, signal.SIGKILL))
    assert set(answers) <= {201, 503}, answers
    await eventually(back_by_itself(stack, "postgres", old), timeout=60)
    assert any(line.startswith("postgres exited") for line in SUPERVISOR_LINES)
    await eventually(lambda: all_ready(stack), timeout=90)
    # Each key was accepted once: exactly 15 achievements each, one reward apiece.
    await api.wait_settled(customers, 15, timeout=120)


async def test_while_the_database_is_down_services_answer_503_with_retry_after_and_say_why(
    api, stack
):
    [customer] = api.customers(1, "dd")
    player = api.as_player(customer)  # minted from auth's database: before it goes
    stack.stop_infra("postgres")
    try:
        response = await api.achieve(customer, key="while-down")
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert int(response.headers["retry-after"]) >= 1
        async with httpx.AsyncClient(timeout=5) as client:
            for name in SERVICES:
                ready = await client.get(stack.url(name) + "/health/ready")
                assert ready.status_code == 503, (name, ready.text)
                assert ready.json()["checks"]["database"] is False, (name, ready.text)
            page = await client.get(api.public(f"/mypage/{customer}"), headers=player)
            assert page.status_code == 503, page.text
    finally:
        stack.resume_infra("postgres")
    await eventually(lambda: all_ready(stack), timeout=90)
    assert (await api.achieve(customer, key="while-down")).status_code == 201
    await api.wait_settled([customer], 1)


async def test_while_the_broker_is_down_achievements_are_accepted_and_settle_once_it_returns(
    api, stack
):
    customers = api.customers(5, "bd")
    stack.stop_infra("kafka")
    try:
        for customer in customers:
            for n in range(3):
                response = await api.achieve(customer, key=f"{customer}-{n}")
                assert response.status_code == 201, response.text
        async with httpx.AsyncClient(timeout=10) as client:
            ready = await client.get(stack.url("mission") + "/health/ready")
        assert ready.status_code == 503
        assert ready.json()["checks"] == {"database": True, "kafka": False}
    finally:
        stack.resume_infra("kafka")
    await api.wait_settled(customers, 3, timeout=120)
