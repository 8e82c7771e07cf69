"""A real Kafka (KRaft) for local runs, one broker or a cluster, started from Maven jars.

No Docker and no tarball: Maven fetches the broker's jars once into a cache folder
(`ensure_kafka_jars`), and `KafkaBroker` runs `kafka.Kafka` from that classpath as a
child process. Data survives restarts; the supervisor owns start and stop.

One module per job: `jars` (fetching the jars), `broker` (running one broker process),
`cluster` (several brokers as one cluster), `replication` (how many copies of each
record), `topics` (creating topics); this package re-exports what callers use.
"""

from questline.devstack.kafka.broker import KafkaBroker, KafkaBrokerError
from questline.devstack.kafka.cluster import KafkaCluster, node_names
from questline.devstack.kafka.jars import MIN_JAVA, KafkaSetupError, ensure_kafka_jars
from questline.devstack.kafka.replication import Replication
from questline.devstack.kafka.topics import create_topics

__all__ = [
    "MIN_JAVA",
    "KafkaBroker",
    "KafkaBrokerError",
    "KafkaCluster",
    "KafkaSetupError",
    "Replication",
    "create_topics",
    "ensure_kafka_jars",
    "node_names",
]
