"""TCP port helpers for the local stack (all on loopback)."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """Return a port nobody listens on right now (the OS picks it; racy by nature)."""
    return free_ports(1, host)[0]


def free_ports(count: int, host: str = LOOPBACK) -> list[int]:
    """Return `count` distinct free ports.

    All sockets stay bound until every port is chosen, so the OS cannot hand out the
    same port twice (calling free_port() twice in a row can).
    """
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((host, 0))
            ports.append(sock.getsockname()[1])
        return ports


def port_in_use(host: str, port: int) -> bool:
    """True if something listens on host:port.

    A bind test with SO_REUSEADDR, like the JVM's ServerSocket: it fails on a listener
    but not on TIME_WAIT leftovers of a server that just stopped, which would make a
    plain bind test report a restarted broker's own port as taken.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
        return False


def wait_port(
    host: str,
    port: int,
    timeout: float,
    *,
    alive: Callable[[], bool] | None = None,
    interval: float = 0.1,
) -> None:
    """Wait until host:port accepts a TCP connection.

    `alive` lets the caller stop waiting early when the process that should open the
    port has died (returns False); then RuntimeError is raised instead of a timeout.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=min(1.0, timeout)):
                return
        except OSError:
            pass
        if alive is not None and not alive():
            raise RuntimeError(f"process died before {host}:{port} opened")
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{host}:{port} did not open within {timeout:.0f} s")
        time.sleep(interval)
