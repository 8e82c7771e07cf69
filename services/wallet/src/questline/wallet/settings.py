"""Wallet settings: QUESTLINE_WALLET_* variables."""

from pydantic_settings import SettingsConfigDict

from questline.service_kit.settings import ServiceSettings


class WalletSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="QUESTLINE_WALLET_", extra="ignore", frozen=True)

    service: str = "wallet"
    http_port: int = 8083
