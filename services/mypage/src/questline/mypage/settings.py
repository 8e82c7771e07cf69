"""My Page settings: QUESTLINE_MYPAGE_* variables."""

from pydantic_settings import SettingsConfigDict

from questline.service_kit.settings import ServiceSettings


class MyPageSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="QUESTLINE_MYPAGE_", extra="ignore", frozen=True)

    service: str = "mypage"
    http_port: int = 8085
