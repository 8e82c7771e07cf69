"""The system under chaos: a sandbox of its own on free loopback ports, Toxiproxy
between wallet and gift (the one synchronous call), and the supervisor restarting
what dies, as `make run` does."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from questline.devstack.ports import free_ports
from questline.devstack.sandbox import REPO_ROOT, sandbox
from questline.devstack.stack import SERVICES, Stack
from questline.devstack.toxiproxy import Toxiproxy

WALLET_TO_GIFT = "wallet-gift"


@dataclass
class System:
    stack: Stack
    toxiproxy: Toxiproxy
    supervisor_log: list[tuple[float, str]]


@contextmanager
def started(say: Callable[[str], None], clock: Callable[[], float]) -> Iterator[System]:
    ports = free_ports(1 + len(SERVICES))
    http_ports = dict(zip(SERVICES, ports[1:], strict=True))
    toxiproxy = Toxiproxy(REPO_ROOT / ".cache" / "toxiproxy" / "toxiproxy-server", ports[0])
    to_gift = toxiproxy.proxy(WALLET_TO_GIFT, f"127.0.0.1:{http_ports['gift']}")
    supervisor_log: list[tuple[float, str]] = []

    def note(line: str) -> None:
        supervisor_log.append((clock(), line))
        say(f"supervisor: {line}")

    say("starting a system of its own ...")
    try:
        with sandbox(
            "ql-chaos-",
            env={"QUESTLINE_WALLET_GIFT_BASE_URL": f"http://{to_gift}"},
            http_ports=http_ports,
            supervisor=note,
        ) as stack:
            yield System(stack, toxiproxy, supervisor_log)
    finally:
        toxiproxy.stop()
