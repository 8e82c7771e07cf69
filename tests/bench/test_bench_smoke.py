"""The benchmark harness runs end to end in --quick mode against the e2e `stack`: it
prints a table per scenario and writes valid JSON with the expected keys. Nothing here
asserts a timing or a rate: on a shared 2-core machine those are not test material."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from questline.devstack.stack import Stack

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # `bench` lives at the repo root, not in a package
    sys.path.insert(0, str(REPO_ROOT))

from bench.runner import run_async  # noqa: E402
from bench.scenarios.base import Options  # noqa: E402
from bench.target import Target  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

SCENARIOS = ["settle-throughput", "mypage-reads", "footprint", "baselines"]
LATENCY_KEYS = {"p50", "p95", "p99", "max", "mean"}
LOAD_KEYS = {"offered_rps", "sent_rps", "achieved_rps", "errors", "latency_ms"}


async def test_quick_bench_prints_tables_and_writes_json(
    stack: Stack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bench.json"
    document, written = await run_async(
        Target.from_stack(stack), SCENARIOS, Options(quick=True), path
    )
    out = capsys.readouterr().out

    assert written == path
    saved = json.loads(path.read_text())
    assert saved["schema"] == 1 and saved["quick"] is True
    assert set(saved) >= {"started_at", "finished_at", "machine", "target", "scenarios"}
    assert set(saved["machine"]) >= {"nproc", "cpu_model", "mem_total_mib", "git_commit"}
    assert list(saved["scenarios"]) == SCENARIOS
    for name in SCENARIOS:
        entry = saved["scenarios"][name]
        assert entry["status"] == "ok", entry.get("error")
        assert set(entry) >= {"started_at", "finished_at", "duration_s", "results"}
        assert f"== {name}" in out  # its table was printed

    settle = saved["scenarios"]["settle-throughput"]["results"]
    assert "peak_sustained_rps" in settle
    [step] = settle["steps"]
    assert set(step["load"]) >= LOAD_KEYS and set(step["load"]["latency_ms"]) >= LATENCY_KEYS
    assert set(step) >= {"settled_per_s", "relay_msgs_per_s", "drain_s", "sustained", "criteria"}
    assert step["series"] and set(step["series"][0]) >= {"t", "total", "lag", "outbox"}

    reads = saved["scenarios"]["mypage-reads"]["results"]
    assert set(reads["fixed_rate"]) >= LOAD_KEYS
    assert set(reads["saturation"]) >= {"achieved_rps", "latency_ms", "tool"}

    memory = saved["scenarios"]["footprint"]["results"]
    assert set(memory["rest"]["rss_mib"]) >= {"mission-0", "kafka", "postgres"}
    assert memory["under_load"]["samples"] >= 1

    baselines = saved["scenarios"]["baselines"]["results"]
    assert set(baselines["pgbench"]) >= {"tps", "latency_avg_ms"}
    assert "records_per_s" in baselines["kafka"]["producer"]
    assert "records_per_s" in baselines["kafka"]["consumer"]
    assert set(baselines["ratios"]) >= {"settled_per_pgbench_tps", "relay_per_producer_perf"}
    assert document["finished_at"] == saved["finished_at"]
