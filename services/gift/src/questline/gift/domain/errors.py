"""What can go wrong in the gift context, in its own words."""


class GiftError(Exception):
    """Base of the gift context's domain errors."""


class GiftNotFound(GiftError):
    def __init__(self, gift_id: str) -> None:
        super().__init__(f"No gift with id '{gift_id}'.")
        self.gift_id = gift_id


class InvalidGiftName(GiftError):
    def __init__(self) -> None:
        super().__init__("A gift's name must have 1 to 200 characters, not only spaces.")


class InvalidStock(GiftError):
    """A stock or a stock change the catalogue cannot hold (invariant 4: never below 0)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)


class OutOfStock(GiftError):
    """The gift has no item left to exchange; nothing was taken or recorded."""

    def __init__(self, gift_id: str) -> None:
        super().__init__(f"Gift '{gift_id}' is out of stock.")
        self.gift_id = gift_id


class ExchangeNotFound(GiftError):
    def __init__(self, exchange_id: str) -> None:
        super().__init__(f"No exchange with id '{exchange_id}'.")
        self.exchange_id = exchange_id


class IdempotencyKeyReused(GiftError):
    """A key sent again with another request: neither is done twice, nor mixed up."""

    def __init__(self, key: str) -> None:
        super().__init__(f"Idempotency-Key '{key}' was already used for a different request.")
        self.key = key
