"""Runs the chosen scenarios against one target, prints a table per scenario and
writes every figure to a JSON file. `run()` is the API the smoke test uses with the
e2e `stack` fixture; the CLI (`python -m bench run`) builds the target first."""

from __future__ import annotations

import asyncio
import resource
import secrets
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import aiohttp

from bench.footprint import snapshot
from bench.lag import Backlog, KafkaLag, OutboxCount
from bench.load import LoadRunner
from bench.machine import machine
from bench.profile import FULL, QUICK
from bench.report import default_json_path, iso, utc_now, write_json
from bench.scenarios import SCENARIOS
from bench.scenarios.base import Context, Options, Skip
from bench.summary import build as build_summary
from bench.summary import build_gateway, gateway_table
from bench.summary import table as summary_table
from bench.target import REPO_ROOT, Target

RESULTS_DIR = REPO_ROOT / "bench" / "results"
SCHEMA = 1


def select(names: Sequence[str] | None) -> list[str]:
    """The asked scenarios in run order; all of them when none are named."""
    if not names:
        return list(SCENARIOS)
    unknown = sorted(set(names) - set(SCENARIOS))
    if unknown:
        raise ValueError(f"unknown scenario(s) {unknown}; known: {list(SCENARIOS)}")
    return [name for name in SCENARIOS if name in names]


def _say(out: Callable[[str], None], text: str) -> None:
    out(text)
    sys.stdout.flush()


async def run_async(
    target: Target,
    scenarios: Sequence[str] | None = None,
    options: Options | None = None,
    json_path: Path | None = None,
    *,
    in_process_load: bool = False,
    out: Callable[[str], None] = print,
) -> tuple[dict[str, Any], Path]:
    options = options or Options()
    names = select(scenarios)
    started = utc_now()
    profile = QUICK if options.quick else FULL
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "started_at": iso(started),
        "finished_at": None,
        "quick": options.quick,
        "options": asdict(options),
        "scenarios_requested": names,
        "machine": machine(),
        "target": target.describe(),
        "startup": target.startup,
        "scenarios": {},
        "summary": None,
        "gateway_summary": None,
    }
    m = document["machine"]
    _say(
        out,
        f"Questline bench {'(quick) ' if options.quick else ''}on {m['nproc']} x "
        f"{m['cpu_model']}, {m['mem_total_mib']} MiB, commit {str(m['git_commit'])[:12]}"
        f"{' (dirty)' if m['git_dirty'] else ''}\nscenarios: {', '.join(names)}\n",
    )
    load_1m = m["load_avg_at_start"][0]
    if m["nproc"] and load_1m > 0.5 * m["nproc"]:
        _say(out, f"WARNING: load average {load_1m:.1f} at start: the machine is busy, "
             "figures are not comparable\n")  # fmt: skip
    outbox = OutboxCount(target.database_urls)
    await outbox.open()
    backlog = Backlog(KafkaLag(target.kafka_bootstrap), outbox)
    loader = LoadRunner(in_process=in_process_load)
    timeout = aiohttp.ClientTimeout(total=30)
    try:
        operator = {"Authorization": f"Bearer {target.tokens().operator('bench')}"}
        async with aiohttp.ClientSession(timeout=timeout, headers=operator) as http:
            ctx = Context(target, profile, options, loader, http, backlog, secrets.token_hex(3))
            if "footprint" in names:
                ctx.rest = snapshot(target)
            for name in names:
                document["scenarios"][name] = await _one(ctx, name, out)
    finally:
        loader.close()
        await outbox.close()
    document["summary"] = build_summary(document["scenarios"])
    document["gateway_summary"] = build_gateway(document["scenarios"])
    _say(out, summary_table(document["summary"], options.quick).render() + "\n")
    _say(out, gateway_table(document["gateway_summary"], options.quick).render() + "\n")
    document["finished_at"] = iso(utc_now())
    path = write_json(json_path or default_json_path(RESULTS_DIR, started), document)
    _say(out, f"results: {path}")
    return document, path


async def _one(ctx: Context, name: str, out: Callable[[str], None]) -> dict[str, Any]:
    _say(out, f"-- {name} ...")
    began, began_at, cpu = time.monotonic(), utc_now(), _cpu_s()
    entry: dict[str, Any] = {"status": "ok", "started_at": iso(began_at)}
    try:
        outcome = await SCENARIOS[name](ctx)
        entry.update(params=outcome.params, results=outcome.results)
        for table in outcome.tables:
            _say(out, table.render() + "\n")
    except Skip as why:
        entry.update(status="skipped", reason=str(why))
        _say(out, f"   skipped: {why}\n")
    except Exception as error:
        entry.update(status="failed", error=f"{type(error).__name__}: {error}")
        entry["traceback"] = traceback.format_exc(limit=8)
        _say(out, f"   FAILED: {type(error).__name__}: {error}\n")
    entry["finished_at"] = iso(utc_now())
    entry["duration_s"] = round(time.monotonic() - began, 2)
    entry["harness_cpu_s"] = round(_cpu_s() - cpu, 2)  # this process: samplers, set-up calls
    stack = ctx.target.stack
    if stack is not None:
        dead = [k for k, p in stack.processes.items() if p.wanted and not p.alive()]
        if stack.gateway.pid is not None and not stack.gateway.is_running():
            dead.append("gateway")
        if dead:
            entry["processes_died"] = dead
            _say(out, f"   WARNING: {', '.join(dead)} exited during {name}\n")
    return entry


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(
    target: Target,
    scenarios: Sequence[str] | None = None,
    options: Options | None = None,
    json_path: Path | None = None,
    **kwargs: Any,
) -> tuple[dict[str, Any], Path]:
    """Blocking form of `run_async` (its own event loop)."""
    return asyncio.run(run_async(target, scenarios, options, json_path, **kwargs))
