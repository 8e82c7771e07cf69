"""Kafka topics: one per publishing context, each with a dead-letter twin."""

from __future__ import annotations

MISSION_EVENTS = "mission.events"
REWARD_EVENTS = "reward.events"
WALLET_EVENTS = "wallet.events"
GIFT_EVENTS = "gift.events"

TOPICS: tuple[str, ...] = (MISSION_EVENTS, REWARD_EVENTS, WALLET_EVENTS, GIFT_EVENTS)


def dlq_topic(topic: str) -> str:
    """The dead-letter topic where records of `topic` that cannot be processed are parked."""
    return f"{topic}.dlq"


ALL_TOPICS: tuple[str, ...] = TOPICS + tuple(dlq_topic(t) for t in TOPICS)
