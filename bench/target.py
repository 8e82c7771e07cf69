"""The system under test: started here (its own data dir), given as a `Stack` object
(e.g. the e2e fixture), or already running (`make run`) on known ports. The services
are reached directly on their own ports and through the gateway (Envoy)."""

from __future__ import annotations

import contextlib
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import psutil

from bench.gateway import RAISED_LIMIT, limits, raised_limits
from questline.devstack.ports import free_ports
from questline.devstack.postgres import EmbeddedPostgres
from questline.devstack.stack import SERVICES, Stack, StackConfig, token_minter

if TYPE_CHECKING:
    from questline.auth.adapters.inbound.minting import Minter

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Target:
    urls: dict[str, str]
    kafka_bootstrap: str
    database_urls: dict[str, str]
    data_dir: Path | None = None
    stack: Stack | None = None  # set when this harness may stop and start processes
    started_here: bool = False
    startup: dict[str, Any] | None = None  # seconds, when started here
    notes: list[str] = field(default_factory=list)
    issuer: str = "http://127.0.0.1:8080"  # what tokens name as their issuer
    gateway_url: str = "http://127.0.0.1:8080"
    gateway_limits: dict[str, int] | None = None  # None: not known (started elsewhere)
    _minter: Any = None

    def tokens(self) -> Minter:
        """Tokens as the running auth service signs them (players, operator, game backend)."""
        if self.stack is not None:
            return self.stack.tokens()
        minter = self._minter or token_minter(self.database_urls["auth"], self.issuer)
        self._minter = minter
        return minter

    def close(self) -> None:
        if self._minter is not None:
            self._minter.close()

    # -- construction -------------------------------------------------------------
    @classmethod
    def from_stack(cls, stack: Stack, *, started_here: bool = False) -> Target:
        return cls(
            urls={name: stack.url(name) for name in SERVICES},
            kafka_bootstrap=stack.kafka_bootstrap,
            database_urls=dict(stack.database_urls),
            data_dir=stack.data_dir,
            stack=stack,
            started_here=started_here,
            gateway_url=stack.gateway_url,
            gateway_limits=limits(stack.gateway.settings),
        )

    @classmethod
    def running(
        cls,
        urls: dict[str, str] | None = None,
        kafka: str | None = None,
        data_dir: Path | None = None,
        gateway: str | None = None,
    ) -> Target:
        """A system started elsewhere (`make run`): default ports unless given; the
        database URLs come from the data dir's secrets (default `.data`). Tokens name
        the issuer `make run` configures (its gateway's URL from QUESTLINE_GATEWAY_PORT),
        whatever URL the gateway is reached at."""
        config = StackConfig.from_env(REPO_ROOT)
        if data_dir is not None:
            config.data_dir = data_dir
        probe = Stack(config)  # not started: only its paths and known URLs are used
        try:
            database_urls = probe.known_database_urls()
        except FileNotFoundError as error:
            raise SystemExit(
                f"cannot read {probe.data_dir}/secrets.json ({error}); pass --data-dir "
                "of the running system"
            ) from None
        given = urls or {}
        return cls(
            urls={name: given.get(name) or probe.url(name) for name in SERVICES},
            kafka_bootstrap=kafka or probe.kafka.bootstrap,
            database_urls=database_urls,
            data_dir=probe.data_dir,
            issuer=probe.gateway_url,
            gateway_url=gateway or probe.gateway_url,
            notes=[
                "system started elsewhere: processes found by port and pid files",
                "gateway rate limits not known (429 answers in a gateway row mean they "
                "throttled the load)",
            ],
        )

    # -- processes ----------------------------------------------------------------
    @property
    def pg_socket_dir(self) -> Path | None:
        if self.stack is not None:
            return self.stack.postgres.socket_dir
        return (self.data_dir / "postgres") if self.data_dir else None

    def service_pids(self) -> dict[str, int]:
        if self.stack is not None:
            return {
                key: proc.popen.pid for key, proc in self.stack.processes.items() if proc.alive()
            }
        ports = {_port(url): f"{name}-0" for name, url in self.urls.items()}
        return _listening(ports)

    def gateway_pid(self) -> int | None:
        if self.stack is not None:
            return self.stack.gateway.pid if self.stack.gateway.is_running() else None
        return _listening({_port(self.gateway_url): "gateway"}).get("gateway")

    def kafka_pid(self) -> int | None:
        if self.stack is not None:
            return self.stack.kafka.pid
        if self.data_dir is None:
            return None
        try:
            pid = int((self.data_dir / "kafka" / "broker.pid").read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if psutil.pid_exists(pid) else None

    def postgres_pid(self) -> int | None:
        if self.stack is not None:
            return self.stack.postgres.pid
        if self.pg_socket_dir is None:
            return None
        return EmbeddedPostgres(self.pg_socket_dir).pid

    def roots(self) -> dict[str, int]:
        """The root process of each group: service replicas, the gateway (Envoy), kafka,
        postgres (postmaster)."""
        roots = dict(self.service_pids())
        others = {
            "gateway": self.gateway_pid(),
            "kafka": self.kafka_pid(),
            "postgres": self.postgres_pid(),
        }
        roots.update({name: pid for name, pid in others.items() if pid is not None})
        return roots

    def describe(self) -> dict[str, Any]:
        return {
            "started_by_harness": self.started_here,
            "urls": self.urls,
            "kafka": self.kafka_bootstrap,
            "gateway": {"url": self.gateway_url, "limits": self.gateway_limits},
            "data_dir": str(self.data_dir) if self.data_dir else None,
            "can_stop_services": self.stack is not None,
            "notes": self.notes,
        }


def start_stack(data_dir: Path, *, free: bool = False, keep_data: bool = False) -> Target:
    """Start the whole system as `make run` does, in its own data dir; time each part."""
    if not keep_data and data_dir.exists():
        shutil.rmtree(data_dir)
    config = StackConfig(repo_root=REPO_ROOT, data_dir=data_dir)
    if free:
        ports = free_ports(5 + len(SERVICES))
        config.kafka_port, config.controller_port = ports[0], ports[1]
        config.gateway_port, config.gateway_admin_port = ports[2], ports[3]
        config.web_port = ports[4]
        config.http_ports = dict(zip(SERVICES, ports[5:], strict=True))
    with raised_limits() as raised:  # the Stack builds its gateway's settings now
        stack = Stack(config)
    began = time.monotonic()
    try:
        stack.start_infra()
        infra = time.monotonic()
        stack.start_all()
        stack.wait_ready(timeout=120)
    except BaseException:
        stack.stop_all()
        raise
    ready = time.monotonic()
    target = Target.from_stack(stack, started_here=True)
    target.startup = {
        "start_infra_s": round(infra - began, 3),
        "start_services_to_ready_s": round(ready - infra, 3),
        "total_s": round(ready - began, 3),
        "fresh_data_dir": not keep_data,
    }
    if raised:
        target.notes.append(
            f"gateway rate limits raised to {RAISED_LIMIT:,}/s (rate and burst: "
            f"{', '.join(raised)}): the load generator is one game backend and one operator"
        )
    return target


def _port(url: str) -> int:
    return urlsplit(url).port or 80


def _listening(ports: dict[int, str]) -> dict[str, int]:
    """Name -> pid of the process listening on each given local TCP port."""
    found: dict[str, int] = {}
    with contextlib.suppress(psutil.AccessDenied):
        for conn in psutil.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.pid:
                name = ports.get(conn.laddr.port)
                if name is not None:
                    found[name] = conn.pid
    return found
