"""Memory of every process of the stack: services, the Kafka JVM, PostgreSQL (the
postmaster and its backends). RSS counts shared pages once per process, so the sum of
RSS over-counts PostgreSQL's shared buffers; PSS (proportional) sums honestly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from bench.target import Target


def _kib(path: Path, key: str) -> int | None:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def rss_kib(pid: int) -> int | None:
    return _kib(Path(f"/proc/{pid}/status"), "VmRSS")


def pss_kib(pid: int) -> int | None:
    return _kib(Path(f"/proc/{pid}/smaps_rollup"), "Pss")


# PostgreSQL backends that serve the harness itself (its backlog probe), not the system:
# left out of the system's memory and CPU (bench.cpu), as the load generator is.
HARNESS_BACKENDS: set[int] = set()


def stack_pids(target: Target) -> dict[str, list[int]]:
    """Process groups by name: each service replica, kafka, postgres (+ backends, but
    not the harness's own)."""
    groups = {name: [pid] for name, pid in target.roots().items()}
    if "postgres" in groups:
        try:
            children = psutil.Process(groups["postgres"][0]).children(recursive=True)
        except psutil.Error:
            children = []
        groups["postgres"] += [c.pid for c in children if c.pid not in HARNESS_BACKENDS]
    return groups


@dataclass
class Snapshot:
    rss_mib: dict[str, float]
    pss_mib: dict[str, float]
    processes: dict[str, int]

    @property
    def total_rss_mib(self) -> float:
        return round(sum(self.rss_mib.values()), 1)

    @property
    def total_pss_mib(self) -> float:
        return round(sum(self.pss_mib.values()), 1)

    def as_json(self) -> dict[str, Any]:
        return {
            "rss_mib": self.rss_mib,
            "pss_mib": self.pss_mib,
            "processes": self.processes,
            "total_rss_mib": self.total_rss_mib,
            "total_pss_mib": self.total_pss_mib,
        }


def snapshot(target: Target, pss: bool = True) -> Snapshot:
    rss: dict[str, float] = {}
    prop: dict[str, float] = {}
    counts: dict[str, int] = {}
    for name, pids in stack_pids(target).items():
        rss[name] = round(sum(rss_kib(p) or 0 for p in pids) / 1024, 1)
        if pss:
            prop[name] = round(sum(pss_kib(p) or 0 for p in pids) / 1024, 1)
        counts[name] = len(pids)
    return Snapshot(rss, prop, counts)


@dataclass
class Peak:
    """The largest footprint seen while sampling under load (per process and total)."""

    samples: int = 0
    rss_mib: dict[str, float] = field(default_factory=dict)
    pss_mib: dict[str, float] = field(default_factory=dict)
    total_rss_mib: float = 0.0
    total_pss_mib: float = 0.0

    def add(self, snap: Snapshot) -> None:
        self.samples += 1
        for name, value in snap.rss_mib.items():
            self.rss_mib[name] = max(value, self.rss_mib.get(name, 0.0))
        for name, value in snap.pss_mib.items():
            self.pss_mib[name] = max(value, self.pss_mib.get(name, 0.0))
        self.total_rss_mib = max(self.total_rss_mib, snap.total_rss_mib)
        self.total_pss_mib = max(self.total_pss_mib, snap.total_pss_mib)

    def sampler(self, target: Target, every: int = 4, pss_every: int = 8) -> Callable[[int], None]:
        """A backlog tick hook: RSS every `every` ticks, PSS too every `pss_every` ticks
        (reading smaps of the JVM costs ~0.1 s of CPU: not at every tick)."""

        def tick(n: int) -> None:
            if n % every == 0:
                self.add(snapshot(target, pss=n % pss_every == 0))

        return tick

    def as_json(self) -> dict[str, Any]:
        return {
            "samples": self.samples,
            "rss_mib": self.rss_mib,
            "pss_mib": self.pss_mib,
            "total_rss_mib": self.total_rss_mib,
            "total_pss_mib": self.total_pss_mib,
        }
