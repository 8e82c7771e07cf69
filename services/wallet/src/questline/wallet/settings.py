"""Wallet settings: QUESTLINE_WALLET_* variables."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from questline.service_kit.settings import ServiceSettings


class WalletSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="QUESTLINE_WALLET_", extra="ignore", frozen=True)

    service: str = "wallet"
    http_port: int = 8083
    # Where gift is: one setting (the gateway or a Kubernetes service name later).
    gift_base_url: str = "http://127.0.0.1:8084"
    # Wallet's own client credentials (scope gift:exchange) for gift's POST /exchanges.
    # No secret: calls go without a token (gift refuses them unless in a test set-up).
    gift_token_url: str = "http://127.0.0.1:8086/oauth/token"
    gift_client_id: str = "wallet"
    gift_client_secret: str = ""
    gift_connect_timeout_s: float = Field(default=0.5, gt=0)
    gift_read_timeout_s: float = Field(default=2.0, gt=0)
    # Bulkhead: at most this many calls to gift at once; more are refused at once.
    gift_max_concurrent_calls: int = Field(default=64, ge=1)
    # Circuit breaker: open after this many consecutive failures or timeouts, stay open
    # this long, then let calls probe (half-open); one success closes it.
    gift_breaker_threshold: int = Field(default=5, ge=1)
    gift_breaker_cooldown_s: float = Field(default=10.0, gt=0)
    # Retry-After for a failure while the circuit is still closed.
    gift_retry_after_s: int = Field(default=3, ge=1)
