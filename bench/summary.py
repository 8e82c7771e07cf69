"""The run's headline figures in one flat object (`summary` in the JSON), each printed
next to its target at the end of the run, and the gateway's against direct in another
(`gateway_summary`). Built from the scenarios' results only, so both can be rebuilt from
any results file. A figure is null only when the scenario it comes from did not run (or
failed)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bench.report import Table, ratio

# (key, what it is, unit)
FIGURES: tuple[tuple[str, str, str], ...] = (
    ("settle_peak_per_s", "settle: peak sustained rate (settle-throughput)", "/s"),
    ("pgbench_tps", "pgbench TPC-B on the same server (baselines)", "tps"),
    ("settle_ratio_to_pgbench", "settle peak ÷ pgbench tps", "x"),
    ("cpu_ms_per_settled", "CPU of the whole stack per settled achievement", "ms"),
    ("settle_p99_ms", "settle p99, intended send -> My Page, at 50 % of peak", "ms"),
    ("post_p99_ms", "POST /missions p99 in settle-latency", "ms"),
    ("reads_per_s", "My Page reads at saturation (wrk)", "/s"),
    ("reads_baseline_per_s", "bare FastAPI + asyncpg baseline, same load", "/s"),
    ("reads_ratio_to_baseline", "My Page reads ÷ baseline", "x"),
    ("reads_p99_ms_at_1000", "My Page read p99 at the fixed rate (1,000/s full)", "ms"),
    ("exchanges_per_s", "exchanges/s, one gift, 32 at once", "/s"),
    ("fallback_p99_ms", "open-circuit fallback p99", "ms"),
    ("idle_cpu_pct_of_core", "whole stack at rest", "% core"),
    ("rss_mib_peak", "total RSS peak during settle-throughput", "MiB"),
)
KEYS = tuple(key for key, _, _ in FIGURES)

Target = tuple[str, float]  # (">=" or "<=", value)

# Targets of issue "Lean hot paths" where given, else of docs/performance.md; None: no
# target known (the figure is reported, not judged). settle_peak_per_s is judged against
# 0.8 x pgbench of the same run (see `targets`).
TARGETS: dict[str, Target | None] = {
    "settle_peak_per_s": None,
    "pgbench_tps": None,
    "settle_ratio_to_pgbench": (">=", 0.8),
    "cpu_ms_per_settled": ("<=", 1.0),
    "settle_p99_ms": ("<=", 150.0),
    "post_p99_ms": ("<=", 25.0),
    "reads_per_s": None,  # judged against the baseline of the same run
    "reads_baseline_per_s": None,
    "reads_ratio_to_baseline": (">=", 1.0),
    "reads_p99_ms_at_1000": ("<=", 20.0),
    "exchanges_per_s": (">=", 500.0),
    "fallback_p99_ms": ("<=", 5.0),
    "idle_cpu_pct_of_core": ("<=", 5.0),
    "rss_mib_peak": ("<=", 2560.0),
}


# gateway_summary: the same loads through the gateway and directly, in the same run.
GATEWAY_FIGURES: tuple[tuple[str, str, str], ...] = (
    ("settle_gateway_per_s", "settle: highest sustained rate through the gateway", "/s"),
    ("settle_direct_per_s", "settle: peak sustained rate, direct", "/s"),
    ("settle_ratio_gateway_to_direct", "settle through the gateway ÷ direct", "x"),
    ("reads_gateway_per_s", "My Page reads at saturation through the gateway (2xx/s)", "/s"),
    ("reads_direct_per_s", "My Page reads at saturation, direct (2xx/s)", "/s"),
    ("reads_ratio_gateway_to_direct", "reads through the gateway ÷ direct", "x"),
    ("reads_gateway_p99_ms_at_1000", "read p99 through the gateway at 1,000/s (full)", "ms"),
    ("post_gateway_p99_ms", "POST /missions p99 through the gateway, settle-latency", "ms"),
)
GATEWAY_KEYS = tuple(key for key, _, _ in GATEWAY_FIGURES)
# Issue "gateway": through the gateway at least 0.8 of direct.
GATEWAY_TARGETS: dict[str, Target | None] = dict.fromkeys(GATEWAY_KEYS)
GATEWAY_TARGETS["settle_ratio_gateway_to_direct"] = (">=", 0.8)
GATEWAY_TARGETS["reads_ratio_gateway_to_direct"] = (">=", 0.8)


def _get(scenarios: Mapping[str, Any], name: str, *path: str) -> Any:
    """results[path...] of a scenario that ran; None if it did not run or failed."""
    entry = scenarios.get(name)
    if not entry or entry.get("status") != "ok":
        return None
    value = entry.get("results")
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _settle_peak(scenarios: Mapping[str, Any]) -> float | None:
    # A settle run without a sustained step has a peak of 0, not "unknown".
    peak = _get(scenarios, "settle-throughput", "peak_sustained_rps")
    if peak is None and _get(scenarios, "settle-throughput") is not None:
        peak = 0.0
    return peak  # type: ignore[no-any-return]


def build(scenarios: Mapping[str, Any]) -> dict[str, float | None]:
    peak = _settle_peak(scenarios)
    tps = _get(scenarios, "baselines", "pgbench", "tps")
    reads = _get(scenarios, "mypage-reads", "saturation", "achieved_rps")
    baseline = _get(scenarios, "mypage-reads", "baseline", "achieved_rps")
    rss = _get(scenarios, "settle-throughput", "footprint_peak", "total_rss_mib") or _get(
        scenarios, "footprint", "under_load", "total_rss_mib"
    )
    summary: dict[str, float | None] = {
        "settle_peak_per_s": peak,
        "pgbench_tps": tps,
        "settle_ratio_to_pgbench": ratio(peak, tps),
        "cpu_ms_per_settled": _get(scenarios, "cpu-per-event", "cpu_ms_per_settled"),
        "settle_p99_ms": _get(scenarios, "settle-latency", "settle_ms_from_send", "p99"),
        "post_p99_ms": _get(scenarios, "settle-latency", "post", "latency_ms", "p99"),
        "reads_per_s": reads,
        "reads_baseline_per_s": baseline,
        "reads_ratio_to_baseline": ratio(reads, baseline),
        "reads_p99_ms_at_1000": _get(scenarios, "mypage-reads", "fixed_rate", "latency_ms", "p99"),
        "exchanges_per_s": _get(scenarios, "exchanges", "exchanges_per_s"),
        "fallback_p99_ms": _get(scenarios, "circuit-open", "fallback", "latency_ms", "p99"),
        "idle_cpu_pct_of_core": _get(scenarios, "idle", "idle_cpu_pct_of_core"),
        "rss_mib_peak": rss or None,
    }
    assert tuple(summary) == KEYS
    return summary


def build_gateway(scenarios: Mapping[str, Any]) -> dict[str, float | None]:
    direct_peak = _settle_peak(scenarios)
    gateway_peak = _get(scenarios, "settle-throughput", "gateway", "peak_sustained_rps")
    reads = _get(scenarios, "mypage-reads", "gateway", "saturation", "ok_rps")
    direct_reads = _get(scenarios, "mypage-reads", "saturation", "ok_rps")
    summary: dict[str, float | None] = {
        "settle_gateway_per_s": gateway_peak,
        "settle_direct_per_s": direct_peak,
        "settle_ratio_gateway_to_direct": ratio(gateway_peak, direct_peak),
        "reads_gateway_per_s": reads,
        "reads_direct_per_s": direct_reads,
        "reads_ratio_gateway_to_direct": ratio(reads, direct_reads),
        "reads_gateway_p99_ms_at_1000": _get(
            scenarios, "mypage-reads", "gateway", "fixed_rate", "latency_ms", "p99"
        ),
        "post_gateway_p99_ms": _get(
            scenarios, "settle-latency", "gateway", "post", "latency_ms", "p99"
        ),
    }
    assert tuple(summary) == GATEWAY_KEYS
    return summary


def targets(summary: Mapping[str, float | None]) -> dict[str, Target | None]:
    out = dict(TARGETS)
    tps = summary.get("pgbench_tps")
    if tps:
        out["settle_peak_per_s"] = (">=", round(0.8 * tps, 1))
    return out


_CHECK: dict[str, Callable[[float, float], bool]] = {
    ">=": lambda v, t: v >= t,
    "<=": lambda v, t: v <= t,
}


def verdict(value: float | None, target: Target | None) -> str:
    if target is None:
        return ""
    if value is None:
        return "not measured"
    return "met" if _CHECK[target[0]](value, target[1]) else "NOT met"


def table(summary: Mapping[str, float | None], quick: bool = False) -> Table:
    out = _judged("summary", FIGURES, summary, targets(summary), quick)
    out.notes.append(
        "settle_peak_per_s target = 0.8 x pgbench_tps of this run; targets: issue "
        "'Lean hot paths' and docs/performance.md (— = none set)"
    )
    return out


def gateway_table(summary: Mapping[str, float | None], quick: bool = False) -> Table:
    out = _judged("gateway_summary", GATEWAY_FIGURES, summary, GATEWAY_TARGETS, quick)
    out.notes.append(
        "the same loads through the gateway (real tokens, jwt_authn, rate limits) and "
        "directly, in this run; target: issue 'gateway' (through the gateway ≥ 0.8 x direct)"
    )
    return out


def _judged(
    title: str,
    figures: tuple[tuple[str, str, str], ...],
    summary: Mapping[str, float | None],
    goals: Mapping[str, Target | None],
    quick: bool,
) -> Table:
    out = Table(
        title + (" (quick: tiny loads, not comparable with the targets)" if quick else ""),
        ["figure", "value", "unit", "target", "", "what"],
    )
    for key, what, unit in figures:
        goal = goals[key]
        goal_text = f"{'≥' if goal[0] == '>=' else '≤'} {goal[1]:g}" if goal else "—"
        out.add(key, summary.get(key), unit, goal_text, verdict(summary.get(key), goal), what)
    return out
