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
from bench.summary import GATEWAY_KEYS  # noqa: E402
from bench.summary import KEYS as SUMMARY_KEYS  # noqa: E402
from bench.target import Target  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

SCENARIOS = [
    "idle", "settle-throughput", "cpu-per-event", "settle-latency", "mypage-reads", "footprint",
    "baselines",
]  # fmt: skip
NOT_RUN = {"exchanges_per_s", "fallback_p99_ms"}
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
    assert set(saved) >= {"started_at", "finished_at", "machine", "target", "scenarios", "summary"}
    assert set(saved["machine"]) >= {"nproc", "cpu_model", "mem_total_mib", "git_commit"}
    assert list(saved["scenarios"]) == SCENARIOS
    for name in SCENARIOS:
        entry = saved["scenarios"][name]
        assert entry["status"] == "ok", entry.get("error")
        assert set(entry) >= {"started_at", "finished_at", "duration_s", "results"}
        assert f"== {name}" in out  # its table was printed

    idle = saved["scenarios"]["idle"]["results"]
    assert idle["warmup"]["settled_after_s"] is not None and idle["idle_cpu_pct_of_core"] >= 0
    assert {"kafka", "postgres", "gateway", "mission-0"} <= set(idle["cpu_ms"])

    cpu = saved["scenarios"]["cpu-per-event"]["results"]
    assert cpu["settled"] == cpu["achievements"] and cpu["all_settled"]
    assert cpu["cpu_ms_per_settled"] > 0 and cpu["rows"][-1]["process"] == "total"
    assert {"kafka", "postgres", "mypage-0"} <= set(cpu["cpu_ms"])

    settle = saved["scenarios"]["settle-throughput"]["results"]
    assert "peak_sustained_rps" in settle
    [step] = settle["steps"]
    assert set(step["load"]) >= LOAD_KEYS and set(step["load"]["latency_ms"]) >= LATENCY_KEYS
    assert set(step) >= {"settled_per_s", "relay_msgs_per_s", "drain_s", "sustained", "criteria"}
    assert step["series"] and set(step["series"][0]) >= {"t", "total", "lag", "outbox"}
    if step["sustained"]:  # else there is no direct peak to step down from
        via_gateway = settle["gateway"]
        assert via_gateway["steps"] and via_gateway["steps"][0]["via"] == "gateway"
        assert set(via_gateway["steps"][0]["gateway_cpu"]) >= {"cpu_ms", "us_per_request"}
        assert "settle-throughput through the gateway" in out

    latency = saved["scenarios"]["settle-latency"]["results"]
    assert set(latency["gateway"]["post"]) >= LOAD_KEYS and latency["gateway"]["samples"]
    assert set(latency["gateway"]["settle_ms_from_send"]) >= LATENCY_KEYS

    reads = saved["scenarios"]["mypage-reads"]["results"]
    assert set(reads["fixed_rate"]) >= LOAD_KEYS
    assert set(reads["saturation"]) >= {"achieved_rps", "latency_ms", "tool"}
    assert reads["baseline"]["achieved_rps"] and reads["ratio_to_baseline"]
    gateway_reads = reads["gateway"]
    assert set(gateway_reads["fixed_rate"]) >= LOAD_KEYS | {"gateway_cpu"}
    assert gateway_reads["saturation"]["ok_rps"] is not None and gateway_reads["ratio_to_direct"]

    memory = saved["scenarios"]["footprint"]["results"]
    assert set(memory["rest"]["rss_mib"]) >= {"mission-0", "gateway", "kafka", "postgres"}
    assert memory["under_load"]["samples"] >= 1

    baselines = saved["scenarios"]["baselines"]["results"]
    assert set(baselines["pgbench"]) >= {"tps", "latency_avg_ms"}
    assert "records_per_s" in baselines["kafka"]["producer"]
    assert "records_per_s" in baselines["kafka"]["consumer"]
    assert set(baselines["ratios"]) >= {"settled_per_pgbench_tps", "relay_per_producer_perf"}
    assert document["finished_at"] == saved["finished_at"]

    summary = saved["summary"]
    assert tuple(summary) == SUMMARY_KEYS and "== summary" in out
    assert {k for k, v in summary.items() if v is None} == NOT_RUN
    assert all(isinstance(v, int | float) for k, v in summary.items() if k not in NOT_RUN)

    through = saved["gateway_summary"]
    assert tuple(through) == GATEWAY_KEYS and "== gateway_summary" in out
    # Without a sustained direct step there is nothing to step down from: no settle ratio.
    no_peak = {"settle_gateway_per_s", "settle_ratio_gateway_to_direct"}
    unknown = {k for k, v in through.items() if v is None}
    assert unknown <= (no_peak if not through["settle_direct_per_s"] else set()), through
    assert saved["target"]["gateway"]["url"] == stack.gateway_url
    assert set(saved["target"]["gateway"]["limits"]) >= {"client_rate_per_s", "route_burst"}
