"""The harness's parts on their own: the load generator against a tiny local server
(counts, and that a stalled server shows up in the latency: no coordinated omission),
the parsers of tool output, CPU accounting from fake /proc snapshots, the summary and
the table. Bounds only, never an exact timing."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp import web

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # `bench` lives at the repo root, not in a package
    sys.path.insert(0, str(REPO_ROOT))

from bench.baselines import _consumer_figures, _producer_figures  # noqa: E402
from bench.cpu import (  # noqa: E402
    CLK_TCK,
    Meter,
    ProcTimes,
    ms_between,
    parse_stat,
    per_process_rows,
    read_all,
    snapshot,
    tree,
)
from bench.gateway import RAISED_LIMIT, raised_limits  # noqa: E402
from bench.http1 import IDLE_LIMIT_S, Pool, encode  # noqa: E402
from bench.load import LoadSpec, run_load_async  # noqa: E402
from bench.metrics import counter_sum  # noqa: E402
from bench.profile import FULL  # noqa: E402
from bench.report import Table  # noqa: E402
from bench.scenarios import settle_throughput  # noqa: E402
from bench.scenarios.mypage_reads import parse_wrk, split_password  # noqa: E402
from bench.scenarios.settle_throughput import slope  # noqa: E402
from bench.summary import GATEWAY_KEYS, build_gateway, gateway_table  # noqa: E402
from bench.summary import KEYS as SUMMARY_KEYS  # noqa: E402
from bench.summary import build as build_summary  # noqa: E402
from bench.summary import table as summary_table  # noqa: E402
from questline.devstack.ports import free_port  # noqa: E402
from questline.gateway import GatewaySettings  # noqa: E402


@pytest.fixture
async def server() -> AsyncIterator[str]:
    """Answers at once, except that the first request of /stall waits 0.6 s; /close
    answers with "Connection: close"."""
    stalled: list[bool] = []

    async def ok(request: web.Request) -> web.Response:
        if request.path == "/stall" and not stalled:
            stalled.append(True)
            await asyncio.sleep(0.6)
        body = await request.read()
        response = web.json_response({"echo": json.loads(body) if body else None}, status=201)
        if request.path == "/close":
            response.force_close()  # "Connection: close": the client must open a new one
        return response

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", ok)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_open_loop_sends_rate_times_duration_and_tracks_every_kth(server: str) -> None:
    spec = LoadSpec(
        name="t",
        base_url=server,
        method="POST",
        paths=("/a", "/b"),
        bodies=(b'{"n": 1}',),
        rate=100,
        duration_s=0.5,
        ok_status=(201,),
        track_every=10,
    )
    result = await run_load_async(spec)
    assert result.scheduled == result.sent == result.completed == result.ok == 50
    assert result.errors == 0 and result.status_counts == {"201": 50}
    assert [t.index for t in result.tracked] == [0, 10, 20, 30, 40]
    assert all(t.done_wall >= t.intended_wall for t in result.tracked)
    summary = result.summary()
    assert summary["latency_ms"]["p50"] is not None and summary["generator_cpu_s"] >= 0


async def test_a_stalled_server_shows_in_the_latency_of_the_requests_queued_behind(
    server: str,
) -> None:
    # One connection: while /stall is held, the next requests wait; measured from their
    # intended send times, several of them must show most of the stall.
    spec = LoadSpec(
        name="t", base_url=server, method="GET", paths=("/stall",), rate=50, duration_s=0.5,
        ok_status=(201,), max_connections=1,
    )  # fmt: skip
    result = await run_load_async(spec)
    h = result.hist()
    assert result.ok == 25
    assert h.get_value_at_percentile(50) >= 200_000  # µs: half the requests queued


async def test_closed_loop_sends_each_request_once(server: str) -> None:
    paths = tuple(f"/x/{i}" for i in range(30))
    spec = LoadSpec(
        name="t", base_url=server, method="GET", paths=paths, concurrency=4, ok_status=(201,)
    )
    result = await run_load_async(spec)
    assert result.mode == "closed" and result.sent == result.ok == 30


async def test_a_connection_idle_near_the_servers_keep_alive_timeout_is_not_reused(
    server: str,
) -> None:
    pool = Pool(server, limit=4)
    raw = pool.encode("GET", "/", None)
    assert await pool.request(raw, 5) == 201
    [first] = pool._idle
    assert await pool.request(raw, 5) == 201  # fresh from the pool: reused
    assert pool._idle == [first]
    first.idle_since -= IDLE_LIMIT_S  # as if left idle that long
    assert await pool.request(raw, 5) == 201
    assert pool._idle != [first] and not first.reusable  # closed, a new one served
    pool.close()


async def test_only_loopback_is_loaded() -> None:
    spec = LoadSpec(name="t", base_url="http://example.com", method="GET", paths=("/",), rate=1)
    with pytest.raises(ValueError, match="loopback"):
        await run_load_async(spec)


def test_parsers_of_tool_output() -> None:
    produced = _producer_figures(
        "20000 records sent, 12666.2 records/sec (3.62 MB/sec), 900.1 ms avg latency, "
        "1300.0 ms max latency, 950 ms 50th, 1250 ms 95th, 1290 ms 99th, 1299 ms 99.9th."
    )
    assert produced["records_per_s"] == 12666.2 and produced["latency_p99_ms"] == 1290
    consumed = _consumer_figures(
        "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
        "rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec\n"
        "2026-01-01 00:00:00:000, 2026-01-01 00:00:02:000, 5.7, 2.8, 20000, 10000.0, 300, "
        "1700, 3.3, 11764.7\n"
    )
    assert consumed["records_per_s"] == 10000.0 and consumed["records"] == 20000
    wrk = parse_wrk(
        "    Latency     1.00ms  200.00us  12.00ms   90.00%\n  Latency Distribution\n"
        "     50%    0.98ms\n     99%    2.50ms\n  5000 requests in 1.00s, 1.00MB read\n"
        "Requests/sec:   5000.00\n"
    )
    assert wrk["achieved_rps"] == 5000 and wrk["latency_ms"]["p99"] == 2.5
    metrics = (
        "# HELP questline_outbox_published_total Events\n"
        'questline_outbox_published_total{topic="mission.events"} 10.0\n'
        'questline_outbox_published_total{topic="reward.events"} 5.0\n'
        "questline_outbox_published_created 1.7e9\n"
    )
    assert counter_sum(metrics, "questline_outbox_published_total") == 15.0


def test_backlog_slope_and_table() -> None:
    from bench.lag import BacklogPoint

    points = [BacklogPoint(t, 100 * int(t), {}, {}) for t in (0.0, 1.0, 2.0, 3.0)]
    assert slope(points, since=0, until=3) == pytest.approx(100.0)
    table = Table("t", ["name", "value"])
    table.add("a", 1234.5)
    table.add("bb", None)
    lines = table.render().splitlines()
    assert lines[0] == "== t ==" and lines[3].endswith("1,234") and lines[4].endswith("-")


# ------------------------------------------------------------ the lean HTTP client


async def test_timeouts_and_refused_connections_are_counted_not_raised(server: str) -> None:
    stalled = LoadSpec(
        name="t", base_url=server, method="GET", paths=("/stall",), concurrency=1,
        count=1, timeout_s=0.2, ok_status=(201,),
    )  # fmt: skip
    result = await run_load_async(stalled)
    assert result.exceptions == {"timeout": 1} and result.ok == 0 and result.errors == 1

    refused = LoadSpec(
        name="t", base_url=f"http://127.0.0.1:{free_port()}", method="GET", paths=("/",),
        rate=20, duration_s=0.1,
    )  # fmt: skip
    result = await run_load_async(refused)
    assert result.completed == 2 and result.ok == 0 and sum(result.exceptions.values()) == 2


async def test_connections_the_server_closes_are_replaced(server: str) -> None:
    spec = LoadSpec(
        name="t", base_url=server, method="POST", paths=("/close", "/keep"),
        bodies=(b"{}",), concurrency=3, count=40, ok_status=(201,), max_connections=2,
    )  # fmt: skip
    result = await run_load_async(spec)
    assert result.ok == 40 and result.errors == 0


def test_requests_are_encoded_once_with_their_length() -> None:
    raw = encode("POST", "127.0.0.1:81", "/missions", b'{"a": 1}')
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0] == b"POST /missions HTTP/1.1"
    assert b"Content-Length: 8" in head and b"Host: 127.0.0.1:81" in head and body == b'{"a": 1}'
    assert encode("GET", "h", "/x", None) == b"GET /x HTTP/1.1\r\nHost: h\r\n\r\n"


# ------------------------------------------------------------ CPU from /proc


def _stat(pid: int, ppid: int, utime: int, stime: int, cutime: int = 0, cstime: int = 0) -> str:
    # Fields 3..17: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
    # utime stime cutime cstime; a command with a space and a ')' in it.
    return (
        f"{pid} (post gres: a) b) S {ppid} 1 1 0 -1 4194560 10 0 0 0 "
        f"{utime} {stime} {cutime} {cstime} 20 0 1 0 100 1000 50\n"
    )


def _procs(*lines: str) -> dict[int, ProcTimes]:
    return {p.pid: p for p in map(parse_stat, lines)}


def test_stat_line_is_parsed_after_the_last_parenthesis() -> None:
    p = parse_stat(_stat(42, 7, 100, 20, 3, 4))
    assert (p.pid, p.ppid, p.utime, p.stime, p.cutime, p.cstime) == (42, 7, 100, 20, 3, 4)
    assert p.ticks == 127


def test_ended_backends_count_once_through_the_postmasters_cutime() -> None:
    roots = {"postgres": 10, "kafka": 20, "mission-0": 30}
    before = snapshot(
        roots,
        _procs(
            _stat(10, 1, 50, 50),  # postmaster
            _stat(11, 10, 100, 0),  # backend that ends before the second snapshot
            _stat(12, 10, 200, 0),  # backend that lives on
            _stat(20, 1, 1000, 0),
            _stat(30, 1, 300, 0),
            _stat(99, 1, 5000, 0),  # not ours
        ),
    )
    after = snapshot(
        roots,
        _procs(
            # 11 ended with 130 ticks in all, reaped: now in the postmaster's cutime.
            _stat(10, 1, 60, 50, 130, 0),
            _stat(12, 10, 250, 0),
            _stat(13, 10, 40, 0),  # a new backend
            _stat(20, 1, 1100, 0),
            _stat(99, 1, 9000, 0),
            # mission-0 (30) exited: left out, not counted as zero
        ),
    )
    tick_ms = 1000 / CLK_TCK
    ms = ms_between(before, after)
    # postmaster +10, backend 11 +30 (130 - 100), backend 12 +50, backend 13 +40
    assert ms["postgres"] == pytest.approx(130 * tick_ms, abs=0.1)
    assert ms["kafka"] == pytest.approx(100 * tick_ms, abs=0.1)
    assert "mission-0" not in ms
    assert before.processes["postgres"] == 3 and after.processes["postgres"] == 3


def test_proc_is_read_from_the_stat_files(tmp_path: Path) -> None:
    for line in (_stat(10, 1, 5, 5), _stat(11, 10, 7, 0)):
        pid = line.split(" ", 1)[0]
        (tmp_path / pid).mkdir()
        (tmp_path / pid / "stat").write_text(line)
    (tmp_path / "self").mkdir()
    (tmp_path / "12").mkdir()  # exited meanwhile: no stat file
    procs = read_all(tmp_path)
    assert sorted(procs) == [10, 11]
    assert sorted(tree(procs, 10)) == [10, 11] and tree(procs, 12) == []


def test_cpu_rows_per_process_per_unit_and_of_a_core() -> None:
    rows = per_process_rows({"b": 300.0, "a": 100.0}, seconds=2.0, per=100)
    assert [r["process"] for r in rows] == ["a", "b", "total"]
    assert rows[-1] == {"process": "total", "cpu_ms": 400.0, "ms_per_unit": 4.0,
                        "pct_of_core": 20.0}  # fmt: skip
    assert per_process_rows({"a": 10.0}, seconds=1.0)[0]["ms_per_unit"] is None


def test_a_meter_reads_one_groups_cpu_per_unit_or_nothing_without_its_process() -> None:
    import os

    mine = Meter("harness", os.getpid())
    sum(i * i for i in range(200_000))  # some CPU of its own
    figures = mine.read(requests=1000)
    assert figures["cpu_ms"] is not None and figures["cpu_ms"] >= 0
    assert figures["us_per_request"] == round(figures["cpu_ms"], 1)  # ms x 1000 / 1000 requests
    assert Meter("gateway", None).read(10) == {
        "cpu_ms": None, "us_per_request": None, "pct_of_core": None,
    }  # fmt: skip


# ------------------------------------------------------------ the gateway's limits


def test_limits_are_raised_while_the_stack_is_built_and_a_set_one_is_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QUESTLINE_GATEWAY_CLIENT_BURST", "900")  # the caller's: kept, with its rate
    with raised_limits() as raised:
        settings = GatewaySettings()
    assert settings.report_rate_per_s == settings.route_burst == RAISED_LIMIT
    assert (settings.client_rate_per_s, settings.client_burst) == (200, 900)
    assert raised == ["report", "route"]
    assert GatewaySettings().route_rate_per_s == 10_000  # the environment is restored


# ------------------------------------------------------------ the summary


def _ok(results: dict[str, Any]) -> dict[str, Any]:
    return {"status": "ok", "results": results}


def _lat(p99: float) -> dict[str, Any]:
    return {"latency_ms": {"p50": 1.0, "p95": 2.0, "p99": p99, "max": 9.0}}


def test_summary_takes_each_figure_from_its_scenario() -> None:
    scenarios = {
        "idle": _ok({"idle_cpu_pct_of_core": 4.5}),
        "settle-throughput": _ok(
            {"peak_sustained_rps": 1000, "footprint_peak": {"total_rss_mib": 2500.0}}
        ),
        "cpu-per-event": _ok({"cpu_ms_per_settled": 1.25}),
        "settle-latency": _ok({"settle_ms_from_send": {"p99": 120.0}, "post": _lat(30.0)}),
        "mypage-reads": _ok(
            {
                "fixed_rate": _lat(15.0),
                "saturation": {"achieved_rps": 1500.0},
                "baseline": {"achieved_rps": 3000.0},
            }
        ),
        "exchanges": _ok({"exchanges_per_s": 600.0}),
        "circuit-open": _ok({"fallback": _lat(4.0)}),
        "baselines": _ok({"pgbench": {"tps": 2000.0}}),
    }
    summary = build_summary(scenarios)
    assert tuple(summary) == SUMMARY_KEYS
    assert summary == {
        "settle_peak_per_s": 1000, "pgbench_tps": 2000.0, "settle_ratio_to_pgbench": 0.5,
        "cpu_ms_per_settled": 1.25, "settle_p99_ms": 120.0, "post_p99_ms": 30.0,
        "reads_per_s": 1500.0, "reads_baseline_per_s": 3000.0, "reads_ratio_to_baseline": 0.5,
        "reads_p99_ms_at_1000": 15.0, "exchanges_per_s": 600.0, "fallback_p99_ms": 4.0,
        "idle_cpu_pct_of_core": 4.5, "rss_mib_peak": 2500.0,
    }  # fmt: skip
    text = summary_table(summary).render()
    assert "≥ 1600" in text  # the settle target is 0.8 x pgbench of the same run
    settle_line = next(x for x in text.splitlines() if x.startswith("settle_peak_per_s"))
    cpu_line = next(x for x in text.splitlines() if x.startswith("cpu_ms_per_settled"))
    assert "NOT met" in settle_line and "≤ 1" in cpu_line and "NOT met" in cpu_line
    fallback_line = next(x for x in text.splitlines() if x.startswith("fallback_p99_ms"))
    assert " met " in fallback_line and "NOT" not in fallback_line


def test_summary_is_null_only_where_the_scenario_did_not_run() -> None:
    scenarios = {
        "settle-throughput": _ok({"peak_sustained_rps": None, "footprint_peak": {}}),
        "footprint": _ok({"under_load": {"total_rss_mib": 900.0}}),
        "exchanges": {"status": "failed", "error": "boom"},
    }
    summary = build_summary(scenarios)
    assert set(summary) == set(SUMMARY_KEYS)
    assert summary["settle_peak_per_s"] == 0.0  # ran, nothing sustained
    assert summary["rss_mib_peak"] == 900.0  # footprint's own load when settle has none
    assert summary["exchanges_per_s"] is None and summary["pgbench_tps"] is None
    assert summary["settle_ratio_to_pgbench"] is None
    assert "not measured" in summary_table(summary).render()


def test_gateway_summary_sets_each_path_against_direct() -> None:
    scenarios = {
        "settle-throughput": _ok(
            {"peak_sustained_rps": 1000, "gateway": {"peak_sustained_rps": 700}}
        ),
        "settle-latency": _ok({"post": _lat(20.0), "gateway": {"post": _lat(24.0)}}),
        "mypage-reads": _ok(
            {
                "saturation": {"achieved_rps": 2001.0, "ok_rps": 2000.0},
                "gateway": {"saturation": {"ok_rps": 1800.0}, "fixed_rate": _lat(3.0)},
            }
        ),
    }
    through = build_gateway(scenarios)
    assert tuple(through) == GATEWAY_KEYS
    assert through == {
        "settle_gateway_per_s": 700, "settle_direct_per_s": 1000,
        "settle_ratio_gateway_to_direct": 0.7, "reads_gateway_per_s": 1800.0,
        "reads_direct_per_s": 2000.0, "reads_ratio_gateway_to_direct": 0.9,
        "reads_gateway_p99_ms_at_1000": 3.0, "post_gateway_p99_ms": 24.0,
    }  # fmt: skip
    lines = gateway_table(through).render().splitlines()
    settle = next(x for x in lines if x.startswith("settle_ratio_gateway_to_direct"))
    reads = next(x for x in lines if x.startswith("reads_ratio_gateway_to_direct"))
    assert "≥ 0.8" in settle and "NOT met" in settle and " met " in reads
    # settle-throughput ran without a sustained step: nothing through the gateway either
    nothing = build_gateway({"settle-throughput": _ok({"peak_sustained_rps": None})})
    assert (
        nothing["settle_direct_per_s"] == 0.0 and nothing["settle_ratio_gateway_to_direct"] is None
    )
    assert nothing["reads_gateway_per_s"] is None


async def test_through_the_gateway_steps_down_from_the_direct_peak_until_sustained(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tried: list[float] = []

    async def step(ctx: Any, pool: Any, codes: Any, rate: float, *rest: Any, via: str) -> Any:
        tried.append(rate)
        load = {"achieved_rps": rate, "errors": 0, **_lat(9.0), "generator_cpu_pct": 1.0}
        return {"via": via, "offered_rps": rate, "sustained": rate <= 800, "load": load,
                "backlog_max": 0, "drain_s": 0.5, "settled_per_s": rate,
                "gateway_cpu": {"us_per_request": 50.0, "pct_of_core": 5.0}}  # fmt: skip

    async def warm_up(*_: Any) -> dict[str, Any]:
        return {}

    monkeypatch.setattr(settle_throughput, "_step", step)
    monkeypatch.setattr(settle_throughput, "_warm_up", warm_up)
    ctx: Any = SimpleNamespace(
        profile=FULL, run_id="t", target=SimpleNamespace(gateway_url="http://127.0.0.1:1")
    )
    direct = await step(ctx, [], [], 1000, via="direct")
    tried.clear()
    results, table = await settle_throughput._through_gateway(ctx, ["c"], 10, direct)
    assert tried == [1000, 900, 800]  # highest share first, stopping at the first sustained
    assert results["peak_sustained_rps"] == 800 and results["ratio_to_direct"] == 0.8
    assert [row[0] for row in table.rows] == ["direct", "gateway", "gateway", "gateway"]


def test_wrk_errors_and_a_dsn_without_its_password() -> None:
    out = parse_wrk(
        "    Latency    10.00ms    2.00ms   1.20s    90.00%\n"
        "     50%    9.00ms\n     99%    1.10s\n  900 requests in 1.00s, 1.00MB read\n"
        "  Socket errors: connect 1, read 2, write 0, timeout 3\n"
        "  Non-2xx or 3xx responses: 4\nRequests/sec:    900.50\n"
    )
    assert out["errors"] == 10 and out["latency_ms"]["p99"] == 1100.0
    assert out["latency_ms"]["max"] == 1200.0 and out["achieved_rps"] == 900.5
    assert out["ok_rps"] == 896.5  # the 4 non-2xx answers are not reads served
    dsn, password = split_password("postgresql://mypage:s%40cret@/mypage?host=/tmp/pg")
    assert dsn == "postgresql://mypage@/mypage?host=/tmp/pg" and password == "s@cret"
    assert split_password("postgresql://u@h/db") == ("postgresql://u@h/db", None)
