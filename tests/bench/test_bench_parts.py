"""The harness's parts on their own: the load generator against a tiny local server
(counts, and that a stalled server shows up in the latency: no coordinated omission),
the parsers of tool output, and the table. Bounds only, never an exact timing."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # `bench` lives at the repo root, not in a package
    sys.path.insert(0, str(REPO_ROOT))

from bench.baselines import _consumer_figures, _producer_figures  # noqa: E402
from bench.load import LoadSpec, run_load_async  # noqa: E402
from bench.metrics import counter_sum  # noqa: E402
from bench.report import Table  # noqa: E402
from bench.scenarios.mypage_reads import parse_wrk  # noqa: E402
from bench.scenarios.settle_throughput import slope  # noqa: E402
from questline.devstack.ports import free_port  # noqa: E402


@pytest.fixture
async def server() -> AsyncIterator[str]:
    """Answers at once, except that the first request of /stall waits 0.6 s."""
    stalled: list[bool] = []

    async def ok(request: web.Request) -> web.Response:
        if request.path == "/stall" and not stalled:
            stalled.append(True)
            await asyncio.sleep(0.6)
        body = await request.read()
        return web.json_response({"echo": json.loads(body) if body else None}, status=201)

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
