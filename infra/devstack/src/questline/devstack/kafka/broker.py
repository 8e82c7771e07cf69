"""Running one Kafka (KRaft) node as a child process (`KafkaBroker`): alone, or one of
the combined broker+controller nodes of a `KafkaCluster`.

The broker runs `kafka.Kafka` from the jars `ensure_kafka_jars` fetched: its server
properties, the storage format on first use, the class data sharing archive that
speeds up later starts, and start / wait_ready / stop.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from questline.devstack.kafka._shared import client_config, read_stripped, tail
from questline.devstack.kafka._shared import log as _log
from questline.devstack.kafka.replication import Replication
from questline.devstack.ports import LOOPBACK, port_in_use, wait_port

# infra/devstack/src/questline/devstack/kafka/broker.py -> infra/kafka/log4j2.properties
_DEFAULT_LOG4J = Path(__file__).resolve().parents[5] / "kafka" / "log4j2.properties"


class KafkaBrokerError(RuntimeError):
    """The broker could not start, died, or its ports are taken."""


class KafkaBroker:
    """One combined broker+controller node on 127.0.0.1, data in `data_dir`.

    Alone by default (node 1, the only voter of its controller quorum). In a cluster,
    `node_id`, `quorum_voters` (every node's "id@host:controller_port"), `cluster_id`
    (shared by all) and `replication` (the cluster's replica counts) say where it fits;
    `overrides` are server properties of the cluster's own, written last.

    Layout of `data_dir`: server.properties (rewritten at each start), cluster.id,
    broker.pid (while running), kraft-logs/ (topic and metadata logs; kept).
    """

    def __init__(
        self,
        data_dir: Path,
        jars_dir: Path,
        port: int = 9092,
        controller_port: int = 9093,
        log_file: Path | None = None,
        heap: str = "512m",
        log4j_config: Path | None = None,
        *,
        node_id: int = 1,
        quorum_voters: str | None = None,
        cluster_id: str | None = None,
        replication: Replication = Replication.SINGLE,
        overrides: Mapping[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.jars_dir = jars_dir.resolve()
        self.port = port
        self.controller_port = controller_port
        self.log_file = (log_file or self.data_dir / "broker.log").resolve()
        self.heap = heap
        self.log4j_config = log4j_config or _DEFAULT_LOG4J
        self.node_id = node_id
        # Static quorum: alone, one voter, us. (Dynamic quorums would need --standalone.)
        self.quorum_voters = quorum_voters or f"{node_id}@{LOOPBACK}:{controller_port}"
        self.cluster_id = cluster_id
        self.replication = replication
        self.overrides = dict(overrides or {})
        self._proc: subprocess.Popen[bytes] | None = None
        self._cds_pending: Path | None = None

    @property
    def bootstrap(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def returncode(self) -> int | None:
        """Exit code once the broker has exited, else None (also before start)."""
        return self._proc.poll() if self._proc is not None else None

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def _props(self) -> Path:
        return self.data_dir / "server.properties"

    @property
    def _log_dir(self) -> Path:
        return self.data_dir / "kraft-logs"

    @property
    def _pid_file(self) -> Path:
        return self.data_dir / "broker.pid"

    # -- lifecycle

    def start(self) -> None:
        """Write the config, format storage on first use, and launch the JVM.

        Returns as soon as the process is launched; call wait_ready() next.
        """
        if self.is_running():
            raise KafkaBrokerError(f"broker already running (pid {self.pid})")
        if not any(self.jars_dir.glob("kafka_2.13-*.jar")):
            raise KafkaBrokerError(f"no Kafka jars in {self.jars_dir}; run ensure_kafka_jars()")
        self._refuse_taken_ports()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._props.write_text(self._server_properties())
        if not (self._log_dir / "meta.properties").exists():
            self._format_storage()
        with self._open_log("starting broker") as log:
            self._proc = subprocess.Popen(
                [*self._java(), *self._cds_flags(), "kafka.Kafka", str(self._props)],
                cwd=self.data_dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Own session/process group: a Ctrl-C meant for the supervisor does
                # not hit the broker, and stop() can signal the whole group.
                start_new_session=True,
            )
        self._pid_file.write_text(str(self._proc.pid))
        _log.info("kafka broker started, pid %s, bootstrap %s", self._proc.pid, self.bootstrap)

    def wait_ready(self, timeout: float = 60) -> None:
        """Block until the broker answers a metadata request (or raise with its log tail)."""
        if self._proc is None:
            raise KafkaBrokerError("broker was not started")
        deadline = time.monotonic() + timeout
        try:
            # Port first: a metadata client polling a closed port logs an error per try.
            wait_port(LOOPBACK, self.port, timeout, alive=self.is_running)
        except (RuntimeError, TimeoutError) as exc:
            raise self._failure(str(exc)) from None
        admin = AdminClient(client_config(self.bootstrap))
        while True:
            try:
                metadata = admin.list_topics(timeout=2)
                if metadata.brokers:
                    return
            except KafkaException:
                pass
            if not self.is_running():
                raise self._failure("broker exited while starting")
            if time.monotonic() >= deadline:
                raise self._failure(f"broker not ready within {timeout:.0f} s")
            time.sleep(0.1)

    def stop(self, timeout: float = 20, *, crash: bool = False) -> None:
        """SIGTERM (controlled shutdown, flushes logs); SIGKILL if it takes too long.
        `crash`: SIGKILL at once, as a crash would end it."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            _signal_group(proc.pid, signal.SIGKILL if crash else signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                _log.warning("broker pid %s ignored SIGTERM for %.0f s; killing", proc.pid, timeout)
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait()
        self._pid_file.unlink(missing_ok=True)
        self._settle_cds(clean_exit=proc.returncode in (0, 128 + signal.SIGTERM))
        _log.info("kafka broker stopped (exit %s)", proc.returncode)

    def stale_pid(self) -> int | None:
        """Pid of a broker from an earlier run on this data dir that is still alive.

        That happens when the previous supervisor was killed without stopping it.
        """
        pid_text = read_stripped(self._pid_file)
        if not pid_text or not pid_text.isdigit():
            return None
        pid = int(pid_text)
        if self._proc is not None and pid == self._proc.pid:
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return None
        if b"kafka.Kafka" in cmdline and str(self._props).encode() in cmdline:
            return pid
        return None

    # -- helpers

    def _refuse_taken_ports(self) -> None:
        stale = self.stale_pid()
        for name, port in (("broker", self.port), ("controller", self.controller_port)):
            if not port_in_use(LOOPBACK, port):
                continue
            if stale is not None:
                raise KafkaBrokerError(
                    f"{name} port {port} is held by a broker left over from an earlier run "
                    f"(pid {stale}, data dir {self.data_dir}); stop it with `kill {stale}`"
                )
            raise KafkaBrokerError(
                f"{name} port {LOOPBACK}:{port} is already in use by another process; "
                f"free it or choose another port"
            )
        if stale is not None:  # same data dir, other ports: it still holds the log dir lock
            raise KafkaBrokerError(
                f"a broker from an earlier run still uses {self.data_dir} (pid {stale}); "
                f"stop it with `kill {stale}`"
            )

    def _server_properties(self) -> str:
        props = {
            "process.roles": "broker,controller",
            "node.id": str(self.node_id),
            "controller.quorum.voters": self.quorum_voters,
            "listeners": f"PLAINTEXT://{LOOPBACK}:{self.port},"
            f"CONTROLLER://{LOOPBACK}:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://{LOOPBACK}:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": str(self._log_dir),
            # Replicas of every topic, internal ones too: 1 alone, 3 (2 in sync) in a cluster.
            **self.replication.broker_properties(),
            # Fewer internal partitions than the 50 default: faster first group join.
            "offsets.topic.num.partitions": "12",
            "transaction.state.log.num.partitions": "12",
            # Consumers join at once instead of waiting 3 s for more members.
            "group.initial.rebalance.delay.ms": "0",
            # Topics are created on purpose (create_topics); a typo must not make one.
            "auto.create.topics.enable": "false",
            "num.partitions": "6",
            # Dev sizing: small segments so retention can act, a week of history.
            "log.segment.bytes": str(64 * 1024 * 1024),
            "log.retention.hours": "168",
            "log.retention.check.interval.ms": "300000",
            # The controller's no-op heartbeat record: every 5 s instead of every 0.5 s,
            # a quarter of a quiet broker's CPU (brokers learn of a dead peer through
            # their own heartbeats, not through this record).
            "metadata.max.idle.interval.ms": "5000",
            # Two-core machine: fewer threads than the server defaults.
            "num.network.threads": "2",
            "num.io.threads": "4",
            "num.recovery.threads.per.data.dir": "1",
            **self.overrides,
        }
        lines = ["# Written by questline.devstack.kafka at each start; edits are lost."]
        lines += [f"{key}={value}" for key, value in props.items()]
        return "\n".join(lines) + "\n"

    # Class data sharing: the JVM spends most of the broker's ~4 s start loading and
    # verifying classes. The first clean stop dumps the loaded classes to an archive
    # next to the jars (about 50 MB); later starts map it and are ready in about
    # 2.5 s. A stale or damaged archive is ignored by the JVM (it starts without it);
    # the name carries the JVM's identity so a new JVM dumps a new one, and the
    # archive goes when ensure_kafka_jars() refetches the jars. It lives with the jars,
    # so the nodes of a cluster share one archive.

    def _cds_archive(self) -> Path:
        java = Path(os.path.realpath(shutil.which("java") or "java"))
        info = java.stat()
        key = hashlib.sha256(f"{java}:{info.st_size}:{info.st_mtime_ns}".encode()).hexdigest()[:12]
        return self.jars_dir / f"kafka-cds-{key}.jsa"

    def _cds_flags(self) -> list[str]:
        archive = self._cds_archive()
        if archive.exists():
            return [f"-XX:SharedArchiveFile={archive}"]
        for leftover in self.jars_dir.glob("kafka-cds-*.jsa.*.tmp"):  # from killed brokers
            pid = leftover.suffixes[-2].lstrip(".").split("-")[0]
            if not (pid.isdigit() and Path(f"/proc/{pid}").exists()):
                leftover.unlink(missing_ok=True)
        # Unique per launcher pid and node: two brokers sharing the jars never write one
        # file (the last clean stop publishes its archive; any of them will do).
        pending = f"{archive.name}.{os.getpid()}-{self.node_id}.tmp"
        self._cds_pending = archive.with_name(pending)
        return [f"-XX:ArchiveClassesAtExit={self._cds_pending}"]

    def _settle_cds(self, clean_exit: bool) -> None:
        pending, self._cds_pending = self._cds_pending, None
        if pending is None or not pending.exists():
            return
        if clean_exit:  # a SIGKILLed dump may be torn: only publish complete ones
            os.replace(pending, pending.with_name(pending.name.split(".jsa.")[0] + ".jsa"))
        else:
            pending.unlink(missing_ok=True)

    def _format_storage(self) -> None:
        cluster_file = self.data_dir / "cluster.id"
        cluster_id = read_stripped(cluster_file) or self.cluster_id
        if not cluster_id:
            cluster_id = self._tool("random-uuid").strip().splitlines()[-1].strip()
        cluster_file.write_text(cluster_id + "\n")  # kept: a re-format reuses it
        self._tool("format", "-t", cluster_id, "-c", str(self._props))
        _log.info("formatted kafka storage in %s (cluster %s)", self._log_dir, cluster_id)

    def _tool(self, *args: str) -> str:
        done = subprocess.run(
            [*self._java(), "kafka.tools.StorageTool", *args],
            cwd=self.data_dir,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise KafkaBrokerError(
                f"StorageTool {args[0]} failed (exit {done.returncode}):\n"
                f"{tail(done.stdout + done.stderr)}"
            )
        return done.stdout

    def _java(self) -> list[str]:
        java = shutil.which("java")
        if java is None:
            raise KafkaBrokerError("java is not on PATH")
        cmd = [
            java, f"-Xmx{self.heap}", f"-Xms{_min_heap(self.heap, '256m')}",
            "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true",
            # One GC thread, no concurrent marking threads waking at rest: a small heap
            # on two cores gains nothing from G1's parallelism.
            "-XX:+UseSerialGC",
            # The quick compiler only. The optimising one was still compiling 4-5 methods
            # a second minutes after start, ≈ 1 % of a core at rest; without it the broker
            # at rest took 2.4 % of a core against 3.1-3.6 %, and its CPU at 1,500
            # achievements/s did not change (0.14-0.19 against 0.12-0.20 ms each): our
            # load is far below what the broker's code speed would matter for.
            "-XX:TieredStopAtLevel=1",
            "-cp", f"{self.jars_dir}/*",
        ]  # fmt: skip
        if self.log4j_config.exists():
            cmd.append(f"-Dlog4j2.configurationFile={self.log4j_config.resolve()}")
        return cmd

    @contextlib.contextmanager
    def _open_log(self, banner: str) -> Iterator[IO[bytes]]:
        # Append, so the log of a broker that died is not wiped by the next start.
        with self.log_file.open("ab") as log:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
            log.write(f"\n===== {stamp} questline devstack: {banner} =====\n".encode())
            log.flush()
            yield log

    def _failure(self, reason: str) -> KafkaBrokerError:
        code = self.returncode
        status = f" (exit code {code})" if code is not None else ""
        return KafkaBrokerError(
            f"kafka broker {reason}{status}; last lines of {self.log_file}:\n"
            f"{tail(read_stripped(self.log_file) or '')}"
        )


# ------------------------------------------------------------------------- helpers


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def _min_heap(heap: str, initial: str) -> str:
    """The smaller of two JVM sizes (-Xms above -Xmx stops the JVM from starting)."""
    return initial if _jvm_bytes(initial) <= _jvm_bytes(heap) else heap


def _jvm_bytes(size: str) -> int:
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    size = size.strip().lower()
    if size[-1:] in units:
        return int(size[:-1]) * units[size[-1]]
    return int(size)
