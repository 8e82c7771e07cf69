"""Questline event contracts: the one source of truth for what travels on Kafka.

Producers build a model and send `to_json_bytes()` with `key()` and `correlation_id()`;
consumers read with `parse(ce_type, value)`.
"""

from __future__ import annotations

from .errors import ContractError, InvalidEventData, UnknownEventType
from .events import (
    EventData,
    GiftCatalogued,
    GiftExchanged,
    GiftStockChanged,
    MissionAchieved,
    MissionRewardLinked,
    RewardDeposited,
    RewardExchanged,
    RewardIssued,
    RewardMarkedExchanged,
)
from .registry import EVENT_TYPES, parse
from .topics import (
    ALL_TOPICS,
    GIFT_EVENTS,
    MISSION_EVENTS,
    REWARD_EVENTS,
    TOPICS,
    WALLET_EVENTS,
    dlq_topic,
)

__all__ = [
    "ALL_TOPICS",
    "EVENT_TYPES",
    "GIFT_EVENTS",
    "MISSION_EVENTS",
    "REWARD_EVENTS",
    "TOPICS",
    "WALLET_EVENTS",
    "ContractError",
    "EventData",
    "GiftCatalogued",
    "GiftExchanged",
    "GiftStockChanged",
    "InvalidEventData",
    "MissionAchieved",
    "MissionRewardLinked",
    "RewardDeposited",
    "RewardExchanged",
    "RewardIssued",
    "RewardMarkedExchanged",
    "UnknownEventType",
    "dlq_topic",
    "parse",
]
