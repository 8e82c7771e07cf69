"""What can go wrong in the mission context, in its own words."""


class MissionError(Exception):
    """Base of the mission context's domain errors."""


class MissionNotFound(MissionError):
    def __init__(self, code: str) -> None:
        super().__init__(f"No mission with code '{code}'.")
        self.code = code


class MissionNotOpen(MissionError):
    def __init__(self, code: str) -> None:
        super().__init__(f"Mission '{code}' is not active right now.")
        self.code = code


class MissionAlreadyDefined(MissionError):
    def __init__(self, code: str) -> None:
        super().__init__(f"A mission with code '{code}' already exists.")
        self.code = code


class InvalidMissionWindow(MissionError):
    def __init__(self) -> None:
        super().__init__("The active window must end after it starts.")


class AchievementNotFound(MissionError):
    def __init__(self, achievement_id: str) -> None:
        super().__init__(f"No achievement with id '{achievement_id}'.")
        self.achievement_id = achievement_id


class RewardAlreadyLinked(MissionError):
    """A second, different reward for one achievement: invariant 1 would break."""

    def __init__(self, achievement_id: str, linked: str, offered: str) -> None:
        super().__init__(
            f"Achievement '{achievement_id}' already has reward '{linked}', not '{offered}'."
        )


class IdempotencyKeyReused(MissionError):
    def __init__(self, key: str) -> None:
        super().__init__(f"Idempotency-Key '{key}' was already used for a different request.")
        self.key = key
