"""`python -m chaos run` (make chaos): see docs/reliability.md."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from chaos.faults import KINDS
from chaos.report import markdown, write
from chaos.run import Plan, execute

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start a system of its own, load it, break it, audit it")
    run.add_argument("--duration", type=float, default=300.0, help="seconds of faults")
    run.add_argument("--rate", type=float, default=20.0, help="achievements per second")
    run.add_argument("--exchange-rate", type=float, default=4.0, help="exchanges per second")
    run.add_argument("--customers", type=int, default=40)
    run.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    run.add_argument("--faults", help=f"comma-separated kinds in order, from {', '.join(KINDS)}")
    run.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    plan = Plan(
        duration_s=args.duration,
        achievements_per_s=args.rate,
        exchanges_per_s=args.exchange_rate,
        customers=args.customers,
        seed=args.seed,
        faults=args.faults.split(",") if args.faults else None,
    )
    result = execute(plan, lambda line: print(f"[chaos] {line}", flush=True))
    print()
    print(markdown(result))
    print(f"[chaos] JSON in {write(result, args.results)}")
    return 0 if result.clean else 1


if __name__ == "__main__":
    sys.exit(main())
