"""The whole system on one machine: Kafka, PostgreSQL and the services as supervised
child processes. `make run` and the end-to-end tests both start the system through this
class, so the tests exercise exactly what a user runs."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from questline.contracts.topics import ALL_TOPICS
from questline.devstack.kafka import KafkaBroker, KafkaCluster, ensure_kafka_jars
from questline.devstack.ports import port_in_use
from questline.devstack.postgres import EmbeddedPostgres
from questline.devstack.reaping import become_subreaper
from questline.devstack.supervision import Watched
from questline.devstack.web import WebApp
from questline.gateway import Gateway, GatewaySettings

if TYPE_CHECKING:
    from questline.auth.adapters.inbound.minting import Minter

SERVICES: dict[str, int] = {
    "mission": 8081,
    "reward": 8082,
    "wallet": 8083,
    "gift": 8084,
    "mypage": 8085,
    "auth": 8086,
}
# Applications the stack registers with the auth service (client credentials).
CLIENTS: dict[str, str] = {"game-backend": "missions:report", "wallet": "gift:exchange"}
ALL_ROLES = "http,relay,consumer"
# Reads the service databases for `python -m questline.audit`, and writes nothing.
AUDIT_ROLE = "questline_audit"
# How long an instance of a replicated service drains on SIGTERM before it stops: the
# gateway checks readiness every second and takes it out at the first 503, so two
# seconds leave a whole round of checks (and the check's own 1 s timeout) to spare. A
# service with one instance does not drain (nothing could take its requests over).
REPLICA_DRAIN_S = 2.0


@dataclass
class StackConfig:
    repo_root: Path
    data_dir: Path
    kafka_port: int = 9092
    controller_port: int = 9093
    # 1, or 3 for a cluster: RF 3 and min ISR 2, one controller quorum of the three.
    kafka_brokers: int = 1
    # (broker port, controller port) of brokers 2, 3, … ; by default the pairs after
    # the first broker's: 9094/9095, 9096/9097.
    more_kafka_ports: list[tuple[int, int]] = field(default_factory=list)
    http_ports: dict[str, int] = field(default_factory=lambda: dict(SERVICES))
    # Further instances of a service (replicas "1", "2", …), each on its own port and
    # behind the gateway with the first: e.g. {"mission": [18081]}. None by default.
    extra_http_ports: dict[str, list[int]] = field(default_factory=dict)
    partitions: int = 6
    gateway_port: int = 8080
    gateway_admin_port: int = 9901
    web_port: int = 8087  # the web app's files, behind the gateway
    # Extra QUESTLINE_* settings for every service (e.g. a shorter session timeout).
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, repo_root: Path) -> StackConfig:
        data = Path(os.environ.get("QUESTLINE_DATA_DIR", repo_root / ".data"))
        return cls(
            repo_root=repo_root,
            data_dir=data,
            kafka_port=int(os.environ.get("QUESTLINE_KAFKA_PORT", 9092)),
            controller_port=int(os.environ.get("QUESTLINE_KAFKA_CONTROLLER_PORT", 9093)),
            kafka_brokers=kafka_brokers(os.environ.get("QUESTLINE_KAFKA_BROKERS", "1")),
            partitions=int(os.environ.get("QUESTLINE_PARTITIONS", 6)),
            gateway_port=int(os.environ.get("QUESTLINE_GATEWAY_PORT", 8080)),
            gateway_admin_port=int(os.environ.get("QUESTLINE_GATEWAY_ADMIN_PORT", 9901)),
            web_port=int(os.environ.get("QUESTLINE_WEB_PORT", 8087)),
        )

    def kafka_ports(self) -> list[tuple[int, int]]:
        """Each broker's (port, controller port), the first broker's first."""
        ports = [(self.kafka_port, self.controller_port), *self.more_kafka_ports]
        for n in range(len(ports), self.kafka_brokers):
            ports.append((self.kafka_port + 2 * n, self.controller_port + 2 * n))
        return ports[: self.kafka_brokers]


def kafka_brokers(setting: str) -> int:
    """QUESTLINE_KAFKA_BROKERS: a lone broker, or a cluster of three."""
    if setting.strip() not in ("1", "3"):
        raise ValueError(f"QUESTLINE_KAFKA_BROKERS is 1 or 3, not {setting!r}")
    return int(setting)


@dataclass
class ServiceProcess:
    name: str
    replica: str
    roles: str
    popen: subprocess.Popen[bytes]
    log_file: Path
    env: dict[str, str]
    restarts: int = 0
    wanted: bool = True  # False once stopped on purpose: the supervisor leaves it down
    restart_at: float | None = None  # when the supervisor restarts it, once found dead

    @property
    def key(self) -> str:
        return f"{self.name}-{self.replica}"

    def alive(self) -> bool:
        return self.popen.poll() is None


class Stack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.data_dir = config.data_dir.resolve()
        self.logs = self.data_dir / "logs"
        self.kafka_cluster = KafkaCluster(
            self.data_dir,
            config.repo_root / ".cache" / "kafka" / "libs",
            config.kafka_ports(),
            self.logs,
        )
        self.postgres = EmbeddedPostgres(
            self.data_dir / "postgres", log_file=self.logs / "postgres.log"
        )
        self.database_urls: dict[str, str] = {}
        self._minter: Minter | None = None
        self._secrets: dict[str, str] | None = None
        self.gateway = Gateway(
            self.gateway_settings(), self.data_dir / "gateway", self.logs / "gateway.log"
        )
        self.web = WebApp(config.repo_root / "web" / "dist", config.web_port, self.logs / "web.log")
        self.processes: dict[str, ServiceProcess] = {}
        self._infra = {
            # Each broker on its own: one restarts while the others serve.
            **{
                name: Watched(name, broker.is_running, broker.start, str(broker.log_file))
                for name, broker in zip(
                    self.kafka_cluster.names, self.kafka_cluster.brokers, strict=True
                )
            },
            "postgres": Watched(
                "postgres",
                self.postgres.is_running,
                self.postgres.recover,
                str(self.postgres.log_file),
            ),
        }

    # -- infrastructure ---------------------------------------------------------------
    @property
    def kafka(self) -> KafkaBroker:
        """The first broker (with one broker, the broker): its pid, its port."""
        return self.kafka_cluster.brokers[0]

    @property
    def kafka_bootstrap(self) -> str:
        """Every broker, as the services are given them."""
        return self.kafka_cluster.bootstrap

    def start_infra(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        ensure_kafka_jars(self.config.repo_root, self.config.repo_root / ".cache" / "kafka")
        become_subreaper()  # a crashed postmaster becomes ours to collect (see reaping)
        self.kafka_cluster.start()
        for name in self.kafka_cluster.names:
            self._infra[name].started()
        self.postgres.start()
        self._infra["postgres"].started()
        passwords = self._passwords()
        for name in SERVICES:
            self.database_urls[name] = self.postgres.ensure_database(name, name, passwords[name])
        self.ensure_audit_role()
        self.kafka_cluster.wait_ready(timeout=90)
        self.kafka_cluster.create_topics(list(ALL_TOPICS), self.config.partitions)

    def _passwords(self) -> dict[str, str]:
        """One generated password per service database and one secret per registered
        client (as `client:<id>`), kept with the data; read (and completed) once."""
        if self._secrets is not None:
            return self._secrets
        path = self.data_dir / "secrets.json"
        known: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        for name in SERVICES:
            known.setdefault(name, secrets.token_urlsafe(18))
        for client in CLIENTS:
            known.setdefault(f"client:{client}", secrets.token_urlsafe(32))
        path.write_text(json.dumps(known, indent=2))
        path.chmod(0o600)
        self._secrets = known
        return known

    def ensure_audit_role(self) -> None:
        """The read-only role `python -m questline.audit` reads every service database
        with (auth's excepted: nothing to audit there, and it holds credentials); its
        generated password is kept in secrets.json with the others."""
        known = self._passwords()
        if AUDIT_ROLE not in known:  # generated once, then kept like the others
            known[AUDIT_ROLE] = secrets.token_urlsafe(18)
            (self.data_dir / "secrets.json").write_text(json.dumps(known, indent=2))
        audited = [name for name in SERVICES if name != "auth"]
        self.postgres.ensure_reader(AUDIT_ROLE, known[AUDIT_ROLE], audited)

    def gateway_settings(self) -> GatewaySettings:
        """The gateway in front of this stack's services: QUESTLINE_GATEWAY_* settings
        pass through (e.g. rate limits); where things are is the stack's to say."""
        where: dict[str, Any] = {f"{n}_port": p for n, p in self.config.http_ports.items()}
        for name in self.config.extra_http_ports:
            where[f"{name}_endpoints"] = [
                f"127.0.0.1:{self.http_port(name, replica)}" for replica in self.instances(name)
            ]
        return GatewaySettings(
            port=self.config.gateway_port,
            admin_port=self.config.gateway_admin_port,
            jwt_issuer=self.gateway_url,
            jwks_url=self.url("auth") + "/.well-known/jwks.json",
            web_upstream=f"127.0.0.1:{self.config.web_port}",
            **where,
        )

    def client_secret(self, client_id: str) -> str:
        return self._passwords()[f"client:{client_id}"]

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.config.gateway_port}"

    def known_database_urls(self) -> dict[str, str]:
        """The URLs of a stack started before (e.g. by `make run`), without starting it."""
        passwords = json.loads((self.data_dir / "secrets.json").read_text())
        socket = self.postgres.socket_dir
        return {n: f"postgresql+asyncpg://{n}:{passwords[n]}@/{n}?host={socket}" for n in SERVICES}

    # -- services ---------------------------------------------------------------------
    def instances(self, name: str) -> list[str]:
        """The replicas of a service that serve HTTP behind the gateway: "0", "1", …"""
        return [str(n) for n in range(1 + len(self.config.extra_http_ports.get(name, [])))]

    def http_port(self, name: str, replica: str = "0") -> int | None:
        """The port of one HTTP instance; None for a replica the stack has none for."""
        if replica == "0":
            return self.config.http_ports[name]
        extra = self.config.extra_http_ports.get(name, [])
        if replica.isdigit() and 0 < int(replica) <= len(extra):
            return extra[int(replica) - 1]
        return None

    def service_env(
        self, name: str, extra: Mapping[str, str] | None = None, replica: str = "0"
    ) -> dict[str, str]:
        """The child's environment: the caller's own QUESTLINE_<SERVICE>_* settings pass
        through (an external DATABASE_URL wins over the embedded one); the stack decides
        only where Kafka and the HTTP port are, since it starts and probes those."""
        prefix = f"QUESTLINE_{name.upper()}_"
        env = dict(os.environ)
        env.setdefault(prefix + "DATABASE_URL", self.database_urls[name])
        if name in self.config.extra_http_ports:  # balanced: an instance drains first
            env.setdefault(prefix + "DRAIN_SECONDS", str(REPLICA_DRAIN_S))
        passwords = self._passwords()
        # Tokens name the gateway as their issuer; every service fetches the keys from auth.
        env.setdefault(prefix + "AUTH_ISSUER", self.gateway_url)
        env.setdefault(prefix + "AUTH_JWKS_URL", self.url("auth") + "/.well-known/jwks.json")
        if name == "wallet":  # the one synchronous call: wallet finds gift by one setting
            env.setdefault(prefix + "GIFT_BASE_URL", self.url("gift"))
            env.setdefault(prefix + "GIFT_TOKEN_URL", self.url("auth") + "/oauth/token")
            env.setdefault(prefix + "GIFT_CLIENT_SECRET", passwords["client:wallet"])
        if name == "auth":  # the clients above, registered (idempotently) as auth starts
            # The web app is served by the gateway: it is where sign-in comes back to.
            env.setdefault(
                prefix + "WEB_REDIRECT_URIS", json.dumps([self.gateway_url + "/callback"])
            )
            env.setdefault(prefix + "ISSUER", self.gateway_url)
            env[prefix + "SEED_CLIENTS"] = json.dumps(
                {c: {"secret": passwords[f"client:{c}"], "scope": s} for c, s in CLIENTS.items()}
            )
        env.update(
            {
                "QUESTLINE_DATA_DIR": str(self.data_dir),
                prefix + "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap,
                # A replica the stack has no port for (e.g. a test's) is given its own.
                prefix + "HTTP_PORT": str(self.http_port(name, replica) or self.http_port(name)),
                "PYTHONUNBUFFERED": "1",
            }
        )
        for key, value in {**self.config.env, **(extra or {})}.items():
            env[key.replace("QUESTLINE_*_", prefix)] = value
        return env

    def migrate(self, names: Iterable[str] = SERVICES) -> None:
        """Migrate the databases in parallel; fail loudly with the migrator's output."""
        running = {
            n: subprocess.Popen(
                [sys.executable, "-m", f"questline.{n}", "migrate"],
                env=self.service_env(n),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for n in names
        }
        for name, proc in running.items():
            out, _ = proc.communicate(timeout=120)
            if proc.returncode != 0:
                raise RuntimeError(f"migrating {name} failed:\n{out.decode()[-3000:]}")

    def start(
        self,
        name: str,
        *,
        roles: str = ALL_ROLES,
        replica: str = "0",
        env: Mapping[str, str] | None = None,
        migrate: bool = False,
    ) -> ServiceProcess:
        key = f"{name}-{replica}"
        old = self.processes.get(key)
        if old is not None and old.alive():
            raise RuntimeError(f"{key} is already running")
        full_env = self.service_env(name, env, replica)
        if "http" not in roles:
            full_env.pop(f"QUESTLINE_{name.upper()}_HTTP_PORT", None)
        log_file = self.logs / f"{key}.log"
        with log_file.open("ab") as log:
            popen = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    f"questline.{name}",
                    "run",
                    "--roles",
                    roles,
                    *(["--migrate"] if migrate else []),
                ],
                env=full_env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C reaches the supervisor, which stops us
            )
        proc = ServiceProcess(
            name, replica, roles, popen, log_file, full_env, restarts=old.restarts if old else 0
        )
        self.processes[key] = proc
        return proc

    def start_all(self) -> None:
        ports = {
            **self.config.http_ports,
            **{
                f"{name}-{n + 1}": port
                for name, extra in self.config.extra_http_ports.items()
                for n, port in enumerate(extra)
            },
            "gateway": self.config.gateway_port,
            "web": self.config.web_port,
        }
        for name, port in ports.items():
            if port_in_use("127.0.0.1", port):
                raise RuntimeError(f"port {port} for {name} is taken: is Questline running?")
        # Envoy needs no service to start: it answers 503 for one not up yet.
        self.web.start()
        self.gateway.start()
        for name in SERVICES:
            # Each service migrates its own database as it starts (Alembic, under an
            # advisory lock): one Python start-up per service instead of two. A further
            # instance does too: it waits on the lock, then finds nothing left to do.
            for replica in self.instances(name):
                self.start(name, replica=replica, migrate=True)

    def stop(self, key: str, sig: signal.Signals = signal.SIGTERM, timeout: float = 15) -> int:
        """Stop one process (e.g. "reward-0"); SIGKILL to simulate a crash."""
        proc = self.processes[key]
        proc.wanted = False
        if proc.alive():
            proc.popen.send_signal(sig)
            try:
                proc.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.popen.kill()
                proc.popen.wait(10)
        return proc.popen.returncode

    def restart(self, key: str) -> ServiceProcess:
        old = self.processes[key]
        if old.alive():
            self.stop(key)
        return self.start(old.name, roles=old.roles, replica=old.replica, env=None)

    def tokens(self) -> Minter:
        """Tokens for players, operators and game backends, signed by the running auth
        service's key (for tests and the benchmark: no sign-in page in the way)."""
        if self._minter is None:
            self._minter = token_minter(self.database_urls["auth"], self.gateway_url)
        return self._minter

    def url(self, name: str, replica: str = "0") -> str:
        port = self.http_port(name, replica)
        if port is None:
            raise KeyError(f"{name}-{replica} has no HTTP port of the stack's")
        return f"http://127.0.0.1:{port}"

    def wait_ready(self, names: Iterable[str] = SERVICES, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        if self.gateway.pid is not None:  # started: its first key fetch waits for auth
            self.gateway.wait_ready(timeout)
        if self.web.pid is not None:
            self.web.wait_ready(timeout)
        pending = {(name, replica) for name in names for replica in self.instances(name)}
        with httpx.Client(timeout=2) as client:
            while pending:
                for name, replica in sorted(pending):
                    proc = self.processes.get(f"{name}-{replica}")
                    if proc is not None and not proc.alive():
                        raise RuntimeError(
                            f"{proc.key} exited ({proc.popen.returncode}); "
                            f"see {proc.log_file}:\n{_tail(proc.log_file)}"
                        )
                    try:
                        url = self.url(name, replica) + "/health/ready"
                        if client.get(url).status_code == 200:
                            pending.discard((name, replica))
                    except httpx.HTTPError:
                        pass
                if pending and time.monotonic() > deadline:
                    raise TimeoutError(f"not ready after {timeout:.0f} s: {sorted(pending)}")
                if pending:
                    time.sleep(0.1)

    def supervise_once(self) -> list[str]:
        """Restart what died, each after its own growing pause (never blocking the
        others); returns what it did, as lines for a person."""
        said: list[str] = []
        now = time.monotonic()
        for infra in self._infra.values():
            said += infra.check(now)
        for key, proc in list(self.processes.items()):
            if not proc.wanted or proc.alive():
                continue
            if proc.restart_at is None:  # just found dead: schedule, do not wait here
                proc.restarts += 1
                proc.restart_at = now + min(5.0, 0.5 * proc.restarts)
            elif now >= proc.restart_at:
                code = proc.popen.returncode
                self.start(proc.name, roles=proc.roles, replica=proc.replica)
                said.append(f"{key} exited ({code}); restarted (see {proc.log_file})")
        if self.gateway.pid is not None and not self.gateway.is_running():
            self.gateway.start()
            said.append("gateway exited; restarted")
        if self.web.pid is not None and not self.web.is_running():
            self.web.start()
            said.append(f"web server exited; restarted (see {self.web.log_file})")
        return said

    def stop_infra(self, name: str, *, crash: bool = False) -> None:
        """Stop "postgres", "kafka" (every broker) or one broker of a cluster ("kafka-2")
        on purpose: left down until `resume_infra`. Gracefully, or for a broker with
        `crash`, by kill -9 (no controlled shutdown)."""
        if name == "postgres":
            self._infra[name].stopped()
            self.postgres.stop()
            return
        names = self._brokers_named(name)
        for each in names:
            self._infra[each].stopped()
        if names == self.kafka_cluster.names and not crash:
            self.kafka_cluster.stop()
        else:
            for each in names:
                self.kafka_cluster.broker(each).stop(crash=crash)

    def resume_infra(self, name: str) -> None:
        """Hand it back to the supervisor, which starts it as after a crash."""
        for each in [name] if name == "postgres" else self._brokers_named(name):
            self._infra[each].started()

    def _brokers_named(self, name: str) -> list[str]:
        if name == "kafka":
            return list(self.kafka_cluster.names)
        if name not in self.kafka_cluster.names:
            known = ", ".join(["postgres", "kafka", *self.kafka_cluster.names])
            raise KeyError(f"no infrastructure named {name!r} (known: {known})")
        return [name]

    def supervise(self, stopping: threading.Event, say: Callable[[str], None]) -> None:
        """Supervise until `stopping` is set (make run's main loop; a thread in tests)."""
        while not stopping.wait(0.5):
            for line in self.supervise_once():
                say(line)

    def stop_all(self) -> None:
        for infra in self._infra.values():
            infra.stopped()
        for proc in self.processes.values():
            proc.wanted = False
            if proc.alive():
                # SIGINT: stop without draining, since everything stops, the gateway too:
                # no instance is left to take the requests over.
                proc.popen.send_signal(signal.SIGINT)
        for proc in self.processes.values():
            try:
                proc.popen.wait(15)
            except subprocess.TimeoutExpired:
                proc.popen.kill()
                proc.popen.wait(5)
        if self._minter is not None:
            self._minter.close()
            self._minter = None
        self.gateway.stop()
        self.web.stop()
        self.kafka_cluster.stop()
        self.postgres.stop()


def token_minter(auth_database_url: str, issuer: str) -> Minter:
    """Signs tokens with the auth service's current key, straight from its database."""
    from questline.auth import bootstrap
    from questline.auth.adapters.inbound.minting import Minter
    from questline.auth.settings import AuthSettings

    settings = AuthSettings(database_url=auth_database_url, issuer=issuer)
    parts = bootstrap.storage(settings)
    parts.store.open()
    return Minter(settings, parts)


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
