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
