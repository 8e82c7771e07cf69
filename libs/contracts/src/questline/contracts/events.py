"""Event payloads: one immutable model per CloudEvents `type`, owned by its producer.

Each model is the `data` of one event, camelCase on the wire. Readers are tolerant:
unknown fields are ignored, so a producer may add an optional field without breaking
anyone. Anything else that changes the wire shape is a new `.v2` type, never an edit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationError,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from .errors import InvalidEventData
from .topics import GIFT_EVENTS, MISSION_EVENTS, REWARD_EVENTS, WALLET_EVENTS

_MAX_PROBLEMS = 5


def _reject_numbers(value: object) -> object:
    # Lax pydantic reads a bare number as a Unix timestamp; the contract says RFC 3339.
    if isinstance(value, int | float):
        raise PydanticCustomError("datetime_type", "Input should be an RFC 3339 date-time string")
    return value


def _field_title(name: str, _info: object) -> str:
    # The default title is built from the camelCase alias ("Missionid"); use the words.
    return name.replace("_", " ").capitalize()


def _to_rfc3339_utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


Id = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")]
"""An opaque id: a non-empty string of at most 64 characters, no control characters."""

Count = Annotated[int, Field(ge=0, le=2_147_483_647, strict=True)]
"""Points or stock: a non-negative 32-bit integer ("10" or 10.0 are contract violations)."""

Time = Annotated[
    AwareDatetime,
    BeforeValidator(_reject_numbers),
    AfterValidator(lambda value: value.astimezone(UTC)),
    PlainSerializer(_to_rfc3339_utc, return_type=str, when_used="json"),
]
"""A timezone-aware instant, held in UTC and written as RFC 3339 with a `Z`."""


class EventData(BaseModel):
    """Base of every event payload: wire format plus what the envelope needs to know."""

    model_config = ConfigDict(
        frozen=True,
        extra="ignore",
        alias_generator=to_camel,
        populate_by_name=True,
        field_title_generator=_field_title,
    )

    TYPE: ClassVar[str]
    """The versioned CloudEvents `type`, e.g. questline.mission.achieved.v1."""
    TOPIC: ClassVar[str]
    """The Kafka topic of the producing context."""
    CORRELATION_FIELD: ClassVar[str]
    """Python name of the field whose value is the CloudEvents `correlationid`."""
    KEY_FIELD: ClassVar[str] = "customer_id"
    """Python name of the field whose value is the Kafka record key (ordering unit)."""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        # Catch a mistyped ClassVar when the module is imported, not on the first send.
        super().__pydantic_init_subclass__(**kwargs)
        for name in (cls.KEY_FIELD, cls.CORRELATION_FIELD):
            field = cls.model_fields.get(name)
            if field is None or field.annotation is not str or not field.is_required():
                raise TypeError(f"{cls.__name__}: {name!r} must be a required str field")

    def key(self) -> str:
        """The Kafka record key: the customer id (the gift id for catalogue events)."""
        return str(getattr(self, self.KEY_FIELD))

    def correlation_id(self) -> str:
        """The CloudEvents `correlationid`: the business transaction this event belongs to."""
        return str(getattr(self, self.CORRELATION_FIELD))

    def to_json_bytes(self) -> bytes:
        """The record value: camelCase JSON, times in UTC."""
        return self.model_dump_json(by_alias=True).encode()

    @classmethod
    def from_json_bytes(cls, data: bytes) -> Self:
        """Read a record value; raises `InvalidEventData` when it breaks the contract."""
        try:
            return cls.model_validate_json(data)
        except ValidationError as exc:
            raise InvalidEventData(cls.TYPE, _problems(exc)) from exc


def _problems(exc: ValidationError) -> tuple[str, ...]:
    # One line per field, by wire name; pydantic's own text repeats the input values.
    lines = [
        f"{'.'.join(str(part) for part in error['loc']) or '(data)'}: {error['msg']}"
        for error in exc.errors(include_url=False, include_input=False)
    ]
    if len(lines) > _MAX_PROBLEMS:
        lines[_MAX_PROBLEMS:] = [f"... and {len(lines) - _MAX_PROBLEMS} more"]
    return tuple(lines)


# --- mission ---------------------------------------------------------------------------


class MissionAchieved(EventData):
    """A customer achieved a mission; reward issues exactly one reward for it."""

    TYPE = "questline.mission.achieved.v1"
    TOPIC = MISSION_EVENTS
    CORRELATION_FIELD = "mission_id"

    mission_id: Id
    customer_id: Id
    mission_code: Id
    points: Count
    achieved_at: Time
    mission_title: str | None = Field(
        default=None, description="Title of the mission for read models; optional."
    )


class MissionRewardLinked(EventData):
    """The achievement now records the id of the reward issued for it."""

    TYPE = "questline.mission.reward-linked.v1"
    TOPIC = MISSION_EVENTS
    CORRELATION_FIELD = "mission_id"

    mission_id: Id
    customer_id: Id
    reward_id: Id


# --- reward ----------------------------------------------------------------------------


class RewardIssued(EventData):
    """A reward was issued for an achieved mission."""

    TYPE = "questline.reward.issued.v1"
    TOPIC = REWARD_EVENTS
    CORRELATION_FIELD = "mission_id"

    reward_id: Id
    mission_id: Id
    customer_id: Id
    points: Count
    issued_at: Time


class RewardMarkedExchanged(EventData):
    """The reward's status became EXCHANGED after the wallet exchanged it for a gift."""

    TYPE = "questline.reward.exchanged.v1"
    TOPIC = REWARD_EVENTS
    CORRELATION_FIELD = "reward_id"

    reward_id: Id
    customer_id: Id
    gift_id: Id
    exchanged_at: Time


# --- wallet ----------------------------------------------------------------------------


class RewardDeposited(EventData):
    """An issued reward was put in its customer's wallet, AVAILABLE."""

    TYPE = "questline.wallet.reward-deposited.v1"
    TOPIC = WALLET_EVENTS
    CORRELATION_FIELD = "mission_id"

    customer_id: Id
    reward_id: Id
    mission_id: Id
    points: Count
    deposited_at: Time


class RewardExchanged(EventData):
    """The customer exchanged a wallet reward for a gift; the entry is EXCHANGED."""

    TYPE = "questline.wallet.reward-exchanged.v1"
    TOPIC = WALLET_EVENTS
    CORRELATION_FIELD = "reward_id"

    customer_id: Id
    reward_id: Id
    gift_id: Id
    exchange_id: Id
    exchanged_at: Time


# --- gift ------------------------------------------------------------------------------


class GiftExchanged(EventData):
    """Gift recorded an exchange for a reward and took one item from stock."""

    TYPE = "questline.gift.exchanged.v1"
    TOPIC = GIFT_EVENTS
    CORRELATION_FIELD = "reward_id"

    exchange_id: Id
    reward_id: Id
    customer_id: Id
    gift_id: Id
    stock_left: Count = Field(description="Stock of the gift after this exchange.")
    exchanged_at: Time


class GiftStockChanged(EventData):
    """A gift was added to the catalogue or its stock changed; keyed by gift, not customer."""

    TYPE = "questline.gift.stock-changed.v1"
    TOPIC = GIFT_EVENTS
    CORRELATION_FIELD = "gift_id"
    KEY_FIELD = "gift_id"

    gift_id: Id
    name: Annotated[str, StringConstraints(min_length=1)]
    stock: Count = Field(description="Stock left now.")


class GiftCatalogued(EventData):
    """A gift's catalogue entry as it stands now: sent when the gift joins the catalogue
    and whenever its stock changes (read models keep the latest; keyed by gift)."""

    TYPE = "questline.gift.catalogued.v1"
    TOPIC = GIFT_EVENTS
    CORRELATION_FIELD = "gift_id"
    KEY_FIELD = "gift_id"

    gift_id: Id
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    stock: Count = Field(description="Stock left now.")
    stocked_total: Annotated[int, Field(ge=0, strict=True)] = Field(
        description="Every item the gift ever received (first stock and restocks): "
        "stock left plus the exchanges made."
    )
