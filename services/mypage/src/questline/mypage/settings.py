"""My Page settings: QUESTLINE_MYPAGE_* variables."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from questline.service_kit.settings import ServiceSettings


class MyPageSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="QUESTLINE_MYPAGE_", extra="ignore", frozen=True)

    service: str = "mypage"
    http_port: int = 8085
    # Pages kept in memory for reads (0: none), current through PostgreSQL notices.
    read_cache_pages: int = Field(default=20_000, ge=0)
