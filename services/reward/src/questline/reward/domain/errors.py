"""What can go wrong in the reward context."""


class RewardError(Exception):
    """Base of the reward context's domain errors."""


class RewardNotFound(RewardError):
    def __init__(self, reward_id: str) -> None:
        super().__init__(f"No reward with id '{reward_id}'.")
        self.reward_id = reward_id


class RewardExchangedForAnotherGift(RewardError):
    """A second, different exchange for one reward: invariant 3 would break."""

    def __init__(self, reward_id: str, gift_id: str, offered: str) -> None:
        super().__init__(f"Reward '{reward_id}' was exchanged for '{gift_id}', not '{offered}'.")
