"""Mission settings: QUESTLINE_MISSION_* variables."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from questline.service_kit.settings import ServiceSettings


class MissionSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="QUESTLINE_MISSION_", extra="ignore", frozen=True)

    service: str = "mission"
    http_port: int = 8081
    # Group commit at POST /missions: batches start at least this far apart (at once
    # after a quiet spell), so that under moderate load one commit serves more requests.
    ingress_pace_ms: int = Field(default=10, ge=0, le=100)
