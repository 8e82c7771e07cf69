"""Gift settings: QUESTLINE_GIFT_* variables."""

from pydantic_settings import SettingsConfigDict

from questline.service_kit.settings import ServiceSettings


class GiftSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="QUESTLINE_GIFT_", extra="ignore", frozen=True)

    service: str = "gift"
    http_port: int = 8084
