"""Reward settings: QUESTLINE_REWARD_* variables."""

from pydantic_settings import SettingsConfigDict

from questline.service_kit.settings import ServiceSettings


class RewardSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="QUESTLINE_REWARD_", extra="ignore", frozen=True)

    service: str = "reward"
    http_port: int = 8082
