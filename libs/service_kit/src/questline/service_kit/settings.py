"""Settings read from the environment, one prefix per service (QUESTLINE_<SERVICE>_*)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """Where `make run` keeps its data: $QUESTLINE_DATA_DIR or ./.data."""
    return Path(os.environ.get("QUESTLINE_DATA_DIR", ".data")).resolve()


def embedded_database_url(service: str) -> str:
    """The URL of the service's database on the embedded PostgreSQL (pgserver) socket,
    with the password `make run` generated for it (kept in the data dir)."""
    data = default_data_dir()
    password = service
    secrets = data / "secrets.json"
    if secrets.exists():
        password = json.loads(secrets.read_text()).get(service, service)
    return f"postgresql+asyncpg://{service}:{password}@/{service}?host={data / 'postgres'}"


class ServiceSettings(BaseSettings):
    """Settings common to every service; subclasses set the env prefix and the port."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service: str = "service"
    instance_id: str = Field(default_factory=lambda: f"{os.uname().nodename}-{os.getpid()}")
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    database_url: str = ""
    # Connections per process. Group commit and set-wise batches need few; every extra
    # backend is another ~100 MB of resident PostgreSQL memory under load.
    db_pool_size: int = Field(default=5, ge=1, le=200)
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    log_level: str = "INFO"
    # On SIGTERM the instance first drains this long (readiness 503, every other route
    # still serving) so that whoever balances takes it out of rotation before it stops.
    # 0, the default: nothing balances a lone instance (`make run`), nobody would notice.
    # The dev stack sets it for replicated services, the Helm chart for every Deployment.
    drain_seconds: float = Field(default=0.0, ge=0, le=300)
    # Then the HTTP server stops accepting and requests in flight get this long to finish.
    shutdown_grace_seconds: int = Field(default=5, ge=0, le=300)
    # Largest accepted request body; anything larger is refused with 413 before parsing.
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    # Outbox relay: rows per batch, and how long it sleeps when the outbox is empty. A
    # local commit wakes it at once; the poll only finds rows another process committed.
    relay_batch_size: int = Field(default=500, ge=1, le=10_000)
    relay_idle_ms: int = Field(default=1000, ge=1)
    # Rounds start at least this far apart: under load one round publishes the commits
    # of the last interval; after a quiet spell a commit goes out at once.
    relay_pace_ms: int = Field(default=25, ge=0, le=1000)
    # Sent outbox rows: 0 deletes each as it is sent (Kafka keeps the event); more keeps
    # them this long for inspection, marked sent, then purged (more WAL per event).
    outbox_retention_s: int = Field(default=0, ge=0)
    # Inbox consumer: events per batch (one transaction each), and how far apart batches
    # start at least (as the relay's pace: at once after a quiet spell).
    consumer_batch_size: int = Field(default=500, ge=1, le=10_000)
    consumer_pace_ms: int = Field(default=25, ge=0, le=1000)
    consumer_session_timeout_ms: int = Field(default=10_000, ge=6_000)
    # Offsets of applied batches go to Kafka at most this often (and when idle, on
    # revocation and on close); a crash re-delivers at most this much, the inbox absorbs it.
    consumer_commit_interval_ms: int = Field(default=500, ge=0, le=60_000)
    # How long the broker may hold a fetch when there is nothing new (a long poll: a
    # fetch returns as soon as a record arrives, so this costs no latency, and an idle
    # consumer costs the broker one fetch a second instead of a hundred).
    consumer_fetch_wait_ms: int = Field(default=1000, ge=1, le=1000)
    # Event ids are remembered this long (must exceed Kafka's retention, 7 days default).
    inbox_retention_s: int = Field(default=14 * 24 * 3600, ge=3600)
    # Empty: questline.<service>. Replicas of one service share the group (and the work).
    consumer_group: str = ""
    # Test hook for the crash-between-publish-and-mark scenario: the relay process exits
    # right after Kafka acknowledged a batch and before the rows are marked sent.
    fault_relay_exit_after_publish: bool = False

    # Bearer tokens: checked here too (behind the gateway), against the auth service's
    # keys. `auth_jwks` (a JWKS document as JSON) replaces the URL, e.g. in tests.
    auth_jwks_url: str = "http://127.0.0.1:8086/.well-known/jwks.json"
    auth_jwks: str = ""
    auth_issuer: str = "http://127.0.0.1:8080"
    auth_audience: str = "questline"

    def effective_database_url(self) -> str:
        return self.database_url or embedded_database_url(self.service)

    def effective_consumer_group(self) -> str:
        return self.consumer_group or f"questline.{self.service}"
