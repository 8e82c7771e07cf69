"""A service process told to stop (SIGTERM) drains first: readiness answers 503 while
every other route keeps answering, a request in flight when the server stops still gets
its answer, and only then does the process exit. SIGINT, or a second signal, skips the
drain. A real process on a loopback port, signalled as a supervisor signals it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from questline.devstack.ports import free_port
from questline.devstack.testing import eventually

pytestmark = pytest.mark.integration

SERVICE = Path(__file__).with_name("draining_service.py")
DRAIN_S = 1.5


class Running:
    def __init__(self, popen: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.popen = popen
        self.url = f"http://127.0.0.1:{port}"
        self.log = log

    def events(self) -> list[dict[str, object]]:
        lines = self.log.read_text().splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    def said(self, event: str) -> dict[str, object] | None:
        return next((e for e in self.events() if e.get("event") == event), None)


@contextmanager
def started(tmp_path: Path, drain_s: float = DRAIN_S) -> Iterator[Running]:
    port = free_port()
    log = tmp_path / "service.log"
    env = {
        **os.environ,
        "QUESTLINE_DRAINTEST_HTTP_PORT": str(port),
        "QUESTLINE_DRAINTEST_DRAIN_SECONDS": str(drain_s),
    }
    with log.open("wb") as out:
        popen = subprocess.Popen(
            [sys.executable, str(SERVICE)], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield Running(popen, port, log)
    finally:
        if popen.poll() is None:
            popen.kill()
            popen.wait(10)


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[Running]:
    with started(tmp_path) as running:
        await eventually(lambda: _ready(running), timeout=30)
        yield running


async def _status(running: Running, path: str) -> int | None:
    try:
        async with httpx.AsyncClient(timeout=2) as client:
            return (await client.get(running.url + path)).status_code
    except httpx.TransportError:
        return None


async def _ready(running: Running) -> bool:
    return await _status(running, "/health/ready") == 200


async def _refused(running: Running) -> bool:
    return await _status(running, "/hello") is None


async def _exit_code(popen: subprocess.Popen[bytes], timeout: float = 15) -> int:
    return await asyncio.to_thread(popen.wait, timeout)


async def test_while_draining_readiness_answers_503_and_every_other_route_still_answers(
    service: Running,
):
    started_at = time.monotonic()
    service.popen.send_signal(signal.SIGTERM)
    async with httpx.AsyncClient(timeout=2) as client:
        ready = await eventually(lambda: _ready_if_draining(client, service.url), timeout=DRAIN_S)
        hello = await client.get(service.url + "/hello")

    assert ready.headers["content-type"] == "application/problem+json"
    assert ready.json()["title"] == "Draining"
    assert "SIGTERM" in ready.json()["detail"]
    assert hello.status_code == 200 and hello.json() == {"hello": "world"}
    # Each answer closes its connection: pooled connections move to other instances.
    assert hello.headers["connection"] == "close"
    assert await _exit_code(service.popen) == 0
    assert time.monotonic() - started_at >= DRAIN_S
    draining, stopping = service.said("draining"), service.said("stopping")
    assert draining is not None and draining["reason"] == "SIGTERM"
    assert stopping is not None and float(stopping["drained_s"]) >= DRAIN_S  # type: ignore[arg-type]


async def _ready_if_draining(client: httpx.AsyncClient, url: str) -> httpx.Response | None:
    response = await client.get(url + "/health/ready")
    return response if response.status_code == 503 else None


async def test_a_request_in_flight_when_the_server_stops_still_gets_its_answer(
    service: Running,
):
    service.popen.send_signal(signal.SIGTERM)
    await eventually(lambda: service.said("draining"), timeout=5)
    async with httpx.AsyncClient(timeout=10) as client:
        # Sent while draining (every route still serves), still running when the drain
        # ends and the server stops accepting.
        slow = asyncio.create_task(client.get(service.url + "/slow?seconds=2.5"))
        await eventually(lambda: service.said("stopping"), timeout=DRAIN_S + 5)
        await eventually(lambda: _refused(service), timeout=5)

        answer = await slow

    assert answer.status_code == 200 and answer.json() == {"slept": 2.5}
    assert await _exit_code(service.popen) == 0


async def test_a_second_signal_cuts_the_drain_short(tmp_path: Path):
    with started(tmp_path, drain_s=60) as service:
        await eventually(lambda: _ready(service), timeout=30)
        service.popen.send_signal(signal.SIGTERM)
        await eventually(lambda: service.said("draining"), timeout=5)
        service.popen.send_signal(signal.SIGTERM)

        assert await _exit_code(service.popen, timeout=10) == 0
        stopping = service.said("stopping")
        assert stopping is not None and "cut short" in str(stopping["reason"])


async def test_sigint_stops_without_draining(tmp_path: Path):
    with started(tmp_path, drain_s=60) as service:
        await eventually(lambda: _ready(service), timeout=30)
        service.popen.send_signal(signal.SIGINT)

        assert await _exit_code(service.popen, timeout=10) == 0
        assert service.said("draining") is None
        stopping = service.said("stopping")
        assert stopping is not None and stopping["reason"] == "SIGINT"
