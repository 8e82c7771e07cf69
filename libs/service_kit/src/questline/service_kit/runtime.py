"""Runs a service's roles in one asyncio process: the HTTP server, the outbox relay and
the inbox consumers. SIGTERM drains the instance (see drain) and then stops every role
cleanly, the HTTP server first; SIGINT stops without the drain. A role that crashes
stops the process with a non-zero code so that a supervisor restarts it."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
import uvloop
from fastapi import FastAPI

from questline.service_kit.drain import Drain
from questline.service_kit.inbox import InboxConsumer
from questline.service_kit.logs import get_logger
from questline.service_kit.outbox import OutboxRelay
from questline.service_kit.settings import ServiceSettings

log = get_logger(__name__)

ROLES = ("http", "relay", "consumer")

# A task beside the HTTP server (e.g. a cache's listener): runs until `stopping` is set.
Background = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


@dataclass
class Service:
    """What a service's bootstrap builds: everything `run` needs, nothing started yet."""

    settings: ServiceSettings
    app: FastAPI
    relay: OutboxRelay | None = None
    consumers: list[InboxConsumer] = field(default_factory=list)
    close: Callable[[], Awaitable[None]] | None = None
    # Tasks the HTTP role needs beside the server (e.g. a cache's listener), by name.
    background: dict[str, Background] = field(default_factory=dict)
    # The app's: the runtime begins it on SIGTERM, readiness and connections follow it.
    drain: Drain = field(default_factory=Drain)


class _Server(uvicorn.Server):
    # We own the signals: uvicorn's handlers would re-raise them after shutdown and
    # kill the process before the consumers closed.
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    # uvicorn wakes ten times a second to see whether to stop; its Date header changes
    # once a second. One wake-up a second is enough at rest, and `stop` wakes it at once.
    async def main_loop(self) -> None:
        self.stop_requested = asyncio.Event()
        ticks = 0
        while not await self.on_tick(ticks):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop_requested.wait(), 1.0)
            ticks += 10  # on_tick refreshes the Date header when ticks % 10 == 0

    def request_stop(self) -> None:
        self.should_exit = True
        stop = getattr(self, "stop_requested", None)
        if stop is not None:
            stop.set()


async def serve(build: Callable[[set[str]], Awaitable[Service]], roles: set[str]) -> int:
    service = await build(roles)
    # Everything built so far (modules, the app, its routes and models) lives as long as
    # the process: out of the collector's sight, a full collection no longer walks it —
    # tens of milliseconds of pause each time otherwise, felt in a request's tail.
    gc.collect()
    gc.freeze()
    settings = service.settings
    stopping = asyncio.Event()  # the roles beside the HTTP server stop when it is set
    server: _Server | None = None
    tasks: dict[asyncio.Task[None], str] = {}
    if "http" in roles:
        server = _Server(
            uvicorn.Config(
                service.app,
                host=settings.http_host,
                port=settings.http_port,
                log_config=None,
                access_log=False,
                lifespan="on",
                loop="none",
                http="httptools",
                timeout_graceful_shutdown=settings.shutdown_grace_seconds,
            )
        )
        tasks[asyncio.create_task(server.serve())] = "http"
        for name, background in service.background.items():
            tasks[asyncio.create_task(background(stopping))] = name
    if "relay" in roles and service.relay is not None:
        tasks[asyncio.create_task(service.relay.run(stopping))] = "relay"
    if "consumer" in roles:
        for consumer in service.consumers:
            tasks[asyncio.create_task(consumer.run(stopping))] = "consumer"

    http = next((task for task, role in tasks.items() if role == "http"), None)

    async def stop_http_then_the_rest() -> None:
        if server is not None and http is not None:
            server.request_stop()  # stops accepting; requests in flight finish first
            await asyncio.wait([http])
        stopping.set()

    drain_seconds = settings.drain_seconds if server is not None else 0.0
    shutdown = Shutdown(service.drain, drain_seconds, stop_http_then_the_rest)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, shutdown.on_signal, sig)
    log.info("started", roles=sorted(roles), port=settings.http_port if server else None)
    exit_code = 0
    pending = set(tasks)
    while pending:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            error = task.exception()
            if not shutdown.requested:
                log.error(
                    "role_ended_unexpectedly",
                    role=tasks[task],
                    error=repr(error) if error else None,
                )
                exit_code = 1
                shutdown.begin(f"{tasks[task]} ended", drain=False)
            elif error is not None:
                log.error("role_failed_while_stopping", role=tasks[task], error=repr(error))
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.remove_signal_handler(sig)
    await shutdown.finished()
    if service.close is not None:
        await service.close()
    log.info("stopped", exit_code=exit_code)
    return exit_code


class Shutdown:
    """SIGTERM drains first (`drain_seconds`), then stops; SIGINT, or a second signal
    during the drain, stops at once. Stopping is the same either way: the HTTP server
    lets requests in flight finish, then the relay and consumers stop."""

    def __init__(
        self, drain: Drain, drain_seconds: float, stop: Callable[[], Awaitable[None]]
    ) -> None:
        self.drain = drain
        self.drain_seconds = drain_seconds
        self._stop = stop
        self._cut_short = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def requested(self) -> bool:
        return self._task is not None

    def on_signal(self, sig: signal.Signals) -> None:
        if self._task is not None:
            self._cut_short.set()
            return
        self.begin(sig.name, drain=sig == signal.SIGTERM and self.drain_seconds > 0)

    def begin(self, reason: str, *, drain: bool) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(reason, drain))

    async def _run(self, reason: str, drain: bool) -> None:
        if drain:
            self.drain.begin(reason)
            log.info("draining", reason=reason, seconds=self.drain_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._cut_short.wait(), self.drain_seconds)
            if self._cut_short.is_set():
                reason = f"{reason}, drain cut short by a second signal"
        log.info("stopping", reason=reason, drained_s=round(self.drain.elapsed(), 3))
        await self._stop()

    async def finished(self) -> None:
        if self._task is not None:
            await self._task


def run(build: Callable[[set[str]], Awaitable[Service]], roles: set[str]) -> int:
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(serve(build, roles))
