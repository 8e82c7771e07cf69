"""`python -m bench run [--scenarios a,b] [--quick] [--json PATH]` (make bench)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from types import FrameType

from bench.runner import run, select
from bench.scenarios import SCENARIOS
from bench.scenarios.base import Options
from bench.target import REPO_ROOT, Target, start_stack
from questline.devstack.stack import SERVICES

DATA_DIR = REPO_ROOT / ".data" / "bench"


def _floats(text: str) -> tuple[float, ...]:
    return tuple(float(x) for x in text.split(",") if x.strip())


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark Questline on this machine: idle CPU, settle throughput, CPU "
        "per achievement and settle latency, My Page reads (and a bare baseline), exchanges, "
        "the open circuit, memory, and pgbench / Kafka baselines; settles and reads also "
        "through the gateway, against direct in the same run; summary tables at the end. "
        "Starts the whole system in .data/bench (default ports) unless told to use a "
        "running one. Tables go to stdout, every figure to bench/results/<UTC time>.json.",
    )
    sub = top.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the scenarios")
    pl = sub.add_parser("plot", help="plot latency against offered rate from a results JSON")
    pl.add_argument("result", type=Path, help="a bench/results/*.json file")
    pl.add_argument("out", type=Path, help="the PNG to write, e.g. docs/performance.png")
    r = sub.add_parser("run", help="run the benchmark")
    r.add_argument(
        "--scenarios",
        help=f"comma-separated subset (default: all): {','.join(SCENARIOS)}",
    )
    r.add_argument("--quick", action="store_true", help="tiny durations and rates (smoke test)")
    r.add_argument("--json", type=Path, help="write the results here instead")
    where = r.add_argument_group("system under test (default: start one in .data/bench)")
    where.add_argument(
        "--use-running",
        action="store_true",
        help="use the system `make run` started (default localhost ports, data in .data)",
    )
    for name, port in SERVICES.items():
        where.add_argument(
            f"--url-{name}", metavar="URL", help=f"{name} base URL (default 127.0.0.1:{port})"
        )
    where.add_argument(
        "--url-gateway", metavar="URL", help="gateway base URL (default 127.0.0.1:8080)"
    )
    where.add_argument("--kafka", metavar="HOST:PORT", help="Kafka bootstrap of a running system")
    where.add_argument(
        "--data-dir", type=Path, help="data dir of a running system (its DB secrets, pids)"
    )
    where.add_argument(
        "--free-ports", action="store_true", help="start the system on free ports, not defaults"
    )
    where.add_argument(
        "--keep-data", action="store_true", help="reuse .data/bench instead of starting fresh"
    )
    knobs = r.add_argument_group("rates (override the profile)")
    knobs.add_argument("--rates", type=_floats, help="settle-throughput steps, e.g. 100,200")
    knobs.add_argument("--step-seconds", type=float, help="settle-throughput step length")
    knobs.add_argument(
        "--rate", type=float, help="fixed rate of settle-latency, mypage-reads and circuit-open"
    )
    return top


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # Ctrl-C and SIGTERM both stop the run and then the system this harness started
    # (its processes run in their own sessions: nobody else would stop them).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    if args.command == "plot":
        from bench.plot import plot

        print(plot(args.result, args.out))
        return 0
    if args.command == "list":
        for name, scenario in SCENARIOS.items():
            print(f"{name:<18} {sys.modules[scenario.__module__].SUMMARY}")
        return 0
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    names = select(args.scenarios.split(",") if args.scenarios else None)
    options = Options(quick=args.quick, rate=args.rate, rates=args.rates, step_s=args.step_seconds)
    urls = {n: getattr(args, f"url_{n}") for n in SERVICES if getattr(args, f"url_{n}")}
    if args.use_running or urls or args.url_gateway or args.kafka:
        target = Target.running(urls, args.kafka, args.data_dir, args.url_gateway)
        document, _ = run(target, names, options, args.json)
    else:
        print(f"[bench] starting Kafka, PostgreSQL and the services in {DATA_DIR} ...", flush=True)
        try:
            target = start_stack(DATA_DIR, free=args.free_ports, keep_data=args.keep_data)
        except KeyboardInterrupt:  # start_stack already stopped what it had started
            print("\n[bench] interrupted while starting", file=sys.stderr)
            return 130
        except RuntimeError as error:
            print(
                f"[bench] could not start the system: {error}\n"
                "[bench] is Questline already running? Use --use-running, or --free-ports.",
                file=sys.stderr,
            )
            return 1
        assert target.startup is not None and target.stack is not None
        print(f"[bench] ready in {target.startup['total_s']:.1f} s", flush=True)
        try:
            document, _ = run(target, names, options, args.json)
        except KeyboardInterrupt:
            print("\n[bench] interrupted: no results written", file=sys.stderr)
            return 130
        finally:
            print("[bench] stopping the system ...", flush=True)
            target.stack.stop_all()
    failed = [n for n, s in document["scenarios"].items() if s["status"] == "failed"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
