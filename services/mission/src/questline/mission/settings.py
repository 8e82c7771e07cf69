"""Mission settings: QUESTLINE_MISSION_* variables."""

from pydantic_settings import SettingsConfigDict

from questline.service_kit.settings import ServiceSettings


class MissionSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="QUESTLINE_MISSION_", extra="ignore", frozen=True)

    service: str = "mission"
    http_port: int = 8081
