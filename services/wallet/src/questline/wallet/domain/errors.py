"""What can go wrong in the wallet context."""


class WalletError(Exception):
    """Base of the wallet context's domain errors."""


class RewardNotInWallet(WalletError):
    def __init__(self, reward_id: str) -> None:
        super().__init__(f"No reward '{reward_id}' in this wallet.")
        self.reward_id = reward_id


class RewardAlreadyExchanged(WalletError):
    def __init__(self, reward_id: str, gift_id: str | None) -> None:
        super().__init__(f"Reward '{reward_id}' was already exchanged for gift '{gift_id}'.")
        self.reward_id = reward_id
        self.gift_id = gift_id


class GiftNotFound(WalletError):
    def __init__(self, gift_id: str) -> None:
        super().__init__(f"No gift with id '{gift_id}'.")
        self.gift_id = gift_id


class OutOfStock(WalletError):
    def __init__(self, gift_id: str) -> None:
        super().__init__(f"Gift '{gift_id}' is out of stock.")
        self.gift_id = gift_id


class GiftShopUnavailable(WalletError):
    """Gift did not answer in time, failed, or its circuit is open: the exchange did not
    happen as far as we know, and the reward stays AVAILABLE (it may heal later)."""

    def __init__(self, reason: str, retry_after_s: int) -> None:
        super().__init__(f"The gift shop is unavailable ({reason}).")
        self.reason = reason
        self.retry_after_s = retry_after_s
