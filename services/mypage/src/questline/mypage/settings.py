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
    # Open page streams send a comment this often when the page did not change, so that
    # proxies and clients see the connection alive.
    stream_keep_alive_s: float = Field(default=15.0, gt=0, le=300)
