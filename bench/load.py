"""HTTP load: open loop (requests at intended send times) or closed loop (N connections).

Open loop: request i is due at t0 + i / rate whatever happened to the earlier ones, and
its latency is measured from that *intended* time, so a stalled server (or a stalled
generator) shows up in the latency instead of hiding (no coordinated omission).
Latencies go into an HDR histogram in microseconds, timed with time.monotonic() (uvloop's
loop.time() only ticks in milliseconds).

The generator runs in a child process (`LoadRunner`): it competes with the system for
the machine's cores, so it gets its own interpreter, reports its own CPU use, and sends
through the lean client of `bench.http1` (pre-encoded requests, ≈ 20-40 µs of CPU per
request against aiohttp's ≈ 100: one process offers 20,000 POST/s to a trivial server
at ≈ 40 % of a core). Every run is bounded in count and time and talks to loopback only.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import multiprocessing
import resource
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from hdrh.histogram import HdrHistogram

from bench.http1 import Pool

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
MAX_REQUESTS = 500_000
HIST_MAX_US = 300_000_000  # 5 minutes
CLOSED_LOOP_MAX_S = 300.0
# The open loop sleeps at least this long between sends: at high rates the next send
# is due in less than uvloop's 1 ms timer resolution, and a shorter sleep only spins
# (a spinning generator takes a core from the system). Due requests go out together.
MIN_TICK_S = 0.001


def new_histogram() -> HdrHistogram:
    return HdrHistogram(1, HIST_MAX_US, 3)


def check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK_HOSTS:
        raise ValueError(f"{url}: the load generator talks to loopback only")


@dataclass(frozen=True)
class LoadSpec:
    """What to send. Request i uses paths[i % len], bodies[i % len] (POST bodies) and
    tokens[i % len] (bearer tokens: the caller each request acts as)."""

    name: str
    base_url: str
    method: str
    paths: tuple[str, ...]
    bodies: tuple[bytes, ...] = ()
    tokens: tuple[str, ...] = ()
    rate: float = 0.0  # open loop when > 0 (requests per second)
    duration_s: float = 0.0
    count: int | None = None  # default: rate x duration (open) or len(paths) (closed)
    concurrency: int = 0  # closed loop when > 0 (and rate == 0)
    ok_status: tuple[int, ...] = (200,)
    warmup_s: float = 0.0  # same load first, results discarded
    track_every: int = 0  # keep per-request times of every k-th measured request
    timeout_s: float = 10.0  # per request
    max_connections: int = 512
    drain_s: float = 20.0  # after the last send, wait this long for answers at most

    @property
    def open_loop(self) -> bool:
        return self.rate > 0

    def total(self) -> int:
        if self.count is not None:
            n = self.count
        elif self.open_loop:
            n = round(self.rate * self.duration_s)
        else:
            n = len(self.paths) if self.duration_s <= 0 else MAX_REQUESTS
        return max(0, min(n, MAX_REQUESTS))


@dataclass(frozen=True)
class Tracked:
    index: int
    intended_wall: float  # time.time() at the intended send time
    done_wall: float  # time.time() when the answer was complete
    status: int  # HTTP status, 0 for a client-side error


@dataclass
class LoadResult:
    name: str
    mode: str  # "open" | "closed"
    offered_rps: float | None
    concurrency: int | None
    scheduled: int = 0
    sent: int = 0
    completed: int = 0
    ok: int = 0
    status_counts: dict[str, int] = field(default_factory=dict)
    exceptions: dict[str, int] = field(default_factory=dict)
    unfinished: int = 0
    send_window_s: float = 0.0  # first intended send -> last actual send
    elapsed_s: float = 0.0  # first intended send -> last answer
    max_send_lag_ms: float = 0.0  # how late the generator sent, at worst
    status_windows: dict[str, tuple[float, float]] = field(default_factory=dict)
    histogram: bytes = b""  # encoded HdrHistogram of every answer's latency (us)
    cpu_s: float = 0.0
    tracked: list[Tracked] = field(default_factory=list)
    warmup_completed: int = 0  # answers in the warm-up (not in any figure above)

    @property
    def errors(self) -> int:
        return self.completed - self.ok + self.unfinished

    def hist(self) -> HdrHistogram:
        h = new_histogram()
        if self.histogram:
            h.decode_and_add(self.histogram)
        return h

    def summary(self) -> dict[str, Any]:
        h = self.hist()
        count = h.get_total_count()

        def ms(value: float) -> float | None:
            return round(value / 1000, 3) if count else None

        return {
            "mode": self.mode,
            "offered_rps": self.offered_rps,
            "concurrency": self.concurrency,
            "scheduled": self.scheduled,
            "sent": self.sent,
            "completed": self.completed,
            "ok": self.ok,
            "errors": self.errors,
            "unfinished": self.unfinished,
            "status_counts": self.status_counts,
            "exceptions": self.exceptions,
            "sent_rps": _rate(self.sent, self.send_window_s),
            "achieved_rps": _rate(self.ok, self.elapsed_s),
            "elapsed_s": round(self.elapsed_s, 3),
            "max_send_lag_ms": round(self.max_send_lag_ms, 3),
            "latency_ms": {
                "p50": ms(h.get_value_at_percentile(50)),
                "p95": ms(h.get_value_at_percentile(95)),
                "p99": ms(h.get_value_at_percentile(99)),
                "max": ms(h.get_max_value()),
                "mean": ms(h.get_mean_value()),
            },
            "generator_cpu_s": round(self.cpu_s, 3),
            "generator_cpu_pct": round(100 * self.cpu_s / self.elapsed_s, 1)
            if self.elapsed_s
            else None,
        }


def _rate(n: int, seconds: float) -> float | None:
    return round(n / seconds, 1) if seconds > 0 else None


# ------------------------------------------------------------------ the generator


class _Run:
    """One phase (warm-up or measured) of a load spec, in the child's event loop."""

    def __init__(self, spec: LoadSpec, pool: Pool, track: bool) -> None:
        self.spec = spec
        self.pool = pool
        self.track = track
        self.loop = asyncio.get_running_loop()
        self.hist = new_histogram()
        self.result = LoadResult(
            spec.name,
            "open" if spec.open_loop else "closed",
            spec.rate if spec.open_loop else None,
            None if spec.open_loop else spec.concurrency,
        )
        self.t0 = 0.0
        self.wall0 = 0.0
        self.last_send = 0.0
        self.last_done = 0.0

    def _start_clock(self) -> None:
        self.t0 = time.monotonic() + 0.02
        self.wall0 = time.time() + 0.02

    def _request(self, i: int) -> bytes:
        spec = self.spec
        body = spec.bodies[i % len(spec.bodies)] if spec.bodies else None
        token = spec.tokens[i % len(spec.tokens)] if spec.tokens else None
        return self.pool.encode(spec.method, spec.paths[i % len(spec.paths)], body, token)

    async def one(self, i: int, due: float) -> None:
        spec, r = self.spec, self.result
        raw = self._request(i)
        r.sent += 1
        self.last_send = time.monotonic()
        status = 0
        try:
            status = await self.pool.request(raw, spec.timeout_s)
        except TimeoutError:
            r.exceptions["timeout"] = r.exceptions.get("timeout", 0) + 1
        except Exception as error:  # refused, reset, a parse error: count it by kind
            kind = type(error).__name__
            r.exceptions[kind] = r.exceptions.get(kind, 0) + 1
        done = time.monotonic()
        self.last_done = max(self.last_done, done)
        r.completed += 1
        self.hist.record_value(min(HIST_MAX_US, max(1, int((done - due) * 1e6))))
        if status:
            key = str(status)
            r.status_counts[key] = r.status_counts.get(key, 0) + 1
            first, _ = r.status_windows.get(key, (done - self.t0, 0.0))
            r.status_windows[key] = (first, done - self.t0)
            if status in spec.ok_status:
                r.ok += 1
        if self.track and spec.track_every and i % spec.track_every == 0:
            r.tracked.append(
                Tracked(i, self.wall0 + (due - self.t0), self.wall0 + (done - self.t0), status)
            )

    async def open_loop(self, total: int) -> None:
        spec = self.spec
        tasks: set[asyncio.Task[None]] = set()
        self._start_clock()
        i = 0
        while i < total:
            now = time.monotonic()
            due_now = min(total, math.floor((now - self.t0) * spec.rate) + 1)
            while i < due_now:
                due = self.t0 + i / spec.rate
                lag = now - due
                if lag > self.result.max_send_lag_ms / 1000:
                    self.result.max_send_lag_ms = lag * 1000
                task = self.loop.create_task(self.one(i, due))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                i += 1
            if i < total:
                next_due = self.t0 + i / spec.rate
                await asyncio.sleep(max(MIN_TICK_S, next_due - time.monotonic()))
        self.result.scheduled = total
        await self._drain(tasks)

    async def closed_loop(self, total: int) -> None:
        spec = self.spec
        counter = itertools.count()
        self._start_clock()
        deadline = self.t0 + spec.duration_s if spec.duration_s > 0 else float("inf")

        async def worker() -> None:
            while True:
                i = next(counter)
                now = time.monotonic()
                if i >= total or now >= deadline:
                    return
                await self.one(i, now)

        workers = {self.loop.create_task(worker()) for _ in range(max(1, spec.concurrency))}
        # A closed loop without a duration is bounded by its count and this time cap.
        cap = spec.duration_s if spec.duration_s > 0 else CLOSED_LOOP_MAX_S
        await self._drain(workers, limit=cap + spec.drain_s)

    async def _drain(self, tasks: set[asyncio.Task[None]], limit: float | None = None) -> None:
        timeout = limit if limit is not None else self.spec.drain_s
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1)
        r = self.result
        if r.mode == "closed":
            r.scheduled = r.sent
        r.unfinished = max(0, r.scheduled - r.completed)
        r.send_window_s = max(0.0, self.last_send - self.t0)
        if self.spec.open_loop:  # n sends at rate r span n / r seconds, not (n - 1) / r
            r.send_window_s = max(r.send_window_s, r.sent / self.spec.rate)
        r.elapsed_s = max(0.0, self.last_done - self.t0)
        r.histogram = self.hist.encode()


async def _phase(spec: LoadSpec, pool: Pool, total: int, track: bool) -> LoadResult:
    run = _Run(spec, pool, track)
    if spec.open_loop:
        await run.open_loop(total)
    else:
        await run.closed_loop(total)
    return run.result


async def run_load_async(spec: LoadSpec) -> LoadResult:
    check_loopback(spec.base_url)
    if not spec.paths:
        raise ValueError("a load needs at least one path")
    if not spec.open_loop and spec.concurrency <= 0:
        raise ValueError("give a rate (open loop) or a concurrency (closed loop)")
    pool = Pool(spec.base_url, spec.max_connections)
    try:
        warmed = 0
        if spec.warmup_s > 0:
            warm = replace(spec, duration_s=spec.warmup_s, count=None, track_every=0)
            warmed = (await _phase(warm, pool, warm.total(), False)).completed
        before = _cpu()
        result = await _phase(spec, pool, spec.total(), True)
        result.cpu_s = _cpu() - before
        result.warmup_completed = warmed
    finally:
        pool.close()
    return result


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_load(spec: LoadSpec) -> LoadResult:
    """Entry point in the child process."""
    try:
        import uvloop

        return uvloop.run(run_load_async(spec))
    except ImportError:  # pragma: no cover - uvloop is a service dependency
        return asyncio.run(run_load_async(spec))


class LoadRunner:
    """Runs load specs in one child process (spawned once, reused)."""

    def __init__(self, in_process: bool = False) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._in_process = in_process
        self._running: Future[LoadResult] | None = None

    async def run(self, spec: LoadSpec) -> LoadResult:
        if self._in_process:
            return await run_load_async(spec)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn")
            )
        self._running = self._pool.submit(run_load, spec)
        return await asyncio.wrap_future(self._running)

    def close(self) -> None:
        """Stop the child; one still sending (the run was interrupted) is terminated."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        busy = self._running is not None and not self._running.done()
        if busy:
            # No public way to stop a running call: end the worker (ours, by its handle).
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
        pool.shutdown(wait=not busy, cancel_futures=True)
