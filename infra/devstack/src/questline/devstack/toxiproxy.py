"""A Toxiproxy server (built by infra/install.sh) and a thin client of its HTTP API:
latency and cut connections between two parts of the system, on loopback."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import httpx

from questline.devstack.ports import free_ports, wait_port


class Toxiproxy:
    def __init__(self, binary: Path, port: int) -> None:
        if not binary.exists():
            raise RuntimeError(f"{binary} is missing: run `make install-test` (infra/install.sh)")
        self.api = f"http://127.0.0.1:{port}"
        self._proc = subprocess.Popen(
            [str(binary), "-host", "127.0.0.1", "-port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port("127.0.0.1", port, 15, alive=lambda: self._proc.poll() is None)

    def proxy(self, name: str, upstream: str) -> str:
        """A proxy to `upstream` (host:port); returns the address it listens on."""
        listen = f"127.0.0.1:{free_ports(1)[0]}"
        self._call(
            "POST",
            "/proxies",
            {"name": name, "listen": listen, "upstream": upstream, "enabled": True},
        )
        return listen

    def add_toxic(self, proxy: str, kind: str, name: str, **attributes: Any) -> None:
        """e.g. kind "latency" (latency=ms), "timeout" (timeout=ms: stalls, then cuts),
        "reset_peer" (timeout=ms: cuts with a TCP RST)."""
        self._call(
            "POST",
            f"/proxies/{proxy}/toxics",
            {"name": name, "type": kind, "stream": "downstream", "attributes": attributes},
        )

    def add_latency(self, proxy: str, ms: int, name: str = "latency") -> None:
        self.add_toxic(proxy, "latency", name, latency=ms)

    def remove_toxic(self, proxy: str, name: str = "latency") -> None:
        self._call("DELETE", f"/proxies/{proxy}/toxics/{name}")

    def set_enabled(self, proxy: str, enabled: bool) -> None:
        """Disabled: the proxy refuses connections and drops the open ones."""
        self._call("POST", f"/proxies/{proxy}", {"enabled": enabled})

    def _call(self, method: str, path: str, body: Any = None) -> None:
        response = httpx.request(method, self.api + path, json=body, timeout=5)
        response.raise_for_status()

    def stop(self) -> None:
        self._proc.terminate()
        self._proc.wait(10)
