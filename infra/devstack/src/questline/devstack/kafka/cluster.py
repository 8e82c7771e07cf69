"""Kafka as `make run` runs it: one broker, or a cluster of several (`KafkaCluster`).

Each node of a cluster is a combined broker+controller `KafkaBroker` with its own data
dir, port and controller port; the controllers of all nodes form one KRaft quorum
(static voters), and all nodes share one cluster id. A cluster of one is exactly the
lone broker `make run` has always run: named "kafka", data in <root>/kafka.
"""

from __future__ import annotations

import base64
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from questline.devstack.kafka._shared import client_config, read_stripped
from questline.devstack.kafka.broker import KafkaBroker, KafkaBrokerError
from questline.devstack.kafka.replication import Replication
from questline.devstack.kafka.topics import create_topics
from questline.devstack.ports import LOOPBACK

# A broker that stops heartbeating is fenced (its partitions led elsewhere) after this
# long; Kafka's 9 s default is the better part of a crashed broker's pause. Heartbeats
# are small and local here: 3 s is still six missed ones.
FAILOVER_PROPERTIES = {
    "broker.heartbeat.interval.ms": "500",
    "broker.session.timeout.ms": "3000",
}


def node_names(brokers: int) -> list[str]:
    """What the supervisor and `stop_infra` call each node: "kafka" alone, else
    "kafka-1", "kafka-2", …"""
    return ["kafka"] if brokers == 1 else [f"kafka-{n}" for n in range(1, brokers + 1)]


def new_cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes, URL-safe base64 without padding (as Kafka's
    own random-uuid prints; one starting with "-" would read as an option, so never)."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


class KafkaCluster:
    """`ports` holds each node's (broker port, controller port); node n (from 1) keeps
    its data in <root>/kafka-n and logs to <logs>/kafka-n.log (one node: kafka, kafka.log).
    """

    def __init__(
        self,
        root: Path,
        jars_dir: Path,
        ports: list[tuple[int, int]],
        logs: Path,
        heap: str = "512m",
    ) -> None:
        if not ports:
            raise ValueError("a cluster needs a broker")
        self.root = root.resolve()
        self.names = node_names(len(ports))
        self.replication = Replication.for_brokers(len(ports))
        voters = ",".join(f"{n}@{LOOPBACK}:{c}" for n, (_, c) in enumerate(ports, start=1))
        alone = len(ports) == 1
        self.brokers = [
            KafkaBroker(
                self.root / name,
                jars_dir,
                port=port,
                controller_port=controller_port,
                log_file=logs / f"{name}.log",
                heap=heap,
                node_id=node,
                quorum_voters=None if alone else voters,
                replication=self.replication,
                overrides=None if alone else FAILOVER_PROPERTIES,
            )
            for node, (name, (port, controller_port)) in enumerate(
                zip(self.names, ports, strict=True), start=1
            )
        ]

    def cluster_id(self) -> str:
        """The id all nodes are formatted with, made once and kept beside their folders
        (a lone broker makes its own as it always has)."""
        path = self.root / "kafka-cluster.id"
        known = read_stripped(path)
        if known:
            return known
        self.root.mkdir(parents=True, exist_ok=True)
        fresh = new_cluster_id()
        path.write_text(fresh + "\n")
        return fresh

    @property
    def bootstrap(self) -> str:
        """Every broker, comma-separated: a client finds the cluster through any one."""
        return ",".join(broker.bootstrap for broker in self.brokers)

    def broker(self, name: str) -> KafkaBroker:
        return self.brokers[self.names.index(name)]

    def start(self) -> None:
        """Launch every node; returns at once (wait_ready next)."""
        shared = self.cluster_id() if len(self.brokers) > 1 else None
        for broker in self.brokers:
            broker.cluster_id = shared
            broker.start()

    def wait_ready(self, timeout: float = 90) -> None:
        """Every node answers, and every broker is registered with the controllers:
        only then can a topic get all its replicas."""
        deadline = time.monotonic() + timeout
        for broker in self.brokers:
            broker.wait_ready(max(1.0, deadline - time.monotonic()))
        if len(self.brokers) == 1:
            return
        admin = AdminClient(client_config(self.bootstrap))
        registered: set[int] = set()
        while len(registered) < len(self.brokers):
            try:
                registered = {node.id for node in admin.describe_cluster().result(2).nodes}
            except KafkaException:
                pass
            if time.monotonic() >= deadline:
                raise KafkaBrokerError(
                    f"{len(registered)} of {len(self.brokers)} brokers registered "
                    f"within {timeout:.0f} s"
                )
            if len(registered) < len(self.brokers):
                time.sleep(0.2)

    def create_topics(self, topics: list[str], partitions: int) -> None:
        create_topics(self.bootstrap, topics, partitions, self.replication)

    def is_running(self) -> bool:
        return all(broker.is_running() for broker in self.brokers)

    def stop(self, timeout: float = 20) -> None:
        """Stop every running node at once (each SIGTERM, then SIGKILL after `timeout`):
        one after another, three controlled shutdowns would take three times as long."""
        running = [broker for broker in self.brokers if broker.is_running()]
        if not running:
            return
        with ThreadPoolExecutor(len(running)) as pool:
            for done in [pool.submit(broker.stop, timeout) for broker in running]:
                done.result()
