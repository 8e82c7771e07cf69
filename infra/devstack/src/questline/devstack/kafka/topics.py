"""Creating the topics the services use on a running broker (`create_topics`)."""

from __future__ import annotations

import time

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from questline.devstack.kafka._shared import client_config
from questline.devstack.kafka._shared import log as _log
from questline.devstack.kafka.broker import KafkaBrokerError
from questline.devstack.kafka.replication import Replication


def create_topics(
    bootstrap: str,
    topics: list[str],
    partitions: int = 6,
    replication: Replication = Replication.SINGLE,
) -> None:
    """Create the topics that are missing (one replica unless told); existing ones are fine.

    Retries retriable errors for a while: right after start the controller may not
    have finished electing itself.
    """
    admin = AdminClient(client_config(bootstrap))
    pending = list(topics)
    deadline = time.monotonic() + 30
    while pending:
        futures = admin.create_topics(
            [
                NewTopic(
                    name,
                    num_partitions=partitions,
                    replication_factor=replication.factor,
                    config=replication.topic_config(),
                )
                for name in pending
            ],
            operation_timeout=15,
            request_timeout=15,
        )
        retry = []
        for name, future in futures.items():
            try:
                future.result()
                _log.info(
                    "created topic %s (%d partitions, %d replicas)",
                    name,
                    partitions,
                    replication.factor,
                )
            except KafkaException as exc:
                error: KafkaError = exc.args[0]
                if error.code() == KafkaError.TOPIC_ALREADY_EXISTS:
                    continue
                if error.retriable() and time.monotonic() < deadline:
                    retry.append(name)
                    continue
                raise KafkaBrokerError(f"cannot create topic {name}: {error.str()}") from exc
        pending = retry
        if pending:
            time.sleep(0.5)
