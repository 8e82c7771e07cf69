"""A Kafka cluster of three as the dev stack plans it: one controller quorum of all
three nodes, each node on its own ports and data dir, three replicas of each record
with two in sync, and each broker supervised on its own. A lone broker stays exactly
as it was. Nothing is started here: the plan is read back."""

from __future__ import annotations

from pathlib import Path

import pytest

from questline.devstack.kafka import KafkaBroker, KafkaCluster, Replication, node_names
from questline.devstack.stack import SERVICES, Stack, StackConfig

REPO_ROOT = Path(__file__).resolve().parents[3]
JARS = REPO_ROOT / ".cache" / "kafka" / "libs"
PORTS = [(19092, 19093), (19094, 19095), (19096, 19097)]


def properties(broker: KafkaBroker) -> dict[str, str]:
    lines = broker._server_properties().splitlines()
    return dict(line.split("=", 1) for line in lines if not line.startswith("#"))


def test_three_nodes_form_one_controller_quorum_each_on_its_own_ports(tmp_path: Path) -> None:
    cluster = KafkaCluster(tmp_path, JARS, PORTS, tmp_path / "logs")

    voters = "1@127.0.0.1:19093,2@127.0.0.1:19095,3@127.0.0.1:19097"
    nodes = enumerate(zip(cluster.brokers, PORTS, strict=True), start=1)
    for node, (broker, (port, controller)) in nodes:
        props = properties(broker)
        assert props["node.id"] == str(node)
        assert props["process.roles"] == "broker,controller"
        assert props["controller.quorum.voters"] == voters
        assert props["listeners"] == (
            f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}"
        )
        assert props["advertised.listeners"] == f"PLAINTEXT://127.0.0.1:{port}"
        assert props["log.dirs"] == str(tmp_path / f"kafka-{node}" / "kraft-logs")
        assert broker.log_file == tmp_path / "logs" / f"kafka-{node}.log"
    assert cluster.bootstrap == "127.0.0.1:19092,127.0.0.1:19094,127.0.0.1:19096"


def test_a_cluster_keeps_one_id_beside_its_nodes_across_restarts(tmp_path: Path) -> None:
    first = KafkaCluster(tmp_path, JARS, PORTS, tmp_path / "logs")
    assert not (tmp_path / "kafka-cluster.id").exists()  # planning it writes nothing

    cluster_id = first.cluster_id()
    again = KafkaCluster(tmp_path, JARS, PORTS, tmp_path / "logs")

    assert again.cluster_id() == cluster_id
    assert len(cluster_id) == 22 and not cluster_id.startswith("-")


def test_three_brokers_keep_three_copies_of_every_topic_with_two_in_sync(tmp_path: Path) -> None:
    cluster = KafkaCluster(tmp_path, JARS, PORTS, tmp_path / "logs")

    assert cluster.replication == Replication(factor=3, min_insync=2)
    assert cluster.replication.topic_config() == {"min.insync.replicas": "2"}
    props = properties(cluster.brokers[0])
    for key in (
        "default.replication.factor",
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
    ):
        assert props[key] == "3", key
    assert props["min.insync.replicas"] == "2"
    assert props["transaction.state.log.min.isr"] == "2"


def test_a_lone_broker_stays_as_it_was_node_1_alone_in_its_quorum_with_one_copy(
    tmp_path: Path,
) -> None:
    cluster = KafkaCluster(tmp_path, JARS, [(9092, 9093)], tmp_path / "logs")
    [broker] = cluster.brokers

    props = properties(broker)
    assert props["node.id"] == "1"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:9093"
    assert props["default.replication.factor"] == "1"
    assert props["min.insync.replicas"] == "1"
    assert broker.data_dir == tmp_path / "kafka"
    assert broker.log_file == tmp_path / "logs" / "kafka.log"
    assert broker.cluster_id is None  # formatted with a fresh id of its own, as before
    assert cluster.bootstrap == "127.0.0.1:9092"
    assert properties(broker) == properties(KafkaBroker(tmp_path / "kafka", JARS, 9092, 9093))


@pytest.mark.parametrize(
    ("brokers", "factor", "min_insync"), [(1, 1, 1), (2, 2, 1), (3, 3, 2), (5, 3, 2)]
)
def test_replicas_follow_the_broker_count_and_one_broker_may_always_be_lost(
    brokers: int, factor: int, min_insync: int
) -> None:
    assert Replication.for_brokers(brokers) == Replication(factor, min_insync)


def test_brokers_are_named_kafka_alone_and_kafka_n_in_a_cluster() -> None:
    assert node_names(1) == ["kafka"]
    assert node_names(3) == ["kafka-1", "kafka-2", "kafka-3"]


def _stack(tmp_path: Path, **config: object) -> Stack:
    stack = Stack(StackConfig(REPO_ROOT, tmp_path, **config))  # type: ignore[arg-type]
    stack.database_urls = {name: f"postgresql+asyncpg://{name}@/{name}" for name in SERVICES}
    return stack


def test_a_stack_of_three_brokers_supervises_each_and_gives_services_all_three(
    tmp_path: Path,
) -> None:
    stack = _stack(tmp_path, kafka_brokers=3)

    assert stack.config.kafka_ports() == [(9092, 9093), (9094, 9095), (9096, 9097)]
    assert [name for name in stack._infra if name != "postgres"] == node_names(3)
    bootstrap = "127.0.0.1:9092,127.0.0.1:9094,127.0.0.1:9096"
    assert stack.service_env("reward")["QUESTLINE_REWARD_KAFKA_BOOTSTRAP_SERVERS"] == bootstrap
    assert stack.kafka is stack.kafka_cluster.brokers[0]
    with pytest.raises(KeyError, match="kafka-4"):
        stack.stop_infra("kafka-4")


def test_a_stack_with_the_default_setting_runs_one_broker_named_kafka(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QUESTLINE_KAFKA_BROKERS", raising=False)
    stack = _stack(tmp_path)

    assert StackConfig.from_env(REPO_ROOT).kafka_brokers == 1
    assert [name for name in stack._infra if name != "postgres"] == ["kafka"]
    assert stack.service_env("wallet")["QUESTLINE_WALLET_KAFKA_BOOTSTRAP_SERVERS"] == (
        "127.0.0.1:9092"
    )


def test_the_broker_count_setting_is_read_and_anything_but_1_or_3_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QUESTLINE_KAFKA_BROKERS", "3")
    assert StackConfig.from_env(REPO_ROOT).kafka_brokers == 3
    monkeypatch.setenv("QUESTLINE_KAFKA_BROKERS", "2")
    with pytest.raises(ValueError, match="1 or 3"):
        StackConfig.from_env(REPO_ROOT)


def test_a_crashed_node_of_a_cluster_is_fenced_within_seconds_and_a_lone_one_keeps_defaults(
    tmp_path: Path,
) -> None:
    three = KafkaCluster(tmp_path / "three", JARS, PORTS, tmp_path / "logs")
    one = KafkaCluster(tmp_path / "one", JARS, [(9092, 9093)], tmp_path / "logs")

    for broker in three.brokers:
        props = properties(broker)
        assert int(props["broker.session.timeout.ms"]) <= 3000
        assert int(props["broker.heartbeat.interval.ms"]) < int(props["broker.session.timeout.ms"])
    assert "broker.session.timeout.ms" not in properties(one.brokers[0])
