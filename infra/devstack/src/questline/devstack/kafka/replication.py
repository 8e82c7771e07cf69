"""How many copies of each record a cluster keeps (`Replication`): one on a lone broker,
three on a cluster of three, of which two must have it before a write is acknowledged.

With acks=all (the services' producers), `min_insync` is what a write waits for: one
broker of three may be down and writes go on; with two down, producers wait (and the
outboxes hold the events) until one is back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class Replication:
    factor: int
    min_insync: int

    SINGLE: ClassVar[Replication]

    @classmethod
    def for_brokers(cls, brokers: int) -> Replication:
        """Three copies (two in sync) where there are three brokers or more, else one
        on each broker there is (at most one may be lost: never fewer than one in sync)."""
        if brokers < 1:
            raise ValueError(f"a cluster needs a broker, not {brokers}")
        factor = min(brokers, 3)
        return cls(factor, max(1, factor - 1))

    def broker_properties(self) -> dict[str, str]:
        """The broker's defaults, internal topics included (consumer offsets,
        transactions, share groups), so that none is left with a single copy."""
        factor, min_insync = str(self.factor), str(self.min_insync)
        return {
            "offsets.topic.replication.factor": factor,
            "transaction.state.log.replication.factor": factor,
            "transaction.state.log.min.isr": min_insync,
            "share.coordinator.state.topic.replication.factor": factor,
            "share.coordinator.state.topic.min.isr": min_insync,
            "default.replication.factor": factor,
            "min.insync.replicas": min_insync,
        }

    def topic_config(self) -> dict[str, str]:
        """Set on each topic too: it holds even if the broker defaults change."""
        return {"min.insync.replicas": str(self.min_insync)}


Replication.SINGLE = Replication(1, 1)
