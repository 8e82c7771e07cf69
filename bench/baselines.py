"""What the same PostgreSQL and the same broker do on their own: pgbench (TPC-B-like)
and Kafka's ProducerPerformance / ConsumerPerformance, for ratios against Questline."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from confluent_kafka.admin import AdminClient

from questline.devstack.kafka import create_topics

PGBENCH_DB = "bench_pgbench"
PERF_TOPIC = "bench.perf"
_LOG4J = """\
status = error
rootLogger.level = WARN
rootLogger.appenderRef.stderr.ref = STDERR
appender.stderr.type = Console
appender.stderr.name = STDERR
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = %p %m%n
"""


def pg_bin_dir() -> Path:
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the pgserver package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _run(cmd: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd="/")
    if done.returncode != 0:
        raise RuntimeError(
            f"{Path(cmd[0]).name} failed (exit {done.returncode}):\n"
            f"{(done.stdout + done.stderr)[-2000:]}"
        )
    return done


def pgbench(socket_dir: Path, scale: int, clients: int, seconds: int) -> dict[str, Any]:
    """TPC-B-like pgbench in its own database on the stack's server (dropped after)."""
    bin_dir = pg_bin_dir()
    conn = ["-h", str(socket_dir), "-U", "postgres"]
    psql = [str(bin_dir / "psql"), *conn, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres"]
    _run([*psql, "-c", f"DROP DATABASE IF EXISTS {PGBENCH_DB} WITH (FORCE)"], 60)
    _run([*psql, "-c", f"CREATE DATABASE {PGBENCH_DB}"], 60)
    try:
        began = time.monotonic()
        _run([str(bin_dir / "pgbench"), *conn, "-i", "-q", "-s", str(scale), PGBENCH_DB], 600)
        init_s = time.monotonic() - began
        threads = min(clients, 2)
        done = _run(
            [
                str(bin_dir / "pgbench"), *conn, "-c", str(clients), "-j", str(threads),
                "-T", str(seconds), PGBENCH_DB,
            ],
            seconds + 120,
        )  # fmt: skip
    finally:
        _run([*psql, "-c", f"DROP DATABASE IF EXISTS {PGBENCH_DB} WITH (FORCE)"], 60)
    out = done.stdout
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
    latency = re.search(r"latency average = ([\d.]+) ms", out)
    txns = re.search(r"number of transactions actually processed: (\d+)", out)
    failed = re.search(r"number of failed transactions: (\d+)", out)
    return {
        "scale": scale,
        "clients": clients,
        "threads": threads,
        "duration_s": seconds,
        "init_s": round(init_s, 2),
        "tps": float(tps.group(1)) if tps else None,
        "latency_avg_ms": float(latency.group(1)) if latency else None,
        "transactions": int(txns.group(1)) if txns else None,
        "failed": int(failed.group(1)) if failed else None,
    }


def _java(jars: Path, log4j: Path) -> list[str]:
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("java is not on PATH")
    return [java, "-Xmx512m", f"-Dlog4j2.configurationFile={log4j}", "-cp", f"{jars}/*"]


def kafka_perf(bootstrap: str, jars: Path, records: int, partitions: int = 6) -> dict[str, Any]:
    """ProducerPerformance (300 B, acks=all, unthrottled) then ConsumerPerformance of
    the same records, on a scratch topic that is deleted afterwards."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    _delete_topic(admin)
    create_topics(bootstrap, [PERF_TOPIC], partitions)
    with tempfile.TemporaryDirectory(prefix="bench-kafka-") as tmp:
        log4j = Path(tmp) / "log4j2.properties"
        log4j.write_text(_LOG4J)
        java = _java(jars, log4j)
        try:
            produced = _run(
                [
                    *java, "org.apache.kafka.tools.ProducerPerformance",
                    "--topic", PERF_TOPIC, "--num-records", str(records),
                    "--record-size", "300", "--throughput", "-1",
                    "--producer-props", f"bootstrap.servers={bootstrap}", "acks=all",
                ],
                600,
            )  # fmt: skip
            consumed = _run(
                [
                    *java, "org.apache.kafka.tools.ConsumerPerformance",
                    "--bootstrap-server", bootstrap, "--topic", PERF_TOPIC,
                    "--num-records", str(records), "--timeout", "30000",
                    "--group", f"bench-perf-{int(time.time())}",
                ],
                600,
            )  # fmt: skip
        finally:
            _delete_topic(admin)
    return {
        "records": records,
        "record_size": 300,
        "partitions": partitions,
        "producer": _producer_figures(produced.stdout),
        "consumer": _consumer_figures(consumed.stdout),
    }


def _producer_figures(out: str) -> dict[str, Any]:
    # "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency,
    #  p50 ms 50th, p95 ms 95th, p99 ms 99th, p999 ms 99.9th."
    line = next((x for x in reversed(out.splitlines()) if "records sent" in x), "")
    number = r"([\d.]+)"

    def grab(pattern: str) -> float | None:
        match = re.search(pattern, line)
        return float(match.group(1)) if match else None

    return {
        "records_per_s": grab(number + r" records/sec"),
        "mb_per_s": grab(r"\(" + number + r" MB/sec\)"),
        "latency_avg_ms": grab(number + r" ms avg latency"),
        "latency_max_ms": grab(number + r" ms max latency"),
        "latency_p50_ms": grab(number + r" ms 50th"),
        "latency_p99_ms": grab(number + r" ms 99th"),
        "summary": line.strip(),
    }


def _consumer_figures(out: str) -> dict[str, Any]:
    # Header: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg,
    # nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
    lines = [x for x in out.splitlines() if x.strip()]
    header_at = next((i for i, x in enumerate(lines) if "nMsg.sec" in x), None)
    if header_at is None or header_at + 1 >= len(lines):
        return {"records_per_s": None, "raw": out[-500:]}
    keys = [k.strip() for k in lines[header_at].split(",")]
    values = [v.strip() for v in lines[header_at + 1].split(",")]
    row = dict(zip(keys, values, strict=False))

    def num(key: str) -> float | None:
        try:
            return float(row[key])
        except (KeyError, ValueError):
            return None

    return {
        "records_per_s": num("nMsg.sec"),
        "mb_per_s": num("MB.sec"),
        "records": num("data.consumed.in.nMsg"),
        "fetch_records_per_s": num("fetch.nMsg.sec"),
        "rebalance_ms": num("rebalance.time.ms"),
    }


def _delete_topic(admin: AdminClient) -> None:
    if PERF_TOPIC not in admin.list_topics(timeout=10).topics:
        return
    for future in admin.delete_topics([PERF_TOPIC], operation_timeout=30).values():
        try:
            future.result(30)
        except Exception:  # already gone
            pass
    deadline = time.monotonic() + 15  # deletion is asynchronous in the broker
    while time.monotonic() < deadline and PERF_TOPIC in admin.list_topics(timeout=10).topics:
        time.sleep(0.2)
