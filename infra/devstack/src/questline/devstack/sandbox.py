"""A whole system of its own: a temporary data dir, free loopback ports, started by the
same code as `make run` (for the end-to-end tests and the chaos run)."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from questline.devstack.ports import free_ports
from questline.devstack.stack import SERVICES, Stack, StackConfig

REPO_ROOT = next(p for p in Path(__file__).resolve().parents if (p / "infra" / "kafka").is_dir())


@contextmanager
def sandbox(
    prefix: str,
    *,
    env: Mapping[str, str] | None = None,
    http_ports: Mapping[str, int] | None = None,
    supervisor: Callable[[str], None] | None = None,
    further_instances: Mapping[str, int] | None = None,
    kafka_brokers: int = 1,
) -> Iterator[Stack]:
    """Started and ready on entry, stopped and removed on exit. With `supervisor` (what
    to do with its lines), crashed parts are restarted as `make run` restarts them.
    `further_instances` (e.g. {"mission": 1}) runs more instances of a service behind
    the gateway, each on a free port of its own. `kafka_brokers=3` runs a Kafka cluster
    of three, as `make run KAFKA_BROKERS=3` does."""
    root = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))  # short: Unix socket paths
    further = dict(further_instances or {})
    ports = free_ports(5 + len(SERVICES) + sum(further.values()) + 2 * (kafka_brokers - 1))
    spare = iter(ports[5 + len(SERVICES) :])
    config = StackConfig(
        repo_root=REPO_ROOT,
        data_dir=root,
        kafka_port=ports[0],
        controller_port=ports[1],
        gateway_port=ports[2],
        gateway_admin_port=ports[3],
        web_port=ports[4],
        http_ports=dict(http_ports or zip(SERVICES, ports[5 : 5 + len(SERVICES)], strict=True)),
        extra_http_ports={n: [next(spare) for _ in range(k)] for n, k in further.items()},
        kafka_brokers=kafka_brokers,
        more_kafka_ports=[(next(spare), next(spare)) for _ in range(kafka_brokers - 1)],
        # A killed consumer's partitions move on after this long (Kafka's minimum).
        env={"QUESTLINE_*_CONSUMER_SESSION_TIMEOUT_MS": "6000", **(env or {})},
    )
    stack = Stack(config)
    stopping = threading.Event()
    thread = None
    try:
        stack.start_infra()
        stack.start_all()
        stack.wait_ready(timeout=120)
        if supervisor is not None:
            thread = threading.Thread(
                target=stack.supervise, args=(stopping, supervisor), daemon=True
            )
            thread.start()
        yield stack
    finally:
        stopping.set()
        if thread is not None:
            thread.join(30)
        stack.stop_all()
        if not os.environ.get("QUESTLINE_KEEP_TEST_DATA"):
            shutil.rmtree(root, ignore_errors=True)
