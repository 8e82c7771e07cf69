"""baselines: pgbench against the same PostgreSQL and Kafka's own performance tools
against the same broker, in the same run, with Questline's ratios to them."""

from __future__ import annotations

import asyncio
from typing import Any

from bench.baselines import kafka_perf, pgbench
from bench.report import Table
from bench.scenarios.base import Context, Outcome, Skip
from bench.target import REPO_ROOT

NAME = "baselines"
SUMMARY = "pgbench and Kafka producer/consumer perf on the same servers; ratios"


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a and b else None


async def run(ctx: Context) -> Outcome:
    p = ctx.profile
    socket = ctx.target.pg_socket_dir
    if socket is None:
        raise Skip("no PostgreSQL socket dir known for this target")
    stack = ctx.target.stack
    jars = stack.kafka.jars_dir if stack is not None else REPO_ROOT / ".cache" / "kafka" / "libs"
    pg = await asyncio.to_thread(pgbench, socket, p.pgbench_scale, p.pgbench_clients, p.pgbench_s)
    kafka = await asyncio.to_thread(kafka_perf, ctx.target.kafka_bootstrap, jars, p.kafka_records)
    step: dict[str, Any] = ctx.best_step or {}
    settled = step.get("settled_per_s")
    relay = step.get("relay_msgs_per_s")
    produced = kafka["producer"]["records_per_s"]
    ratios = {
        "settled_per_s": settled,
        "relay_msgs_per_s": relay,
        "at_offered_rps": step.get("offered_rps"),
        "step_sustained": step.get("sustained"),
        "settled_per_pgbench_tps": _ratio(settled, pg["tps"]),
        "relay_per_producer_perf": _ratio(relay, produced),
    }
    table = Table(
        f"{NAME}: the same PostgreSQL and broker on their own",
        ["tool", "figure", "value", "Questline", "ratio"],
    )
    table.add(
        f"pgbench TPC-B s={pg['scale']} c={pg['clients']} {pg['duration_s']} s", "tps",
        pg["tps"], settled, ratios["settled_per_pgbench_tps"],
    )  # fmt: skip
    table.add("ProducerPerformance 300 B acks=all", "records/s", produced, relay,
              ratios["relay_per_producer_perf"])  # fmt: skip
    table.add("ConsumerPerformance", "records/s", kafka["consumer"]["records_per_s"], None, None)
    if not step:
        which = "no settle-throughput step in this run, so no ratio"
    elif step.get("sustained"):
        which = f"at the highest sustained step ({step['offered_rps']:g}/s offered)"
    else:
        which = f"at the best settled step ({step['offered_rps']:g}/s offered, NOT sustained)"
    table.notes.append(
        "Questline = settled achievements/s and relay msgs/s (questline_outbox_published_total "
        f"over the step, summed over services) {which}"
    )
    return Outcome(
        results={"pgbench": pg, "kafka": kafka, "ratios": ratios},
        tables=[table],
        params={
            "pgbench_scale": p.pgbench_scale,
            "pgbench_clients": p.pgbench_clients,
            "pgbench_s": p.pgbench_s,
            "kafka_records": p.kafka_records,
        },
    )
