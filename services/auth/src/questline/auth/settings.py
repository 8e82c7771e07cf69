"""Auth settings: QUESTLINE_AUTH_* variables."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from questline.service_kit.settings import ServiceSettings


class AuthSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="QUESTLINE_AUTH_", extra="ignore", frozen=True)

    service: str = "auth"
    http_port: int = 8086
    # The public address of the issuer: the gateway, where discovery is served.
    issuer: str = "http://127.0.0.1:8080"
    audience: str = "questline"
    access_token_ttl_s: int = Field(default=900, ge=30, le=24 * 3600)
    refresh_token_ttl_s: int = Field(default=30 * 24 * 3600, ge=60)
    authorization_code_ttl_s: int = Field(default=300, ge=10, le=600)
    # A rotated-in key is published this long before it signs, so every JWKS cache
    # (gateway, services) has it before the first token signed with it arrives.
    key_publish_delay_s: int = Field(default=120, ge=0)
    # Sign-in: after this many wrong passwords in a row an account is locked for a while.
    login_max_failures: int = Field(default=5, ge=1)
    login_lock_s: int = Field(default=60, ge=1)
    # Confidential clients registered (or updated) at start: {"id": {"secret": …,
    # "scope": "…"}}, client credentials only. `make run` passes its own; in production
    # register clients with the `register-client` command instead.
    seed_clients: dict[str, dict[str, str]] = Field(default_factory=dict)
    # The web app: a public client (PKCE, no secret) and where it may be sent back to.
    web_client_id: str = "questline-web"
    web_redirect_uris: list[str] = Field(
        default_factory=lambda: [
            "http://127.0.0.1:8080/callback",
            "http://localhost:8080/callback",
        ]
    )
