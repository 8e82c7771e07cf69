"""mypage-reads: GET /mypage/{customerId} for customers that have a page, at a fixed
rate (open loop) and at saturation (closed loop: wrk if installed, else N Python
connections), to mypage directly and then through the gateway (same token, same
paths), for the ratio gateway ÷ direct and Envoy's CPU per read.

The same saturation load then goes to a bare baseline started here for the purpose
(`bench.baseline_reads`: FastAPI + asyncpg, one process, the same page of the same
database as one stored document row read by key), for the ratio of mypage's reads/s to
it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from bench.cpu import Meter
from bench.gateway import throttled
from bench.lag import plain_dsn
from bench.load import LoadResult, LoadSpec, check_loopback
from bench.report import Table, ratio
from bench.scenarios.base import Context, Outcome, Via, latency_cells, seed_settled
from bench.target import REPO_ROOT
from questline.devstack.ports import free_port, wait_port

NAME = "mypage-reads"
SUMMARY = "GET /mypage/{id} at a fixed rate and at saturation, direct and via gateway"
WRK = Path("/usr/bin/wrk")
HAVE_WRK = WRK.exists()


def _wrk_seconds(value: str) -> float | None:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip())
    if not match:
        return None
    scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[match.group(2)]
    return float(match.group(1)) * scale


def parse_wrk(out: str) -> dict[str, Any]:
    def grab(pattern: str) -> str | None:
        match = re.search(pattern, out)
        return match.group(1) if match else None

    def pct(p: str) -> float | None:
        raw = grab(rf"(?m)^\s+{p}%\s+(\S+)\s*$")
        seconds = _wrk_seconds(raw) if raw else None
        return round(seconds * 1000, 3) if seconds is not None else None

    rps = grab(r"Requests/sec:\s+([\d.]+)")
    non_2xx = grab(r"Non-2xx or 3xx responses:\s+(\d+)")
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    requests = grab(r"(\d+) requests in")
    stats = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", out)
    worst = _wrk_seconds(stats.group(3)) if stats else None
    count = int(requests) if requests else None
    achieved = float(rps) if rps else None
    # Requests/sec counts every answer; a 429 or a 503 is not a read served.
    served = achieved * (count - int(non_2xx or 0)) / count if achieved and count else None
    return {
        "achieved_rps": achieved,
        "ok_rps": round(served, 1) if served is not None else None,
        "requests": count,
        "errors": (int(non_2xx or 0) + (sum(int(x) for x in socket.groups()) if socket else 0)),
        "latency_ms": {
            "p50": pct("50"),
            "p95": None,
            "p99": pct("99"),
            "max": round(worst * 1000, 3) if worst is not None else None,
        },
        "raw": out[-1500:],
    }


async def _wrk(
    base: str, paths: list[str], connections: int, seconds: float, token: str
) -> dict[str, Any]:
    check_loopback(base)
    script = "local paths = {" + ",".join(f'"{p}"' for p in paths) + "}\n"
    script += f'local headers = {{["Authorization"] = "Bearer {token}"}}\n'
    script += (
        "local i = 0\n"
        "request = function()\n"
        "  i = i + 1\n"
        '  return wrk.format("GET", paths[(i % #paths) + 1], headers)\n'
        "end\n"
    )
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        lua = Path(tmp) / "paths.lua"
        lua.write_text(script)
        proc = await asyncio.create_subprocess_exec(
            str(WRK), "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
            "-s", str(lua), base,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=seconds + 60)
    figures = parse_wrk(out.decode(errors="replace"))
    figures["tool"] = "wrk"
    return figures


def split_password(dsn: str) -> tuple[str, str | None]:
    """postgresql://user:secret@/db?host=… -> (postgresql://user@/db?host=…, secret)."""
    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn, None
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}@{host}")), unquote(parts.password)


@contextlib.asynccontextmanager
async def baseline_server(ctx: Context, probe_path: str) -> AsyncIterator[str]:
    """`python -m bench.baseline_reads` on a free loopback port, against mypage's
    database; yields its base URL once `probe_path` answers 200; stopped after."""
    dsn, password = split_password(plain_dsn(ctx.target.database_urls["mypage"]))
    port = free_port()
    env = dict(os.environ)
    if password is not None:
        env["PGPASSWORD"] = password
    with tempfile.TemporaryFile() as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.baseline_reads", "--dsn", dsn, "--port", str(port),
            cwd=REPO_ROOT, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
        )  # fmt: skip
        try:
            await _wait_answering(ctx, proc, port, probe_path, log)
            yield f"http://127.0.0.1:{port}"
        finally:
            if proc.returncode is None:
                proc.terminate()
                try:
                    await asyncio.wait_for(proc.wait(), 10)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()


async def _wait_answering(
    ctx: Context, proc: asyncio.subprocess.Process, port: int, probe_path: str, log: Any
) -> None:
    def alive() -> bool:
        return proc.returncode is None

    try:
        await asyncio.to_thread(wait_port, "127.0.0.1", port, 30, alive=alive)
    except RuntimeError:  # it died
        log.seek(0)
        tail = log.read()[-2000:].decode(errors="replace")
        raise RuntimeError(f"the reads baseline exited ({proc.returncode}):\n{tail}") from None
    # uvicorn listens once the lifespan (the pool) is up: the first answer is the real one.
    async with ctx.http.get(f"http://127.0.0.1:{port}{probe_path}") as response:
        if response.status != 200:
            raise RuntimeError(f"the reads baseline answered {response.status} for {probe_path}")


async def _metered(ctx: Context, spec: LoadSpec) -> tuple[LoadResult, dict[str, Any]]:
    """The load (its warm-up on the same connections first) and Envoy's CPU over both,
    per request answered."""
    envoy = Meter("gateway", ctx.target.gateway_pid())
    result = await ctx.load.run(spec)
    return result, envoy.read(result.warmup_completed + result.completed)


async def _fixed(ctx: Context, base: str, paths: tuple[str, ...], rate: float) -> dict[str, Any]:
    p = ctx.profile
    result, envoy = await _metered(
        ctx,
        LoadSpec(
            name=f"{NAME}-fixed",
            base_url=base,
            method="GET",
            paths=paths,
            tokens=(ctx.target.tokens().operator("bench"),),
            rate=rate,
            duration_s=p.reads_s,
            warmup_s=p.warmup_s,
        ),
    )
    return {**result.summary(), "gateway_cpu": envoy}


async def _saturate(ctx: Context, base: str, paths: tuple[str, ...], name: str) -> dict[str, Any]:
    """Closed loop at `reads_connections`: wrk when installed, else the Python client.
    `ok_rps`: answers 2xx per second (what the ratios use)."""
    p = ctx.profile
    token = ctx.target.tokens().operator("bench")
    if HAVE_WRK:
        envoy = Meter("gateway", ctx.target.gateway_pid())
        figures = await _wrk(base, list(paths), p.reads_connections, p.reads_s, token)
        return {**figures, "gateway_cpu": envoy.read(figures["requests"])}
    closed, envoy_cpu = await _metered(
        ctx,
        LoadSpec(
            name=name,
            base_url=base,
            method="GET",
            paths=paths,
            tokens=(token,),
            concurrency=p.reads_connections,
            duration_s=p.reads_s,
            warmup_s=p.warmup_s,
        ),
    )
    summary = closed.summary()
    return {
        **summary,
        "ok_rps": summary["achieved_rps"],
        "tool": "python closed loop (bench.http1)",
        "gateway_cpu": envoy_cpu,
    }


async def _reads(ctx: Context, paths: tuple[str, ...], rate: float, via: Via) -> dict[str, Any]:
    """The fixed rate, then saturation, `via` mypage's port or the gateway."""
    base = ctx.url("mypage", via)
    fixed = await _fixed(ctx, base, paths, rate)
    saturation = await _saturate(ctx, base, paths, f"{NAME}-saturation-{via}")
    return {"url": base, "fixed_rate": fixed, "saturation": saturation}


async def run(ctx: Context) -> Outcome:
    p = ctx.profile
    # Own customers with pages of a known size (not the settle steps' customers, whose
    # pages grow with the rates reached).
    people, _ = await seed_settled(
        ctx, "reads", p.reads_seed_customers, p.reads_per_customer, p.seed_rate
    )
    paths = tuple(f"/mypage/{c}" for c in people)
    rate = ctx.options.rate or p.reads_rate
    direct = await _reads(ctx, paths, rate, "direct")
    gateway = await _reads(ctx, paths, rate, "gateway")
    gateway["ratio_to_direct"] = ratio(
        gateway["saturation"]["ok_rps"], direct["saturation"]["ok_rps"]
    )
    async with baseline_server(ctx, paths[0]) as baseline_url:
        # A short warm-up of the fresh process (mypage was warmed by the fixed load);
        # without wrk, `_saturate` warms up itself.
        if HAVE_WRK:
            warm = LoadSpec(
                name=f"{NAME}-baseline-warmup", base_url=baseline_url, method="GET",
                paths=paths, concurrency=p.reads_connections, duration_s=p.warmup_s,
            )  # fmt: skip
            await ctx.load.run(warm)
        baseline = await _saturate(ctx, baseline_url, paths, f"{NAME}-baseline")
    saturation = direct["saturation"]
    to_baseline = ratio(saturation["achieved_rps"], baseline["achieved_rps"])
    table = _table(ctx, len(paths), rate, direct, gateway, baseline)
    table.notes.append(
        f"mypage ÷ bare baseline = {to_baseline}; the baseline is FastAPI + asyncpg on uvicorn, "
        "one process, each page one stored document row read by key, returned as is"
    )
    if "wrk" not in saturation["tool"]:
        table.notes.append(
            "saturation is measured with Python on the same 2 cores: the generator's CPU "
            "is taken from the service (install wrk for a lighter client)"
        )
    return Outcome(
        results={
            "via": "mypage directly; `gateway`: the same loads through the gateway",
            "url": direct["url"],
            "customers": len(paths),
            "achievements_per_page": p.reads_per_customer,
            "fixed_rate": direct["fixed_rate"],
            "saturation": saturation,
            "baseline": {**baseline, "app": "bench.baseline_reads (FastAPI + asyncpg, uvicorn)"},
            "ratio_to_baseline": to_baseline,
            "gateway": gateway,
        },
        tables=[table],
        params={
            "rate": rate,
            "duration_s": p.reads_s,
            "connections": p.reads_connections,
            "warmup_s": p.warmup_s,
        },
    )


def _table(
    ctx: Context,
    customers: int,
    rate: float,
    direct: dict[str, Any],
    gateway: dict[str, Any],
    baseline: dict[str, Any],
) -> Table:
    p = ctx.profile
    table = Table(
        f"{NAME}: GET /mypage/{{customerId}} over {customers} customers, "
        f"{p.reads_per_customer} achievements each",
        ["via", "load", "offered/s", "ok/s", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms",
         "gateway us/read", "gen CPU %"],
    )  # fmt: skip
    closed = f"saturation, {p.reads_connections} connections"
    _row(table, "direct", "fixed rate (open loop)", rate, direct["fixed_rate"])
    _row(table, "gateway", "fixed rate (open loop)", rate, gateway["fixed_rate"])
    _row(table, "direct", closed, None, direct["saturation"])
    _row(table, "gateway", closed, None, gateway["saturation"])
    _row(table, "bare baseline", closed, None, baseline)
    fixed_gw, fixed_direct = gateway["fixed_rate"], direct["fixed_rate"]
    table.notes.append(
        f"gateway ({gateway['url']}) ÷ direct at saturation = {gateway['ratio_to_direct']} "
        f"(target ≥ 0.8); p99 at {rate:g}/s: {fixed_gw['latency_ms']['p99']} ms via gateway, "
        f"{fixed_direct['latency_ms']['p99']} ms direct; Envoy at saturation: "
        f"{gateway['saturation']['gateway_cpu']['pct_of_core']} % of a core"
    )
    refused = throttled(fixed_gw) + throttled(gateway["saturation"])
    if refused:
        table.notes.append(f"{refused} reads got 429: the gateway's rate limits throttled them")
    return table


def _row(table: Table, via: str, load: str, offered: float | None, figures: dict[str, Any]) -> None:
    envoy = figures["gateway_cpu"]["us_per_request"] if via == "gateway" else None
    served = figures.get("ok_rps", figures["achieved_rps"])
    tool = f" ({figures['tool']})" if "tool" in figures else ""
    table.add(via, load + tool, offered, served, figures["errors"], *latency_cells(figures),
              envoy, figures.get("generator_cpu_pct"))  # fmt: skip
