"""A mypage process as it runs behind the gateway, for the stream's tests: the real app
served by uvicorn on a loopback port (in-process transports buffer whole answers, and a
stream never ends), with its page listener; and a reader of Server-Sent Events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn

from questline.devstack.ports import free_port
from questline.devstack.testing import ISSUER, eventually
from questline.mypage import bootstrap
from questline.mypage.settings import MyPageSettings


@dataclass
class Running:
    base_url: str
    service: Any
    stopping: asyncio.Event
    settings: MyPageSettings


@asynccontextmanager
async def running_mypage(
    database_url: str,
    kafka: str,
    keep_alive_s: float = 0.5,
    roles: frozenset[str] = frozenset({"http"}),
    consumer_group: str = "",
) -> AsyncIterator[Running]:
    """With the "consumer" role, `consumer_group` (a new one reads every topic from its
    beginning)."""
    settings = MyPageSettings(
        database_url=database_url,
        kafka_bootstrap_servers=kafka,
        auth_jwks=ISSUER.jwks_json,
        stream_keep_alive_s=keep_alive_s,
        consumer_group=consumer_group,
        consumer_session_timeout_ms=6000,
    )
    service = await bootstrap.build(settings, set(roles))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(service.app, host="127.0.0.1", port=port, log_config=None, lifespan="off")
    )
    stopping = asyncio.Event()
    tasks = [asyncio.create_task(server.serve())]
    tasks += [asyncio.create_task(run(stopping)) for run in service.background.values()]
    tasks += [asyncio.create_task(consumer.run(stopping)) for consumer in service.consumers]
    try:
        await eventually(lambda: server.started, timeout=10)
        yield Running(f"http://127.0.0.1:{port}", service, stopping, settings)
    finally:
        stopping.set()
        server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
        await service.close()


@dataclass
class Block:
    """One block of an event stream (up to a blank line)."""

    fields: dict[str, str] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)


class EventStream:
    """Reads an open text/event-stream block by block."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def next(self, timeout: float = 10) -> Block | None:
        """The next block; None once the server ended the stream."""
        block = Block()
        async with asyncio.timeout(timeout):
            async for line in self._lines:
                if line == "":
                    if block.fields or block.comments:
                        return block
                    continue
                if line.startswith(":"):
                    block.comments.append(line[1:].strip())
                    continue
                name, _, value = line.partition(":")
                block.fields[name] = value.removeprefix(" ")
        return None


@asynccontextmanager
async def page_stream(
    base_url: str, customer: str, headers: dict[str, str] | None = None
) -> AsyncIterator[EventStream]:
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(10, read=None)) as http,
        http.stream(
            "GET", f"/mypage/{customer}/stream", headers=headers or ISSUER.player(customer)
        ) as response,
    ):
        yield EventStream(response)
