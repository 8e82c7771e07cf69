"""Which model reads which CloudEvents `type`, and the topics they travel on."""

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
from .topics import ALL_TOPICS, TOPICS, dlq_topic

__all__ = [
    "ALL_TOPICS",
    "EVENT_TYPES",
    "TOPICS",
    "ContractError",
    "InvalidEventData",
    "UnknownEventType",
    "dlq_topic",
    "parse",
]

# A new event (or a new `.v2` of an old one) is a new model added to this tuple.
_MODELS: tuple[type[EventData], ...] = (
    MissionAchieved,
    MissionRewardLinked,
    RewardIssued,
    RewardMarkedExchanged,
    RewardDeposited,
    RewardExchanged,
    GiftExchanged,
    GiftStockChanged,
    GiftCatalogued,
)

EVENT_TYPES: dict[str, type[EventData]] = {model.TYPE: model for model in _MODELS}

if len(EVENT_TYPES) != len(_MODELS):  # two models claiming one type would shadow each other
    raise RuntimeError("two event models share a CloudEvents type")


def parse(type_: str, data: bytes) -> EventData:
    """Read the `data` of an event of CloudEvents type `type_`.

    Raises `UnknownEventType` for a type not in the registry and `InvalidEventData` when
    `data` is not JSON or breaks the model; both are `ContractError`s.
    """
    model = EVENT_TYPES.get(type_)
    if model is None:
        raise UnknownEventType(type_)
    return model.from_json_bytes(data)
